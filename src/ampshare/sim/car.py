"""A simulated car: a battery behind an on-board charger.

The battery follows the two-stage linear model of Caltech's ACN-Sim (Linear2StageBattery): the
car accepts its maximum current up to taper_soc, then the most it accepts falls linearly with the
state of charge to 0 at full. Within one step the current is integrated exactly, so a simulator
may take steps of 1 s or of an hour and get the same energy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ampshare.domain.electrical import J1772_MIN_CURRENT_A

SECONDS_PER_HOUR = 3600.0


@dataclass(frozen=True)
class CarModel:
    """What a kind of car is like.

    taper_soc: above this state of charge the accepted current falls linearly to 0 at full.
    draw_ratio: a car draws a little less than its offer (about 95 %).
    resume_limit: a reluctant car (VW: about 10) resumes after a pause only this many times;
        the pause that reaches the limit is final and it draws nothing more this session.
    finish_current_a: the taper ends at this current instead of 0, then the car charges on at it
        until full. A pure linear taper only approaches full exponentially and never ends, so a
        car would never report itself full; a real car's charger likewise stops at a small
        current. 0 gives the pure ACN-Sim model (the car is then never full).
    charge_limit_soc: the car stops at this state of charge (the limit its driver set; most
        drivers keep 80-90 % for the battery's sake). A visit starts so that the energy wanted
        brings the car to it.
    """

    battery_wh: float
    max_current_a: float
    taper_soc: float = 0.8
    draw_ratio: float = 0.95
    resume_limit: int | None = None
    finish_current_a: float = 1.0
    charge_limit_soc: float = 1.0

    def __post_init__(self) -> None:
        if not self.battery_wh > 0:
            raise ValueError(f"battery_wh must be positive, not {self.battery_wh}")
        if not self.max_current_a > 0:
            raise ValueError(f"max_current_a must be positive, not {self.max_current_a}")
        if not 0.0 <= self.taper_soc <= 1.0:
            raise ValueError(f"taper_soc must be within 0..1, not {self.taper_soc}")
        if not 0.0 < self.draw_ratio <= 1.0:
            raise ValueError(f"draw_ratio must be within (0, 1], not {self.draw_ratio}")
        if self.resume_limit is not None and self.resume_limit < 1:
            raise ValueError(f"resume_limit must be at least 1, not {self.resume_limit}")
        if not 0.0 < self.charge_limit_soc <= 1.0:
            raise ValueError(f"charge_limit_soc must be within (0, 1], not {self.charge_limit_soc}")
        if not 0.0 <= self.finish_current_a <= self.max_current_a:
            raise ValueError(
                f"finish_current_a must be within 0..max_current_a, not {self.finish_current_a}"
            )

    def taper_energy_wh(self, current_a: float) -> float:
        """The stored energy at which the linear taper accepts current_a."""
        return self.battery_wh * (1.0 - current_a * (1.0 - self.taper_soc) / self.max_current_a)

    @property
    def limit_wh(self) -> float:
        """The stored energy at which the car stops: its charge limit."""
        return self.battery_wh * self.charge_limit_soc

    def start_energy_wh(self, energy_wanted_wh: float) -> float:
        """What a car wanting energy_wanted_wh has stored when it arrives: clamped both ways,
        wanting more than the battery holds below the limit starts it empty, wanting nothing
        (or less) starts it at its limit."""
        return min(self.limit_wh, max(0.0, self.limit_wh - energy_wanted_wh))


class Car:
    """One car's battery during one visit: starts so that energy_wanted_wh brings it to its
    charge limit."""

    def __init__(self, model: CarModel, energy_wanted_wh: float) -> None:
        self.model = model
        self.energy_wanted_wh = energy_wanted_wh
        self._initial_wh = model.start_energy_wh(energy_wanted_wh)
        self._energy_wh = self._initial_wh
        self._pauses = 0

    @property
    def energy_wh(self) -> float:
        """Energy stored in the battery now."""
        return self._energy_wh

    @property
    def delivered_wh(self) -> float:
        return self._energy_wh - self._initial_wh

    @property
    def soc(self) -> float:
        return self._energy_wh / self.model.battery_wh

    @property
    def full(self) -> bool:
        return self._energy_wh >= self.model.limit_wh

    @property
    def pauses(self) -> int:
        return self._pauses

    @property
    def gave_up(self) -> bool:
        limit = self.model.resume_limit
        return limit is not None and self._pauses >= limit

    def accepted_a(self) -> float:
        """The most the battery accepts now."""
        model = self.model
        if self.full:
            return 0.0
        if self.soc < model.taper_soc:
            return model.max_current_a
        taper_a = model.max_current_a * (1.0 - self.soc) / (1.0 - model.taper_soc)
        return max(taper_a, model.finish_current_a)

    def draw_a(self, offer_a: float) -> float:
        """What the car draws now when offered offer_a (the pilot it follows)."""
        if offer_a < J1772_MIN_CURRENT_A or self.full or self.gave_up:
            return 0.0  # J1772: an offer below 6 A is a pause, not a small current
        return min(offer_a * self.model.draw_ratio, self.accepted_a())

    def note_pause(self) -> None:
        """The car's charging was interrupted (its offer went from a current to a pause)."""
        self._pauses += 1

    def charge(self, current_a: float, dt_s: float, voltage_v: float) -> float:
        """Charge for dt_s at current_a or less: the battery caps the current at what it accepts
        as it fills. Returns the energy delivered (Wh). Exact for any dt_s."""
        if dt_s < 0:
            raise ValueError(f"dt_s must not be negative, not {dt_s}")
        if voltage_v <= 0:
            raise ValueError(f"voltage_v must be positive, not {voltage_v}")
        ceiling_a = min(current_a, self.model.max_current_a)
        start_wh = self._energy_wh
        left_s = dt_s
        # Each pass covers one stretch in which the current follows one law; at most three.
        while left_s > 0 and ceiling_a > 0 and not self.full:
            left_s = self._charge_stretch(ceiling_a, left_s, voltage_v)
        return self._energy_wh - start_wh

    def _charge_stretch(self, ceiling_a: float, left_s: float, voltage_v: float) -> float:
        """Charge along the stretch of the curve we are in; return the time left after it.
        Every stretch ends at the charge limit at the latest."""
        model = self.model
        finish_a = model.finish_current_a
        limit_wh = model.limit_wh
        if ceiling_a <= finish_a:
            # The battery accepts at least finish_a all the way to full: the ceiling holds.
            return self._charge_constant(ceiling_a, limit_wh, left_s, voltage_v)
        # The ceiling holds until the taper falls to it (not before the taper begins).
        level_a = min(ceiling_a, model.max_current_a)
        knee_wh = max(model.battery_wh * model.taper_soc, model.taper_energy_wh(level_a))
        if self._energy_wh < knee_wh:
            return self._charge_constant(level_a, min(knee_wh, limit_wh), left_s, voltage_v)
        finish_wh = model.taper_energy_wh(finish_a)
        if self._energy_wh < finish_wh:
            return self._charge_taper(min(finish_wh, limit_wh), left_s, voltage_v)
        return self._charge_constant(finish_a, limit_wh, left_s, voltage_v)

    def _charge_constant(
        self, current_a: float, end_wh: float, left_s: float, voltage_v: float
    ) -> float:
        rate_wh_per_s = current_a * voltage_v / SECONDS_PER_HOUR
        if rate_wh_per_s <= 0:
            return 0.0  # a vanishing current (float underflow) charges nothing
        need_s = (end_wh - self._energy_wh) / rate_wh_per_s
        if need_s <= left_s:
            self._energy_wh = end_wh  # land exactly on the boundary: no overshoot, no creep
            return left_s - need_s
        self._energy_wh += rate_wh_per_s * left_s
        return 0.0

    def _charge_taper(self, end_wh: float, left_s: float, voltage_v: float) -> float:
        # On the linear taper the current is proportional to the energy still missing, so the
        # missing energy decays exponentially with time constant tau_s.
        model = self.model
        tau_s = (
            SECONDS_PER_HOUR
            * model.battery_wh
            * (1.0 - model.taper_soc)
            / (model.max_current_a * voltage_v)
        )
        missing_wh = model.battery_wh - self._energy_wh
        end_missing_wh = model.battery_wh - end_wh
        need_s = tau_s * math.log(missing_wh / end_missing_wh) if end_missing_wh > 0 else math.inf
        if need_s <= left_s:
            self._energy_wh = end_wh
            return left_s - need_s
        self._energy_wh = model.battery_wh - missing_wh * math.exp(-left_s / tau_s)
        return 0.0
