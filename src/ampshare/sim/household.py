"""Non-EV load on a circuit, and the meter that measures a circuit.

A meter measures everything on its circuit, chargers included; the simulator passes it a source
that adds the household load to the cars' draws.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass

from ampshare.control.readings import MeterSample

SECONDS_PER_MINUTE = 60.0
SECONDS_PER_HOUR = 3600.0


@dataclass(frozen=True)
class Spike:
    """An appliance running for a while: [start_s, start_s + duration_s)."""

    start_s: float
    duration_s: float
    current_a: float
    name: str

    def active(self, now_s: float) -> bool:
        return self.start_s <= now_s < self.start_s + self.duration_s


@dataclass(frozen=True)
class HouseholdProfile:
    base_a: float
    spikes: tuple[Spike, ...] = ()

    def current_a(self, now_s: float) -> float:
        return self.base_a + sum(s.current_a for s in self.spikes if s.active(now_s))

    def next_change_s(self, now_s: float) -> float:
        """When an appliance next starts or stops after now_s (inf: never)."""
        edges = (t for s in self.spikes for t in (s.start_s, s.start_s + s.duration_s))
        return min((t for t in edges if t > now_s), default=math.inf)


def typical_evening(seed: int, start_s: float, hours: float) -> HouseholdProfile:
    """A plausible evening, random but reproducible from seed: a base load, an oven, a dryer
    and a heat pump cycling on and off. Appliances start within the window."""
    rng = random.Random(seed)
    end_s = start_s + hours * SECONDS_PER_HOUR

    def start_for(duration_s: float) -> float:
        # Prefer a start that lets the appliance finish within the window.
        return rng.uniform(start_s, max(start_s, end_s - duration_s))

    oven_s = 45 * SECONDS_PER_MINUTE
    dryer_s = SECONDS_PER_HOUR
    spikes = [
        Spike(start_for(oven_s), oven_s, rng.uniform(15.0, 20.0), "oven"),
        Spike(start_for(dryer_s), dryer_s, rng.uniform(20.0, 24.0), "dryer"),
    ]
    # The heat pump runs in cycles: 10-20 min on, 15-30 min off, from a random phase.
    heat_pump_a = rng.uniform(10.0, 15.0)
    cycle_start_s = start_s - rng.uniform(0.0, 30 * SECONDS_PER_MINUTE)
    while cycle_start_s < end_s:
        on_s = rng.uniform(10.0, 20.0) * SECONDS_PER_MINUTE
        if cycle_start_s + on_s > start_s:
            spikes.append(Spike(cycle_start_s, on_s, heat_pump_a, "heat pump"))
        cycle_start_s += on_s + rng.uniform(15.0, 30.0) * SECONDS_PER_MINUTE
    return HouseholdProfile(base_a=rng.uniform(3.0, 8.0), spikes=tuple(spikes))


class SimMeter:
    """A meter that reports the true current on its circuit every update_period_s.

    Samples fall due at start_s + k * update_period_s. A meter sends its latest value, not a
    backlog: after a long step the next sample is due at the next period boundary.
    """

    def __init__(
        self,
        meter_id: str,
        update_period_s: float,
        sources: Callable[[float], float],
        voltage_v: float = 240.0,
        start_s: float = 0.0,
    ) -> None:
        if not update_period_s > 0:
            raise ValueError(f"update_period_s must be positive, not {update_period_s}")
        self.meter_id = meter_id
        self.update_period_s = update_period_s
        self.sources = sources
        self.voltage_v = voltage_v
        self._start_s = start_s
        self._next_due_s = start_s
        self._silent = False
        self._silent_until_s: float | None = None

    def go_silent(self, until_s: float | None = None) -> None:
        """Send nothing until until_s (None: until speak() is called)."""
        self._silent = True
        self._silent_until_s = until_s

    def speak(self) -> None:
        self._silent = False
        self._silent_until_s = None

    @property
    def next_due_s(self) -> float:
        return self._next_due_s

    def silent(self, now_s: float) -> bool:
        return self._silent and (self._silent_until_s is None or now_s < self._silent_until_s)

    def sample(self, now_s: float) -> MeterSample | None:
        """A new sample if one is due by now_s, else None. Silence loses samples: a silent
        meter's updates are not queued, so a stale meter looks stale."""
        if now_s < self._next_due_s:
            return None
        periods = math.floor((now_s - self._start_s) / self.update_period_s) + 1
        self._next_due_s = self._start_s + periods * self.update_period_s
        if self._next_due_s <= now_s:  # float rounding must not allow a second sample now
            self._next_due_s += self.update_period_s
        if self.silent(now_s):
            return None
        current_a = self.sources(now_s)
        return MeterSample(current_a=(current_a,), power_w=current_a * self.voltage_v)
