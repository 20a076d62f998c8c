"""The linear program behind the schedule (see schedule.py for what it plans and why)."""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from ampshare.control.schedule_settings import (
    SECONDS_PER_HOUR,
    PlanCar,
    ScheduleSettings,
    Taper,
)
from ampshare.domain.network import Network
from ampshare.lp import LpBuilder, PhasorLimits

SECONDS_PER_DAY = 86_400.0


@dataclass(frozen=True)
class Problem:
    """The cars to plan, the room each constraint of the network leaves them, and when."""

    network: Network
    room: Sequence[float]
    cars: Sequence[PlanCar]
    now_s: float
    settings: ScheduleSettings


@dataclass(frozen=True)
class FirstStep:
    """What to fix in the plan's first step, by position in the list of cars: the cars
    paused now (0 A), and the cars given at least their minimum."""

    paused: Collection[int] = frozenset()
    at_least: Collection[int] = frozenset()


class FirstStepProgram:
    """The program for a problem, built once and solved with or without fixing its first
    step (see FirstStep)."""

    def __init__(self, problem: Problem) -> None:
        network, room, cars = problem.network, problem.room, problem.cars
        now_s, settings = problem.now_s, problem.settings
        self.problem = problem
        departures = [_departure_s(car, now_s, settings) for car in cars]
        ends = _step_ends(max(departures) - now_s, settings)
        self._builder = builder = LpBuilder()
        # (car's position, step) -> (variable, share of the step it is plugged in)
        columns: dict[tuple[int, int], tuple[int, float]] = {}
        for n, car in enumerate(cars):
            stay_s = departures[n] - now_s
            _add_car(builder, columns, network, n, car, stay_s=stay_s, ends=ends, settings=settings)
        limits = PhasorLimits(builder)
        shared = _shared_constraints(network, {car.charger: n for n, car in enumerate(cars)})
        for step in range(len(ends)):
            for k, members in shared:
                terms = [
                    (column[0], coeff * column[1])
                    for n, coeff in members
                    if (column := columns.get((n, step))) is not None
                ]
                if terms:
                    limits.add(terms, room[k])
        # a car that leaves within the first step has none
        self._first = {n: column[0] for (n, step), column in columns.items() if step == 0}

    def solve(self, fixed: FirstStep | None = None) -> dict[int, float]:
        """Each car's current in the first step, by its position in the problem's cars. Raises
        SolverError when fixed asks for minimums that do not fit."""
        cars, network = self.problem.cars, self.problem.network
        tightened: dict[int, tuple[float, float]] = {}
        if fixed is not None:
            for n in fixed.paused:
                tightened[self._first[n]] = (0.0, 0.0)
            for n in fixed.at_least:
                tightened[self._first[n]] = (minimum_a(network, cars[n]), math.inf)
        x = self._builder.solve(method="highs-ds", tightened=tightened).x
        return {
            n: max(0.0, min(cars[n].ceiling_a, float(x[column])))
            for n, column in self._first.items()
        }


def minimum_a(network: Network, car: PlanCar) -> float:
    """The least current the car can be given without being paused."""
    return min(network.site.chargers[car.charger].min_current_a, car.ceiling_a)


def _shared_constraints(
    network: Network, positions: dict[int, int]
) -> list[tuple[int, list[tuple[int, complex]]]]:
    """The constraints two or more of the planned cars share, with those cars' positions and
    coefficients."""
    shared = []
    for k, constraint in enumerate(network.constraints):
        members = [
            (positions[i], coeff)
            for i, coeff in zip(constraint.members, constraint.coeffs, strict=True)
            if i in positions
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
    n: int,
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
        columns[n, step] = (column, plugged_s / (end_s - start_s))
        energy_columns.append(column)
        energy_per_a.append(wh_per_a)
        start_s = end_s
    remaining_wh = car.remaining_wh
    if remaining_wh is not None and math.isfinite(remaining_wh):
        builder.at_most(energy_columns, energy_per_a, max(0.0, remaining_wh))
        if car.taper is not None:
            _add_taper(
                builder,
                car.taper,
                energy_columns,
                energy_per_a,
                remaining_wh=remaining_wh,
                ceiling_a=car.ceiling_a,
                draw_share=settings.draw_share,
            )


def _add_taper(
    builder: LpBuilder,
    taper: Taper,
    columns: Sequence[int],
    wh_per_a: Sequence[float],
    *,
    remaining_wh: float,
    ceiling_a: float,
    draw_share: float,
) -> None:
    """A car whose draw falls as it fills draws in each step at most what it takes now, less
    the fall for what it is given before: draw_share * x_k + slope * energy before k <= now."""
    least_a = taper.now_a - taper.fall_a_per_wh * max(0.0, remaining_wh)
    if least_a >= draw_share * ceiling_a:
        return  # it can take its ceiling until it has all it wants
    slope = taper.fall_a_per_wh
    for k, column in enumerate(columns):
        builder.at_most(
            [column, *columns[:k]],
            [draw_share, *(slope * gain for gain in wh_per_a[:k])],
            max(0.0, taper.now_a),
        )


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
