"""The variables and rows of the offline optimum's linear program (see ampshare.sim.optimum)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from ampshare.domain.network import Network
from ampshare.lp import LpBuilder, PhasorLimits
from ampshare.sim.scenario import Session

SECONDS_PER_HOUR = 3600.0
DEMAND_INTERVAL_S = 900.0
# Stays shorter than this within a step are float dust from cutting the timeline.
_MIN_COVERED_S = 1e-9

# (constraint index, t0_s, t1_s) -> the mean non-EV load on that constraint over [t0_s, t1_s)
OtherLoad = Callable[[int, float, float], float]


@dataclass(frozen=True)
class Grid:
    """The timeline cut into steps of step_s from 0 (the last one may be shorter)."""

    step_s: float
    duration_s: float

    @property
    def count(self) -> int:
        return max(0, math.ceil(self.duration_s / self.step_s - 1e-9))

    def span(self, step: int) -> tuple[float, float]:
        return step * self.step_s, min((step + 1) * self.step_s, self.duration_s)


@dataclass(frozen=True)
class Stay:
    """A session's time on its charger, cut into the steps it covers."""

    session: Session
    charger: int  # index in the network
    steps: tuple[int, ...]
    covered_s: tuple[float, ...]  # how long the car is plugged in within each of those steps
    start_wh: float  # stored energy on arrival (the simulated Car's clamp)
    deliverable_wh: float  # what it wants, or less if that would pass its charge limit


def make_stay(session: Session, charger: int, grid: Grid) -> Stay | None:
    """None when the session is never plugged in within the timeline or wants nothing."""
    car = session.car
    start_wh = car.start_energy_wh(session.energy_wanted_wh)
    arrival_s = max(0.0, session.arrival_s)
    leave_s = grid.duration_s if session.departure_s is None else session.departure_s
    leave_s = min(leave_s, grid.duration_s)
    if leave_s - arrival_s <= _MIN_COVERED_S or car.limit_wh - start_wh <= 0:
        return None
    first = int(arrival_s // grid.step_s)
    last = min(grid.count - 1, math.ceil(leave_s / grid.step_s) - 1)
    steps: list[int] = []
    covered: list[float] = []
    for step in range(first, last + 1):
        t0_s, t1_s = grid.span(step)
        covered_s = min(t1_s, leave_s) - max(t0_s, arrival_s)
        if covered_s > _MIN_COVERED_S:
            steps.append(step)
            covered.append(covered_s)
    if not steps:
        return None
    return Stay(session, charger, tuple(steps), tuple(covered), start_wh, car.limit_wh - start_wh)


@dataclass(frozen=True)
class StayVariables:
    stay: Stay
    draws: tuple[int, ...]  # the mean draw (A) while plugged in, one per covered step
    wh_per_a: tuple[float, ...]  # energy per amp of that draw in each step

    def energy_wh(self, x: Sequence[float]) -> float:
        return sum(x[var] * gain for var, gain in zip(self.draws, self.wh_per_a, strict=True))


def build_period(
    builder: LpBuilder,
    network: Network,
    stays: Sequence[Stay],
    grid: Grid,
    *,
    other_load: OtherLoad | None,
    demand_limits_w: Mapping[str, float],
    limits_on_offers: bool,
) -> list[StayVariables]:
    """Add one busy period's variables and rows to builder."""
    variables = [_add_stay(builder, network, stay) for stay in stays]
    _add_circuit_limits(
        builder, network, variables, grid, other_load=other_load, on_offers=limits_on_offers
    )
    for circuit_id, limit_w in demand_limits_w.items():
        _add_demand_limit(builder, network, variables, grid, circuit_id=circuit_id, limit_w=limit_w)
    return variables


def _add_stay(builder: LpBuilder, network: Network, stay: Stay) -> StayVariables:
    car = stay.session.car
    charger_max_a = network.site.chargers[stay.charger].max_current_a
    # the car takes at most its own maximum, and a share of an offer the charger caps
    ceiling_a = min(car.max_current_a, car.draw_ratio * charger_max_a)
    volts = network.watts_per_amp[stay.charger]
    wh_per_a = tuple(volts * covered_s / SECONDS_PER_HOUR for covered_s in stay.covered_s)
    draws = tuple(builder.variable(ceiling_a, gain) for gain in wh_per_a)
    builder.at_most(draws, wh_per_a, stay.deliverable_wh)
    _add_taper(builder, stay, draws, wh_per_a, ceiling_a)
    return StayVariables(stay, draws, wh_per_a)


def _add_taper(
    builder: LpBuilder,
    stay: Stay,
    draws: Sequence[int],
    wh_per_a: Sequence[float],
    ceiling_a: float,
) -> None:
    """draw_k <= slope * (battery - start - delivered before step k) + finish current."""
    car = stay.session.car
    if car.taper_soc >= 1.0:
        return
    slope_a_per_wh = car.max_current_a / (car.battery_wh * (1.0 - car.taper_soc))
    room_a = slope_a_per_wh * (car.battery_wh - stay.start_wh) + car.finish_current_a
    if room_a - slope_a_per_wh * stay.deliverable_wh >= ceiling_a:
        return  # the taper leaves the ceiling free even when the car has all it wants
    builder.cap(draws[0], room_a)
    delivered: int | None = None  # the variable: energy delivered before this step (Wh)
    for k in range(1, len(draws)):
        before = builder.variable(stay.deliverable_wh)
        if delivered is None:
            builder.equal((before, draws[k - 1]), (1.0, -wh_per_a[k - 1]), 0.0)
        else:
            builder.equal((before, delivered, draws[k - 1]), (1.0, -1.0, -wh_per_a[k - 1]), 0.0)
        builder.at_most((draws[k], before), (1.0, slope_a_per_wh), room_a)
        delivered = before


def _add_circuit_limits(
    builder: LpBuilder,
    network: Network,
    variables: Sequence[StayVariables],
    grid: Grid,
    *,
    other_load: OtherLoad | None,
    on_offers: bool,
) -> None:
    """Every constraint in every step, on the step's mean currents (weighted by the share of
    the step each car is plugged in): the draws, or the offers they need (draw / draw_ratio)."""
    limits = PhasorLimits(builder)
    by_step: dict[int, list[tuple[int, int, float]]] = defaultdict(list)
    for stay_vars in variables:
        stay = stay_vars.stay
        for step, var, covered_s in zip(stay.steps, stay_vars.draws, stay.covered_s, strict=True):
            ratio = stay.session.car.draw_ratio if on_offers else 1.0
            by_step[step].append((stay.charger, var, covered_s / ratio))
    for step in sorted(by_step):
        t0_s, t1_s = grid.span(step)
        terms: dict[int, list[tuple[int, complex]]] = defaultdict(list)
        for charger, var, amp_s_per_a in by_step[step]:
            weight = amp_s_per_a / (t1_s - t0_s)
            for k, coeff in network.terms[charger]:
                terms[k].append((var, coeff * weight))
        for k, constraint_terms in terms.items():
            limit = network.constraints[k].limit
            if other_load is not None:
                limit -= other_load(k, t0_s, t1_s)
            limits.add(constraint_terms, max(0.0, limit))


def _add_demand_limit(
    builder: LpBuilder,
    network: Network,
    variables: Sequence[StayVariables],
    grid: Grid,
    *,
    circuit_id: str,
    limit_w: float,
) -> None:
    """The energy drawn under the circuit in each clock-aligned 15-minute interval is at most
    limit_w * 15 min: its mean power is the limit."""
    index = {charger_id: i for i, charger_id in enumerate(network.charger_ids)}
    under = {index[charger_id] for charger_id in network.site.chargers_under[circuit_id]}
    cap_wh = limit_w * DEMAND_INTERVAL_S / SECONDS_PER_HOUR
    by_interval: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for stay_vars in variables:
        if stay_vars.stay.charger not in under:
            continue
        for step, var, gain in zip(
            stay_vars.stay.steps, stay_vars.draws, stay_vars.wh_per_a, strict=True
        ):
            t0_s, t1_s = grid.span(step)
            by_interval[int((t0_s + t1_s) / 2 // DEMAND_INTERVAL_S)].append((var, gain))
    for terms in by_interval.values():
        if sum(gain * builder.upper(var) for var, gain in terms) > cap_wh:
            builder.at_most([var for var, _ in terms], [gain for _, gain in terms], cap_wh)
