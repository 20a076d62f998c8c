"""A site in simulated time: simulated chargers, cars and meters around the real control loop.

Every step moves the devices to the new time, measures the true load on every circuit
conductor (what a clamp meter would read), delivers the readings that are due to the loop and
the loop's commands to the chargers. While "ampshare is down" nothing reaches the loop and no
command reaches a charger: the chargers fall back by themselves when their leases lapse.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial

from ampshare.control.loop import ControlLoop
from ampshare.control.readings import Command
from ampshare.control.settings import LoopSettings
from ampshare.domain import Site
from ampshare.domain.network import ConstraintKind, compile_network
from ampshare.sim.car import Car
from ampshare.sim.controller import Controller
from ampshare.sim.evse import SimCharger
from ampshare.sim.household import HouseholdProfile, SimMeter

_OVER_TOLERANCE_A = 0.05


@dataclass
class ConductorRecord:
    """The true load on one circuit conductor over a run."""

    label: str
    limit_a: float  # continuous
    breaker_a: float
    peak_a: float = 0.0
    over_limit_s: float = 0.0
    over_breaker_s: float = 0.0


class SiteSimulation:
    def __init__(
        self,
        site: Site,
        settings: LoopSettings | None = None,
        *,
        households: Mapping[str, HouseholdProfile] | None = None,
        reading_interval_s: float = 5.0,
        meter_period_s: float = 1.0,
        follow_delay_s: float = 2.0,
        car_response_s: float = 5.0,
        controller: Controller | None = None,
    ) -> None:
        """controller: what decides the offers; ampshare's own control loop by default."""
        self.site = site
        self.controller: Controller = controller or ControlLoop(site, settings)
        self.network = compile_network(site)
        self.households = dict(households or {})
        self.reading_interval_s = reading_interval_s
        # the households on each circuit or anywhere below it: a circuit carries them all
        self._households_under: dict[str, list[HouseholdProfile]] = {
            c.id: [] for c in site.circuits
        }
        for circuit_id, profile in self.households.items():
            for ancestor in site.ancestors(circuit_id):
                self._households_under[ancestor.id].append(profile)
        self.chargers = {
            c.id: SimCharger(
                c.id,
                max_current_a=c.max_current_a,
                start_current_a=c.effective_start_current_a,
                fallback_current_a=c.fallback_current_a,
                voltage_v=site.watts_per_amp(c),
                follow_delay_s=follow_delay_s,
                car_response_s=car_response_s,
            )
            for c in site.chargers
        }
        self.meters = {
            m.id: SimMeter(
                m.id,
                meter_period_s,
                sources=partial(self.circuit_current_a, m.circuit),
                voltage_v=site.voltage_v,
            )
            for m in site.meters
        }
        self.records = [
            ConductorRecord(k.label, k.limit, site.circuits_by_id[k.circuit_id].breaker_a)
            for k in self.network.constraints
            if k.kind is ConstraintKind.CURRENT
        ]
        self.now_s = 0.0
        self.ampshare_up = True
        self.commands: list[tuple[float, Command]] = []
        self._next_reading_s = {cid: 0.0 for cid in self.chargers}
        # every charger says hello before the first car arrives, as when ampshare has been
        # running a while (a charger never heard from counts at its full rating)
        for charger_id, charger in self.chargers.items():
            self.controller.charger_reading(charger_id, charger.reading(0.0), 0.0)

    @property
    def loop(self) -> ControlLoop:
        """ampshare's control loop, when it is what this simulation drives."""
        if not isinstance(self.controller, ControlLoop):
            raise TypeError(f"this simulation drives {type(self.controller).__name__}")
        return self.controller

    # the scenario's hands -------------------------------------------------------------------

    def plug_in(self, charger_id: str, car: Car) -> None:
        self.chargers[charger_id].plug_in(car, self.now_s)

    def unplug(self, charger_id: str) -> None:
        self.chargers[charger_id].unplug(self.now_s)

    def run_until(self, end_s: float, step_s: float = 1.0) -> None:
        while self.now_s < end_s - 1e-9:
            self.step(min(step_s, end_s - self.now_s))

    # one step -------------------------------------------------------------------------------

    def step(self, dt_s: float) -> None:
        now_s = self.now_s + dt_s
        for charger in self.chargers.values():
            charger.advance(now_s)
        self.now_s = now_s
        self._record(dt_s)
        if not self.ampshare_up:
            return
        commands: list[Command] = []
        for charger_id, charger in self.chargers.items():
            if charger.connected_to_ampshare and now_s >= self._next_reading_s[charger_id]:
                self._next_reading_s[charger_id] = now_s + self.reading_interval_s
                reading = charger.reading(now_s)
                commands += self.controller.charger_reading(charger_id, reading, now_s)
        for meter_id, meter in self.meters.items():
            sample = meter.sample(now_s)
            if sample is not None:
                commands += self.controller.meter_sample(meter_id, sample, now_s)
        commands += self.controller.tick(now_s)
        for command in commands:
            self.commands.append((now_s, command))
            self.chargers[command.charger_id].command(command.offer_a, command.lease_s, now_s)

    # what a clamp meter would read ------------------------------------------------------------

    def circuit_current_a(self, circuit_id: str, now_s: float) -> float:
        """The highest line current on a circuit: its chargers and its households."""
        network = self.network
        draws = [self.chargers[cid].drawing_a for cid in network.charger_ids]
        other_a = self._household_a(circuit_id, now_s)
        return max(
            abs(sum((c * draws[i] for i, c in zip(k.members, k.coeffs, strict=True)), 0j)) + other_a
            for k in network.constraints
            if k.circuit_id == circuit_id and k.kind is ConstraintKind.CURRENT
        )

    def _household_a(self, circuit_id: str, now_s: float) -> float:
        return sum(profile.current_a(now_s) for profile in self._households_under[circuit_id])

    def _record(self, dt_s: float) -> None:
        draws = [self.chargers[cid].drawing_a for cid in self.network.charger_ids]
        records = iter(self.records)
        for k in self.network.constraints:
            if k.kind is not ConstraintKind.CURRENT:
                continue
            record = next(records)
            ev = sum((c * draws[i] for i, c in zip(k.members, k.coeffs, strict=True)), 0j)
            load_a = abs(ev) + self._household_a(k.circuit_id, self.now_s)
            record.peak_a = max(record.peak_a, load_a)
            if load_a > record.limit_a + _OVER_TOLERANCE_A:
                record.over_limit_s += dt_s
            if load_a > record.breaker_a + _OVER_TOLERANCE_A:
                record.over_breaker_s += dt_s
