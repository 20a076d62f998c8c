"""allocate(site, state): how many amps each charger may offer its car, and why.

1. Each car gets a floor (its minimum) and a ceiling (its charger's rating, the car's own
   maximum, or a little above what a tapering car draws).
2. Admission: cars are given their minimum in order of priority, then cars that draw before cars
   that do not, then who plugged in first; a car whose minimum does not fit is paused (0 A),
   never offered less than its minimum.
3. Progressive filling, one priority class after another, raises every admitted car together
   until a circuit conductor, a power cap or its ceiling stops it (max-min fairness).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from ampshare.domain.demand import Demand, demand
from ampshare.domain.environment import (
    ConstraintEnvironment,
    MeterStatus,
    environments,
    offline_load_a,
)
from ampshare.domain.network import ConstraintKind, Network, compile_network
from ampshare.domain.site import Site
from ampshare.domain.state import CarState, SiteState
from ampshare.domain.units import floor_to_step, fmt_a, fmt_w
from ampshare.domain.waterfill import FillConstraint, water_fill

_EPS = 1e-9
_LATEST = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True)
class ChargerAllocation:
    offered_a: float
    limited_by: str  # "charger", "car", "circuit:<id>[:L1|:power]", "no_car", "offline"
    reason: str
    paused: bool = False


@dataclass(frozen=True)
class ConductorLoad:
    """One constraint of a circuit after allocation (amps, or watts for the power cap)."""

    limit: float
    other_load: float
    ev_budget: float
    load: float  # worst case: every offer drawn in full, offline chargers included


@dataclass(frozen=True)
class CircuitAllocation:
    limit_a: float
    load_a: float  # highest conductor
    other_load_a: float
    ev_budget_a: float  # lowest conductor
    meter: MeterStatus
    conductors: Mapping[str, ConductorLoad]  # "" for a 1-phase conductor, "L1".., "power"

    @property
    def overloaded(self) -> bool:
        return any(c.load > c.limit + 1e-6 for c in self.conductors.values())


@dataclass(frozen=True)
class Allocation:
    chargers: Mapping[str, ChargerAllocation]
    circuits: Mapping[str, CircuitAllocation]

    def offers_a(self) -> dict[str, float]:
        return {charger_id: a.offered_a for charger_id, a in self.chargers.items()}


def allocate(site: Site, state: SiteState) -> Allocation:
    return Allocator(site).allocate(state)


class Allocator:
    """Compiles a site once, then allocates for any number of states."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.network: Network = compile_network(site)

    def allocate(self, state: SiteState) -> Allocation:
        return _Run(self.network, state).result()


class _Run:
    def __init__(self, network: Network, state: SiteState) -> None:
        self.network = network
        self.state = state
        self.env: list[ConstraintEnvironment] = environments(network, state)
        count = len(network.charger_ids)
        self.lo = [0.0] * count
        self.hi = [0.0] * count
        self.values: dict[int, float] = {}
        self.results: dict[int, ChargerAllocation] = {}
        self.demands: dict[int, Demand] = {}
        # phasor sum of what may be drawn on each constraint so far
        self.load = [0j] * len(network.constraints)
        self.offline_load = [0j] * len(network.constraints)
        self._classify()
        self.admitted = self._admit()
        self._fill()

    def _classify(self) -> None:
        site = self.network.site
        for i, charger_id in enumerate(self.network.charger_ids):
            charger = site.chargers[i]
            charger_state = self.state.charger(charger_id)
            if charger_state.car is CarState.NONE:
                start_a = charger.effective_start_current_a
                next_car = (
                    f"the next one starts at the charger's own {fmt_a(start_a)}"
                    if start_a > 0
                    else "the next one waits for ampshare's first offer"
                )
                self.results[i] = ChargerAllocation(0.0, "no_car", f"no car: {next_car}")
            elif charger_state.car is CarState.OFFLINE:
                load_a = offline_load_a(charger_state, charger.fallback_current_a)
                self.results[i] = ChargerAllocation(
                    load_a,
                    "offline",
                    f"unreachable: counted at the {fmt_a(load_a)} it may still draw",
                )
                for k, coeff in self.network.terms[i]:
                    self.load[k] += coeff * load_a
                    self.offline_load[k] += coeff * load_a
            else:
                wanted = demand(charger, charger_state)
                self.demands[i] = wanted
                self.lo[i] = wanted.floor_a
                self.hi[i] = wanted.ceiling_a

    def _admission_order(self, i: int) -> tuple[int, int, datetime, int]:
        charger_state = self.state.charger(self.network.charger_ids[i])
        not_drawing = int(charger_state.car is CarState.SUSPENDED)
        plugged = charger_state.plugged_in_at or _LATEST
        return (-self.network.site.chargers[i].priority, not_drawing, plugged, i)

    def _admit(self) -> list[int]:
        admitted = []
        for i in sorted(self.demands, key=self._admission_order):
            floor_a = self.lo[i]
            blocked = None
            for k, coeff in self.network.terms[i]:
                if abs(self.load[k] + coeff * floor_a) > self.env[k].room + _EPS:
                    blocked = k
                    break
            if blocked is None:
                admitted.append(i)
                for k, coeff in self.network.terms[i]:
                    self.load[k] += coeff * floor_a
            else:
                self.results[i] = ChargerAllocation(
                    0.0,
                    f"circuit:{self.network.constraints[blocked].label}",
                    f"paused: {self._why_full(blocked)}, and its {fmt_a(floor_a)} minimum "
                    "does not fit; cars of higher priority or waiting longer come first",
                    paused=True,
                )
        return admitted

    def _fill(self) -> None:
        site = self.network.site
        for priority in sorted({site.chargers[i].priority for i in self.admitted}, reverse=True):
            group = [i for i in self.admitted if site.chargers[i].priority == priority]
            local: dict[int, int] = {}
            constraints: list[FillConstraint] = []
            terms: dict[int, list[tuple[int, complex]]] = {}
            for i in group:
                terms[i] = []
                for k, coeff in self.network.terms[i]:
                    j = local.get(k)
                    if j is None:
                        j = local[k] = len(constraints)
                        constraints.append(FillConstraint([], self.load[k], self.env[k].room))
                    constraints[j].members.append((i, coeff))
                    constraints[j].base -= coeff * self.lo[i]
                    terms[i].append((j, coeff))
            all_terms: list[list[tuple[int, complex]]] = [[] for _ in self.lo]
            for i, t in terms.items():
                all_terms[i] = t
            filled = water_fill(group, self.lo, self.hi, constraints, all_terms)
            by_local = {j: k for k, j in local.items()}
            for i in group:
                value = filled.values[i]
                self.values[i] = value
                for k, coeff in self.network.terms[i]:
                    self.load[k] += coeff * (value - self.lo[i])
                bound = filled.bound_by[i]
                self.results[i] = self._filled_result(
                    i, value, None if bound is None else by_local[bound]
                )

    def _filled_result(self, i: int, value: float, bound: int | None) -> ChargerAllocation:
        offered_a = max(self.lo[i], floor_to_step(value))
        if bound is None:
            wanted = self.demands[i]
            return ChargerAllocation(offered_a, wanted.ceiling_by, wanted.ceiling_reason)
        label = self.network.constraints[bound].label
        return ChargerAllocation(offered_a, f"circuit:{label}", self._why_full(bound))

    def _why_full(self, k: int) -> str:
        constraint = self.network.constraints[k]
        env = self.env[k]
        name = f"circuit {constraint.circuit_id!r}"
        if constraint.line is not None:
            name += f" line {constraint.line}"
        if env.meter is MeterStatus.STALE:
            return (
                f"meter {env.meter_id!r} has no fresh reading, so {name} holds its chargers "
                f"to the safe budget of {fmt_a(env.room)}"
            )
        if constraint.kind is ConstraintKind.POWER:
            text = f"{name} is at its power cap of {fmt_w(constraint.limit)}"
            other = f", {fmt_w(env.other_load)} of it other load" if env.other_load > 0 else ""
            return text + other
        text = f"{name} is fully used ({fmt_a(constraint.limit)} continuous"
        if env.other_load > 0:
            text += f", {fmt_a(env.other_load)} of it other load"
        return text + ")"

    def result(self) -> Allocation:
        ids = self.network.charger_ids
        chargers = {ids[i]: self.results[i] for i in range(len(ids))}
        return Allocation(chargers=chargers, circuits=self._circuits(chargers))

    def _circuits(self, chargers: Mapping[str, ChargerAllocation]) -> dict[str, CircuitAllocation]:
        network = self.network
        offers = [chargers[charger_id].offered_a for charger_id in network.charger_ids]
        result = {}
        for circuit in network.site.circuits:
            conductors: dict[str, ConductorLoad] = {}
            meter = MeterStatus.NONE
            for k in network.by_circuit[circuit.id]:
                constraint, env = network.constraints[k], self.env[k]
                meter = env.meter
                ev = self.offline_load[k]
                for i, coeff in zip(constraint.members, constraint.coeffs, strict=True):
                    if i in self.demands:
                        ev += coeff * offers[i]
                other = env.other_load
                name = "power" if constraint.kind is ConstraintKind.POWER else constraint.line or ""
                conductors[name] = ConductorLoad(
                    constraint.limit, other, min(env.room, constraint.limit), abs(ev) + other
                )
            amps = [c for name, c in conductors.items() if name != "power"]
            result[circuit.id] = CircuitAllocation(
                limit_a=circuit.continuous_limit_a,
                load_a=max(c.load for c in amps),
                other_load_a=max(c.other_load for c in amps),
                ev_budget_a=min(c.ev_budget for c in amps),
                meter=meter,
                conductors=conductors,
            )
        return result
