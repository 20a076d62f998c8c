"""A schedule for the cars whose drivers said when they leave and how much energy they want.

Fair shares alone deliver less than the wiring allows when cars' needs differ: a car that
leaves at noon wanting 40 kWh and one staying till evening wanting 10 kWh get the same amps,
the first leaves short, and in the afternoon the second cannot use what is free. Model-predictive
scheduling, as in the Caltech ACN research, does better: at each decision a linear program plans
every present car's current over the hours until they leave, within every limit of the site,
and the first step of that plan is what each car should get now. Re-planned as cars come and go,
and every few minutes, it delivers within a few percent of what perfect foresight could.

The program, for the cars present now (future arrivals are unknown):

- Steps of growing length from now (5 minutes first, then 10, 15, 30 minutes, hours), to the
  last departure (at most horizon_s). Variables: each car's current in each step before it
  leaves, at most its ceiling now (the allocation's: its rating, the car's maximum, or the cap of
  a tapering car). Currents, not draws: a car that draws less than offered is re-planned.
- Energy: what a car gets before it leaves is at most what it still wants (none: no bound);
  a car draws about 95 % of its current. "Before it leaves" is a tenth of its remaining stay
  before the departure its driver gave: the plan does not know how a car's current tapers as
  it fills, so a car planned to the minute leaves short, nor the cars still to come, which
  will want the room late in a stay (Caltech garage, two weeks at 25 kW: 96.3 -> 96.6 % of
  the offline optimum, 262 -> 272 cars fully served).
- Limits: every constraint of the site in every step (phasor sums as outer polygons, which may
  pass a line by 0.1 %: the allocation that follows the plan keeps every limit exactly), with
  the room it has now (meters' other load and unreachable chargers taken off).
- Objective, in order of weight: energy delivered before departure; sooner rather than later
  (a car that leaves early cannot wait, and cars that arrive later will want the room then);
  within the first step, each car's minimum (6 A) before anyone's next amp, then amp by amp
  (whole minimums keep cars from being paused for a plan's fraction of an amp, and the rest is
  shared as evenly as the needs allow: two cars alike get 16/16, not 20/12); and a little
  more weight on the cars that want less, so that more of them are fully served.

The allocation then gives each car what the plan gives it before sharing what is left (see
ampshare.domain.allocation): the plan decides amounts, the allocation keeps every limit.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from ampshare.domain.electrical import J1772_MIN_CURRENT_A
from ampshare.domain.network import Network
from ampshare.lp import LpBuilder, PhasorLimits

SECONDS_PER_HOUR = 3600.0
SECONDS_PER_DAY = 86_400.0


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


@dataclass(frozen=True)
class PlanCar:
    """A car the schedule plans for."""

    charger: int  # its charger's index in the network
    ceiling_a: float  # the most it can take now
    departure_s: float | None  # None: unknown
    remaining_wh: float | None  # what it still wants; None: unknown (it takes what it can)
    wanted_wh: float | None  # what it wanted in all this session


def plan_currents(
    network: Network,
    room: Sequence[float],
    cars: Sequence[PlanCar],
    now_s: float,
    settings: ScheduleSettings | None = None,
) -> dict[int, float]:
    """The current (A) each car should get now, by charger index. room: what each constraint
    of the network leaves for these cars (amps, or watts on a power constraint)."""
    settings = settings or ScheduleSettings()
    cars = _within_own_circuits(network, room, cars)
    if not cars:
        return {}
    departures = {car.charger: _departure_s(car, now_s, settings) for car in cars}
    ends = _step_ends(max(departures.values()) - now_s, settings)
    builder = LpBuilder()
    # (car's charger, step) -> (variable, share of the step it is plugged in)
    columns: dict[tuple[int, int], tuple[int, float]] = {}
    for car in cars:
        stay_s = departures[car.charger] - now_s
        _add_car(builder, columns, network, car, stay_s=stay_s, ends=ends, settings=settings)
    limits = PhasorLimits(builder)
    shared = _shared_constraints(network, {car.charger for car in cars})
    for step in range(len(ends)):
        for k, members in shared:
            terms = [
                (column[0], coeff * column[1])
                for i, coeff in members
                if (column := columns.get((i, step))) is not None
            ]
            if terms:
                limits.add(terms, room[k])
    solution = builder.solve(method="highs-ds")
    x = solution.x
    return {
        car.charger: max(0.0, min(car.ceiling_a, float(x[columns[car.charger, 0][0]])))
        for car in cars
        if (car.charger, 0) in columns
    }


def _within_own_circuits(
    network: Network, room: Sequence[float], cars: Sequence[PlanCar]
) -> list[PlanCar]:
    """The cars that can take current, each with its ceiling lowered to what the constraints it
    is the only planned car on allow (its branch circuit, usually): bounds, not rows."""
    ceilings = {car.charger: car.ceiling_a for car in cars}
    for k, constraint in enumerate(network.constraints):
        planned = [
            (i, coeff)
            for i, coeff in zip(constraint.members, constraint.coeffs, strict=True)
            if i in ceilings
        ]
        if len(planned) == 1:
            i, coeff = planned[0]
            ceilings[i] = min(ceilings[i], room[k] / abs(coeff))
    return [
        replace(car, ceiling_a=ceilings[car.charger]) for car in cars if ceilings[car.charger] > 0
    ]


def _shared_constraints(
    network: Network, planned: set[int]
) -> list[tuple[int, list[tuple[int, complex]]]]:
    """The constraints two or more of the planned cars share, with those cars' coefficients."""
    shared = []
    for k, constraint in enumerate(network.constraints):
        members = [
            (i, coeff)
            for i, coeff in zip(constraint.members, constraint.coeffs, strict=True)
            if i in planned
        ]
        if len(members) > 1:
            shared.append((k, members))
    return shared


def _departure_s(car: PlanCar, now_s: float, settings: ScheduleSettings) -> float:
    """When the plan takes the car to leave: a car past its stated departure still wants its
    energy, as soon as possible (within the first step)."""
    first_s = settings.step_ends_s[0]
    if car.departure_s is None:
        return now_s + settings.default_stay_s
    stay_s = max(0.0, car.departure_s - now_s)
    ready_s = car.departure_s - settings.ready_early_share * stay_s
    return min(max(ready_s, now_s + first_s), now_s + settings.horizon_s)


def _step_ends(span_s: float, settings: ScheduleSettings) -> list[float]:
    ends = [end_s for end_s in settings.step_ends_s if end_s < span_s - 1.0]
    return [*ends, span_s]


def _add_car(
    builder: LpBuilder,
    columns: dict[tuple[int, int], tuple[int, float]],
    network: Network,
    car: PlanCar,
    *,
    stay_s: float,
    ends: Sequence[float],
    settings: ScheduleSettings,
) -> None:
    """The car's currents in the steps before it leaves, and what they deliver."""
    watts = network.watts_per_amp[car.charger]
    weight = 1.0
    if car.wanted_wh is not None and car.wanted_wh > 0:
        weight += settings.small_car_bonus * min(1.0, settings.small_car_wh / car.wanted_wh)
    energy_columns: list[int] = []
    energy_per_a: list[float] = []
    start_s = 0.0
    for step, end_s in enumerate(ends):
        plugged_s = min(end_s, stay_s) - start_s
        if plugged_s <= 0:
            break
        wh_per_a = watts * plugged_s / SECONDS_PER_HOUR * settings.draw_share
        middle_s = start_s + plugged_s / 2
        value = (
            wh_per_a
            * settings.step_discount**step
            * (1.0 - settings.earliness_per_day * middle_s / SECONDS_PER_DAY)
        )
        if step == 0:
            minimum_gain = value * (1.0 + settings.minimum_bonus)
            column = _shared_column(builder, car.ceiling_a, value * weight, minimum_gain, settings)
        else:
            column = builder.variable(car.ceiling_a, value * weight)
        columns[car.charger, step] = (column, plugged_s / (end_s - start_s))
        energy_columns.append(column)
        energy_per_a.append(wh_per_a)
        start_s = end_s
    if car.remaining_wh is not None and math.isfinite(car.remaining_wh):
        builder.at_most(energy_columns, energy_per_a, max(0.0, car.remaining_wh))


def _shared_column(
    builder: LpBuilder,
    ceiling_a: float,
    gain: float,
    minimum_gain: float,
    settings: ScheduleSettings,
) -> int:
    """A current made of shares: the minimum, worth minimum_gain a watt-hour, then amps each
    worth a little less than the one before."""
    total = builder.variable(ceiling_a)
    shares: list[int] = []
    taken_a = 0.0
    while taken_a < ceiling_a - 1e-9:
        if shares:
            size_a = settings.next_share_a
            share_gain = gain * (1.0 - settings.share_discount * len(shares))
        else:
            size_a, share_gain = settings.first_share_a, minimum_gain
        size_a = min(size_a, ceiling_a - taken_a)
        shares.append(builder.variable(size_a, share_gain))
        taken_a += size_a
    builder.equal([total, *shares], [1.0, *([-1.0] * len(shares))], 0.0)
    return total


def by_charger_id(network: Network, planned: Mapping[int, float]) -> dict[str, float]:
    ids = network.charger_ids
    return {ids[i]: current_a for i, current_a in planned.items()}
