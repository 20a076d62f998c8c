"""What the schedule is told: its settings, and the cars it plans for."""

from __future__ import annotations

from dataclasses import dataclass

from ampshare.domain.electrical import J1772_MIN_CURRENT_A

SECONDS_PER_HOUR = 3600.0


@dataclass(frozen=True)
class ScheduleSettings:
    # the ends of the plan's steps, in seconds from now; the first step is what cars get now
    step_ends_s: tuple[float, ...] = (
        300.0,
        900.0,
        1800.0,
        3600.0,
        7200.0,
        14_400.0,
        28_800.0,
        57_600.0,
        86_400.0,
        172_800.0,
    )
    horizon_s: float = 172_800.0  # a departure further out is planned as this far
    # the weight of energy falls by this share a day later (and by step_discount a step)
    earliness_per_day: float = 0.1
    step_discount: float = 0.99
    # within the first step each car's first share (its minimum) is worth more than its next
    # ones, each worth a little less than the one before: whole minimums first, then the rest
    # shared as evenly as the needs allow, in steps of next_share_a
    first_share_a: float = J1772_MIN_CURRENT_A
    next_share_a: float = 1.0
    share_discount: float = 0.0001
    # a car that wants less than small_car_wh weighs up to this much more (small_car_wh / wanted)
    small_car_bonus: float = 0.2
    small_car_wh: float = 10_000.0
    # a car's minimum now weighs this much more than energy, for every car: a car is paused
    # for the plan only when that delivers more energy before the cars leave, or lets a car
    # that wants 10 kWh or less finish before one that wants more than twice as much
    minimum_bonus: float = 0.1
    # each car is planned to be done this share of its remaining stay before it leaves: the
    # plan knows neither how a car's current tapers as it fills (the end takes longer than its
    # ceiling now suggests) nor the cars still to come, which will want the room near the end
    ready_early_share: float = 0.1
    # a driver who said nothing of departure: planned as leaving this long from now
    default_stay_s: float = 8 * SECONDS_PER_HOUR
    # cars draw about this share of their offer: the energy a planned current delivers
    draw_share: float = 0.95
    # learn how the site's cars slow down as they fill (see taper.py), and plan by it
    learn_taper: bool = True
    # the plan's first step gives each car its minimum or nothing (J1772): a plan that shares
    # fractions of a minimum is solved again with whole ones (see plan_currents)
    whole_minimums: bool = True


@dataclass(frozen=True)
class PlanCar:
    """A car the schedule plans for."""

    charger: int  # its charger's index in the network
    ceiling_a: float  # the most it can take now
    departure_s: float | None  # None: unknown
    remaining_wh: float | None  # what it still wants; None: unknown (it takes what it can)
    wanted_wh: float | None  # what it wanted in all this session
    taper: Taper | None = None  # how its draw falls as it fills; None: it takes its ceiling


@dataclass(frozen=True)
class Taper:
    """How much a car draws at most now, and how much less for each Wh it is given from now."""

    now_a: float
    fall_a_per_wh: float
