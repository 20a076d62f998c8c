"""allocate(site, state): how many amps each charger may offer its car, and why.

1. Each car gets a floor (its minimum) and a ceiling (its charger's rating, the car's own
   maximum, or a little above what a tapering car draws).
2. Admission: cars are given their minimum in order of priority, then cars that draw before cars
   that do not, then who plugged in first; a car whose minimum does not fit is paused (0 A),
   never offered less than its minimum.
3. Progressive filling, one priority class after another, raises every admitted car together
   until a circuit conductor, a power cap or its ceiling stops it (max-min fairness).

The control loop allocates every few seconds, on sites of up to some 10,000 chargers, so what
does not depend on the state is worked out once per site (_Compiled), and the loads are summed
in the order that waterfill.py explains: the same state always gives the same offers, bit for bit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from functools import partial
from itertools import compress
from operator import attrgetter, lt

from ampshare.domain.allocation_reasons import FullReason, no_car_reason, paused_reason
from ampshare.domain.allocation_result import (
    Allocation,
    ChargerAllocation,
    CircuitAllocation,
    ConductorLoad,
    Later,
)
from ampshare.domain.demand import Ceiling, bounds, ceiling_reason
from ampshare.domain.environment import (
    ConstraintEnvironment,
    EnvironmentPlan,
    MeterStatus,
    offline_load_a,
)
from ampshare.domain.network import Constraint, Network, compile_network
from ampshare.domain.phases import LINES
from ampshare.domain.site import Charger, Site
from ampshare.domain.state import CarState, ChargerState, SiteState
from ampshare.domain.units import floor_to_step, fmt_a
from ampshare.domain.waterfill import FillConstraint, FillResult, water_fill

_EPS = 1e-9
_LAYOUTS_KEPT = 4096  # groups whose constraint layout is remembered (a few kB each)
_CIRCUIT_CONDUCTORS = frozenset({"", *LINES})  # what a circuit's limit_a, load_a... sum up
_LATEST = datetime.max.replace(tzinfo=UTC)


def allocate(site: Site, state: SiteState) -> Allocation:
    return Allocator(site).allocate(state)


class Allocator:
    """Compiles a site once, then allocates for any number of states."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.network: Network = compile_network(site)
        self._compiled = _Compiled(self.network)

    def allocate(self, state: SiteState) -> Allocation:
        return _Run(self._compiled, state).result()

    def environments(self, state: SiteState) -> list[ConstraintEnvironment]:
        """What each constraint of the network leaves for the chargers in this state."""
        return self._compiled.environments.environments(state)


class _Compiled:
    """What allocating needs of a site and no state changes."""

    def __init__(self, network: Network) -> None:
        self.network = network
        self.environments = EnvironmentPlan(network)
        chargers = network.site.chargers
        constraints = network.constraints
        self.priority = [charger.priority for charger in chargers]
        self.priority_rank = [-charger.priority for charger in chargers]  # admission order
        # each constraint's coefficients in the arithmetic it is summed in (waterfill.py)
        self.coeffs = [_arithmetic(constraint.coeffs) for constraint in constraints]
        self.zero = [_zero(coeffs) for coeffs in self.coeffs]
        self.spread = [sum(map(abs, constraint.coeffs)) for constraint in constraints]
        terms: list[list[tuple[int, complex]]] = [[] for _ in chargers]
        for k, (constraint, coeffs) in enumerate(zip(constraints, self.coeffs, strict=True)):
            for i, coeff in zip(constraint.members, coeffs, strict=True):
                terms[i].append((k, coeff))
        self.terms = [tuple(t) for t in terms]  # network.terms, in the arithmetic above
        self.limited_by = [f"circuit:{constraint.label}" for constraint in constraints]
        # the constraints each group of cars fills, by group (see _Run._layout): the same cars
        # are allocated again and again
        self.layouts: dict[tuple[int, ...], list[tuple[int, list[int], list[complex]]]] = {}
        # a charger without a car gets the same result every time (made when first needed)
        self.no_car: list[ChargerAllocation | None] = [None] * len(chargers)
        # each circuit's id, limit and conductors as (constraint, name, limit)
        self.circuits: list[tuple[str, float, list[tuple[int, str, float]]]] = []
        for circuit in network.site.circuits:
            conductors = [
                (k, _conductor_name(constraints[k]), constraints[k].limit)
                for k in network.by_circuit[circuit.id]
            ]
            self.circuits.append((circuit.id, circuit.continuous_limit_a, conductors))


def _arithmetic(coeffs: tuple[complex, ...]) -> tuple[complex, ...]:
    """The coefficients as floats if all are real, else as they are."""
    if any(map(attrgetter("imag"), coeffs)):
        return coeffs
    return tuple(map(attrgetter("real"), coeffs))


def _conductor_name(constraint: Constraint) -> str:
    """ "" for a 1-phase conductor, "L1".."L3" for a line, "primary-L1".. for a transformer
    primary's line, "power" for a power cap."""
    return constraint.conductor


def _zero(coeffs: tuple[complex, ...]) -> complex:
    """The empty sum in a constraint's arithmetic (_arithmetic: all floats or all complex)."""
    return 0j if coeffs and isinstance(coeffs[0], complex) else 0.0


class _Run:
    def __init__(self, compiled: _Compiled, state: SiteState) -> None:
        network = compiled.network
        self.compiled = compiled
        self.network = network
        self.states = list(map(state.charger, network.charger_ids))
        self.env: list[ConstraintEnvironment] = compiled.environments.environments(
            state, self.states
        )
        count = len(network.charger_ids)
        self.lo = [0.0] * count
        self.hi = [0.0] * count
        self.results: list[ChargerAllocation | None] = [None] * count
        self.offers = [0.0] * count  # what each car is offered (0: paused)
        self.ceilings: dict[int, Ceiling] = {}  # every car (not offline), by charger index
        # phasor sum of what may be drawn on each constraint so far
        self.offline_load = list(compiled.zero)
        self._full: dict[int, FullReason] = {}  # by constraint
        self._steps: dict[float, float] = {}  # floor_to_step, by value
        self._shared: dict[tuple[int, float], ChargerAllocation] = {}  # see _stopped
        self.planned: dict[int, float] = {}  # a schedule's wish, by charger index
        self.minimum: dict[int, float] = {}  # a planned car's minimum (its lo is raised)
        admission = self._classify()
        self.load = list(self.offline_load)
        # a car that stopped drawing (full, or waiting) gets its minimum only from what the
        # cars that draw leave: at a busy site its minimum would otherwise idle all day
        drawing = [key for key in admission if not key[2]]
        stopped = [key for key in admission if key[2]]
        if self.planned:
            # a schedule's cars get what it planned before the cars it does not want now are
            # given even their minimum
            self.admitted = self._admit([key for key in drawing if not key[1]])
            self._fill_planned()
            self.admitted += self._admit([key for key in drawing if key[1]])
        else:
            self.admitted = self._admit(drawing)
        self._fill()
        if stopped:
            group = self._admit(stopped)
            self.admitted += group
            ks, constraints = self._fill_constraints(group)
            self._record(group, ks, water_fill(group, self.lo, self.hi, constraints))

    def _classify(self) -> list[tuple[int, int, int, datetime, int]]:
        """Sort every charger into no car, offline or car; return the cars' admission keys:
        priority first, then cars that draw before cars that do not, then who plugged in first.
        """
        no_car, rank = self.compiled.no_car, self.compiled.priority_rank
        lo, hi, ceilings, results = self.lo, self.hi, self.ceilings, self.results
        none, offline, suspended = CarState.NONE, CarState.OFFLINE, CarState.SUSPENDED
        keys = []
        for i, (charger, charger_state) in enumerate(
            zip(self.network.site.chargers, self.states, strict=True)
        ):
            car = charger_state.car
            if car is none:
                result = no_car[i]
                if result is None:
                    reason = partial(no_car_reason, charger)
                    result = no_car[i] = ChargerAllocation(0.0, "no_car", reason)
                results[i] = result
            elif car is offline:
                self._offline(i, charger_state, charger)
            elif charger_state.fixed_draw_a is not None:
                self._overdraw(i, charger_state)
            elif charger_state.operator_paused:
                results[i] = ChargerAllocation(
                    0.0, "operator", "paused by the operator until resumed", paused=True
                )
            elif charger_state.hold_paused:
                results[i] = ChargerAllocation(
                    0.0,
                    "pause_hold",
                    "held paused a few minutes: some cars fail after being paused and resumed "
                    "too often",
                    paused=True,
                )
            elif charger_state.held_a is not None:
                self._held(i, charger_state.held_a)
            else:
                lo[i], hi[i], ceilings[i] = bounds(charger, charger_state)
                plugged_in_at = charger_state.plugged_in_at or _LATEST
                planned_a = charger_state.planned_a
                # a car the schedule does not want charging now is admitted after the others
                unwanted = int(planned_a is not None and planned_a < lo[i])
                if planned_a is not None:
                    self.planned[i] = planned_a
                keys.append((rank[i], unwanted, int(car is suspended), plugged_in_at, i))
        return keys

    def _offline(self, i: int, charger_state: ChargerState, charger: Charger) -> None:
        load_a = offline_load_a(charger_state, charger.fallback_current_a)
        self.results[i] = ChargerAllocation(
            load_a, "offline", f"unreachable: counted at the {fmt_a(load_a)} it may still draw"
        )
        self._count_fixed(i, load_a)

    def _count_fixed(self, i: int, load_a: float) -> None:
        """A charger the allocation does not steer counts at load_a on its constraints."""
        load = self.offline_load
        for k, coeff in self.compiled.terms[i]:
            load[k] += coeff * load_a

    def _held(self, i: int, held_a: float) -> None:
        """A car kept at its offer counts at it; the others share the rest."""
        self.results[i] = ChargerAllocation(
            held_a,
            "held",
            f"kept at its offer of {fmt_a(held_a)}: the change its share asks is too small to send",
        )
        self._count_fixed(i, held_a)

    def _overdraw(self, i: int, charger_state: ChargerState) -> None:
        """A charger that ignores its offer counts at what it draws; the others share the rest."""
        draw_a = max(charger_state.fixed_draw_a or 0.0, charger_state.offered_a or 0.0)
        self.results[i] = ChargerAllocation(
            charger_state.offered_a or 0.0,
            "overdraw",
            f"draws {fmt_a(draw_a)}, more than its offer: counted at that, the others share "
            "the rest",
        )
        self._count_fixed(i, draw_a)

    def _admit(self, keys: list[tuple[int, int, int, datetime, int]]) -> list[int]:
        admitted = []
        load = self.load
        limit = [env.room + _EPS for env in self.env]
        terms = self.compiled.terms
        lo = self.lo
        for *_, i in sorted(keys):
            floor_a = lo[i]
            car_terms = terms[i]
            for k, coeff in car_terms:
                if abs(load[k] + coeff * floor_a) > limit[k]:
                    self._pause(i, k)
                    break
            else:
                admitted.append(i)
                for k, coeff in car_terms:
                    load[k] += coeff * floor_a
        return admitted

    def _pause(self, i: int, k: int) -> None:
        reason = partial(paused_reason, self._why_full(k), self.lo[i])
        self.results[i] = ChargerAllocation(0.0, self.compiled.limited_by[k], reason, paused=True)

    def _fill(self) -> None:
        priority = self.compiled.priority
        classes = sorted({priority[i] for i in self.admitted}, reverse=True)
        for class_priority in classes:
            group = [i for i in self.admitted if priority[i] == class_priority]
            ks, constraints = self._fill_constraints(group)
            filled = water_fill(group, self.lo, self.hi, constraints)
            self._record(group, ks, filled)
            # what the cars are offered, rounded down: cars admitted later may use the rest
            self._add_fill_to_load(group, self.offers)

    def _fill_planned(self) -> None:
        """Raise the admitted cars towards what the schedule planned for them (cars it has no
        plan for as far as they go), class by class; that becomes their floor, and what is
        left is shared from there."""
        lo, hi, planned, priority = self.lo, self.hi, self.planned, self.compiled.priority
        capped = list(hi)
        for i in self.admitted:
            planned_a = planned.get(i)
            if planned_a is not None:
                capped[i] = max(lo[i], min(hi[i], planned_a))
        for class_priority in sorted({priority[i] for i in self.admitted}, reverse=True):
            group = [i for i in self.admitted if priority[i] == class_priority]
            _, constraints = self._fill_constraints(group)
            filled = water_fill(group, lo, capped, constraints).values
            # in offer steps, as offers are made: what is left is then exactly what is left
            values = {i: max(lo[i], floor_to_step(filled[i])) for i in group}
            self._add_fill_to_load(group, values)
            for i in group:
                self.minimum[i] = lo[i]
                lo[i] = values[i]

    def _fill_constraints(self, group: list[int]) -> tuple[list[int], list[FillConstraint]]:
        """The constraints the group is in, each with its members from the group in group
        (admission) order, listed in the order the group first touches them (a car at a time,
        each car's constraints in network order), which breaks ties between equal levels."""
        layouts = self.compiled.layouts
        key = tuple(group)
        layout = layouts.get(key)
        if layout is None:
            if len(layouts) >= _LAYOUTS_KEPT:
                layouts.clear()
            layout = layouts[key] = self._layout(group)
        load, env, spread = self.load, self.env, self.compiled.spread
        ks = [k for k, _, _ in layout]
        constraints = [
            FillConstraint(members, coeffs, load[k], env[k].room, spread[k])
            for k, members, coeffs in layout
        ]
        return ks, constraints

    def _layout(self, group: list[int]) -> list[tuple[int, list[int], list[complex]]]:
        """_fill_constraints without the state: (constraint, members, coefficients). The
        lists are shared by every fill of the same group, and a fill never changes them."""
        compiled = self.compiled
        in_group = [False] * len(self.lo)
        for i in group:
            in_group[i] = True
        rank = None  # position in the group, if that is not charger order
        if not all(map(lt, group, group[1:])):
            rank = [0] * len(self.lo)
            for position, i in enumerate(group):
                rank[i] = position
        touched = []
        for k, constraint in enumerate(self.network.constraints):
            if len(constraint.members) == 1:  # a charger on its own circuit: no lists to filter
                (i,) = constraint.members
                if in_group[i]:
                    touched.append(
                        (i if rank is None else rank[i], k, [i], [compiled.coeffs[k][0]])
                    )
                continue
            chosen = list(map(in_group.__getitem__, constraint.members))
            if True not in chosen:
                continue
            members = list(compress(constraint.members, chosen))
            coeffs = list(compress(compiled.coeffs[k], chosen))
            first = members[0]
            if rank is not None:
                order = sorted(range(len(members)), key=[rank[i] for i in members].__getitem__)
                members = [members[pos] for pos in order]
                coeffs = [coeffs[pos] for pos in order]
                first = rank[members[0]]
            touched.append((first, k, members, coeffs))
        touched.sort(key=lambda t: (t[0], t[1]))
        return [(k, members, coeffs) for _, k, members, coeffs in touched]

    def _record(self, group: list[int], ks: list[int], filled: FillResult) -> None:
        """Each car's offer (its level rounded down to the offer step, never below its
        minimum) and what stopped it."""
        values, bound_by = filled.values, filled.bound_by
        lo, offers, results, steps = self.lo, self.offers, self.results, self._steps
        minimum = self.minimum
        for i in group:
            value = values[i]
            step = steps.get(value)  # many cars share a level
            if step is None:
                step = steps[value] = floor_to_step(value)
            offered_a = offers[i] = max(minimum.get(i, lo[i]), step)
            bound = bound_by[i]
            if bound is None:
                results[i] = self._at_ceiling(i, offered_a)
            else:
                results[i] = self._stopped(ks[bound], offered_a)

    def _at_ceiling(self, i: int, offered_a: float) -> ChargerAllocation:
        why = self.ceilings[i]
        reason = partial(ceiling_reason, why, self.network.site.chargers[i], self.states[i])
        return ChargerAllocation(offered_a, why.by, reason)

    def _stopped(self, k: int, offered_a: float) -> ChargerAllocation:
        """The result of a car that constraint k stopped. Cars stopped by the same constraint
        at the same offer share one (immutable) result: on a large site most cars share a
        few, and making one takes longer than the rest of a car's allocation."""
        shareable = type(offered_a) is float and offered_a > 0  # 6 and 6.0 stay apart
        key = (k, offered_a)
        result = self._shared.get(key) if shareable else None
        if result is None:
            result = ChargerAllocation(offered_a, self.compiled.limited_by[k], self._why_full(k))
            if shareable:
                self._shared[key] = result
        return result

    def _add_fill_to_load(
        self, group: list[int], values: Sequence[float] | Mapping[int, float]
    ) -> None:
        load, lo, terms = self.load, self.lo, self.compiled.terms
        for i in group:
            raised_a = values[i] - lo[i]
            for k, coeff in terms[i]:
                load[k] += coeff * raised_a

    def _why_full(self, k: int) -> FullReason:
        """Why constraint k stops a car: one text for every car it stops."""
        reason = self._full.get(k)
        if reason is None:
            reason = self._full[k] = FullReason(self.network.constraints[k], self.env[k])
        return reason

    def result(self) -> Allocation:
        ids = self.network.charger_ids
        results = self.results
        chargers = {ids[i]: _done(results[i]) for i in range(len(ids))}
        # the control loop needs only the offers: the circuit report is made when first read
        return Allocation(chargers=chargers, circuits=Later(self._circuits))

    def _circuits(self) -> dict[str, CircuitAllocation]:
        loads, envs = self._ev_loads(), self.env
        result = {}
        for circuit_id, limit_a, conductor_list in self.compiled.circuits:
            conductors: dict[str, ConductorLoad] = {}
            amps = []
            meter = MeterStatus.NONE
            for k, name, _ in conductor_list:
                env = envs[k]
                meter = env.meter
                other = env.other_load
                limit = env.limit  # a power cap lowered to the state's power budget shows so
                conductor = conductors[name] = ConductorLoad(
                    limit, other, min(env.room, limit), loads[k] + other
                )
                # the circuit's own figures are the secondary's amps, not the primary's
                if name in _CIRCUIT_CONDUCTORS:
                    amps.append(conductor)
            if len(amps) == 1:  # a 1-phase circuit
                (highest,) = (lowest,) = (most_other,) = amps
            else:
                highest = max(amps, key=lambda c: c.load)
                most_other = max(amps, key=lambda c: c.other_load)
                lowest = min(amps, key=lambda c: c.ev_budget)
            result[circuit_id] = CircuitAllocation(
                limit_a=limit_a,
                load_a=highest.load,
                other_load_a=most_other.other_load,
                ev_budget_a=lowest.ev_budget,
                meter=meter,
                conductors=conductors,
            )
        return result

    def _ev_loads(self) -> list[float]:
        """|sum| over each constraint of every offer drawn in full, offline chargers included."""
        # the chargers without a car count 0 here, offline ones are in offline_load already;
        # adding coeff * 0 leaves every |sum| as it is
        offers = self.offers
        loads = []
        for constraint, coeffs, offline in zip(
            self.network.constraints, self.compiled.coeffs, self.offline_load, strict=True
        ):
            ev = offline
            for i, coeff in zip(constraint.members, coeffs, strict=True):
                ev += coeff * offers[i]
            loads.append(abs(ev))
        return loads


def _done(result: ChargerAllocation | None) -> ChargerAllocation:
    assert result is not None, "every charger has a result once the run is over"
    return result
