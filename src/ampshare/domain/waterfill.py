"""Progressive filling (max-min fairness) under phasor-sum constraints.

Every participant i is raised together along a water level t, as x_i(t) = clamp(t, lo_i, hi_i).
A constraint k binds at the level where |base_k + sum_i c_ki * x_i(t)| reaches room_k; its
members then freeze, and the others rise on. Line currents grow monotonically with each charger's
current (every contribution to a line lies within 30 degrees of its voltage), so each
constraint's binding level can be solved exactly on the piecewise-linear path of x(t): linearly
on 1-phase conductors, as a quadratic on 3-phase lines.

Levels are kept in a heap and recomputed lazily: freezing a member can only raise the level at
which its other constraints bind, so a stale level is a lower bound and is refreshed only when
it reaches the top of the heap. A constraint finds out that it is stale at that moment, by
finding frozen members among its own, and only then adds their load to its base.

Every sum is taken in one fixed order: members in admission order, frozen members in the order
they froze, events by level. Floating-point sums depend on their order, and the offers, ties
between constraints and the reasons given depend on their last bits, so the same state must
always be summed the same way. Constraints whose coefficients are all real (1-phase conductors,
power caps) are summed in floats: bit for bit the real part of the complex sums, and faster.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import reduce
from itertools import compress, repeat
from operator import add, gt, mul, not_, sub

_EPS = 1e-9
# Bound on the rounding error of one float operation, relative to the magnitudes involved,
# with room to spare (a double rounds to within 1.1e-16).
_ROUNDING = 1e-15


class FillConstraint:
    """One constraint as the filling sees it (mutable working state, private to a fill).

    members and coeffs list its participants in admission order. load is what it carries with
    every participant at its floor; room is what the conductor may carry minus what the rest
    of the circuit draws; spread is the sum of |coeff| over all its chargers, which scales the
    rounding errors of its sums.
    """

    __slots__ = (
        "base",
        "coeffs",
        "members",
        "products",
        "r_coeffs",
        "r_his",
        "r_los",
        "r_members",
        "r_products",
        "room",
        "spread",
        "uniform",
        "zero",
    )

    def __init__(
        self,
        members: list[int],
        coeffs: list[complex],
        load: complex,
        room: float,
        spread: float,
    ) -> None:
        self.members = members
        self.coeffs = coeffs
        self.room = room
        self.spread = spread
        self.zero: complex = 0j if isinstance(load, complex) else 0.0  # summed in floats?
        self.base = load  # until prepare(): then the load of what does not rise
        self.products: list[complex] = []  # coeff * lo of each member
        # the members that can rise (hi > lo), with their coeff, coeff * lo, lo and hi
        self.r_members: list[int] = []
        self.r_coeffs: list[complex] = []
        self.r_products: list[complex] = []
        self.r_los: list[float] = []
        self.r_his: list[float] = []
        self.uniform = True  # do all of them start rising at the same level?

    def prepare(self, lo: Sequence[float], hi: Sequence[float], rises: Sequence[bool]) -> None:
        """Take every participant's floor out of the base; list those that can rise."""
        members = self.members
        if len(members) == 1:  # a charger on its own branch circuit, the usual layout
            self._prepare_one(lo, hi, rises)
            return
        los = list(map(lo.__getitem__, members))
        self.products = list(map(mul, self.coeffs, los))
        self.base = reduce(sub, self.products, self.base)
        chosen = list(map(rises.__getitem__, members))
        if False in chosen:
            self.r_members = list(compress(members, chosen))
            self.r_coeffs = list(compress(self.coeffs, chosen))
            self.r_products = list(compress(self.products, chosen))
            self.r_los = list(compress(los, chosen))
        else:  # the usual case (each list is replaced, never changed in place)
            self.r_members, self.r_coeffs = members, self.coeffs
            self.r_products, self.r_los = self.products, los
        self.r_his = list(map(hi.__getitem__, self.r_members))
        self.uniform = _same(self.r_los)

    def _prepare_one(self, lo: Sequence[float], hi: Sequence[float], rises: Sequence[bool]) -> None:
        """prepare() for a single member, without the list machinery."""
        i = self.members[0]
        product = self.coeffs[0] * lo[i]
        self.products = [product]
        self.base = self.base - product
        if rises[i]:
            self.r_members, self.r_coeffs, self.r_products = (
                self.members,
                self.coeffs,
                self.products,
            )
            self.r_los, self.r_his = [lo[i]], [hi[i]]

    def is_stale(self, live: Sequence[bool]) -> bool:
        """Has a member frozen (bound by another constraint) since the level was computed?"""
        return False in map(live.__getitem__, self.members)

    def catch_up(
        self, live: Sequence[bool], frozen: Mapping[int, float], order: Mapping[int, int]
    ) -> None:
        """Drop the members frozen since the level was computed, and add their load to the
        base in the order they froze (as each would have been added at its freezing).
        frozen and order give each frozen participant's value and its place in that order."""
        members = self.members
        keep = list(map(live.__getitem__, members))
        if True not in keep:
            self.members = []  # it never binds again: nothing else is needed
            return
        self.members = list(compress(members, keep))
        coeffs = self.coeffs
        gone_flags = list(map(not_, keep))
        gone = list(compress(members, gone_flags))
        loads = list(map(mul, compress(coeffs, gone_flags), map(frozen.__getitem__, gone)))
        when = list(map(order.__getitem__, gone))
        in_order = sorted(range(len(gone)), key=when.__getitem__)
        self.base = reduce(add, map(loads.__getitem__, in_order), self.base)
        self.coeffs = list(compress(coeffs, keep))
        self.products = list(compress(self.products, keep))
        if self.r_members is members:  # all rise, as in prepare
            self.r_members, self.r_coeffs, self.r_products = (
                self.members,
                self.coeffs,
                self.products,
            )
        else:
            keep = list(map(live.__getitem__, self.r_members))
            self.r_members = list(compress(self.r_members, keep))
            self.r_coeffs = list(compress(self.r_coeffs, keep))
            self.r_products = list(compress(self.r_products, keep))
        self.r_los = list(compress(self.r_los, keep))
        self.r_his = list(compress(self.r_his, keep))
        if not self.uniform:
            self.uniform = _same(self.r_los)

    def level(self) -> float:
        """The water level at which this constraint binds (inf: never, -inf: already)."""
        if not self.members:
            return math.inf
        start = reduce(add, self.products, self.base)
        room = self.room
        if abs(start) > room + _EPS:
            return -math.inf
        if not self.r_members:
            return math.inf
        if len(self.r_members) == 1:
            # one rises: it starts at its floor (the slope was 0 until then, so no check)
            # and stops at hi, the only point where the sum may have reached room
            p = start - self.r_products[0]
            q = self.zero + self.r_coeffs[0]
            t = self.r_his[0]
            return _crossing(p, q, room) if q != 0 and abs(p + t * q) >= room else math.inf
        # Events (t, +1: starts rising at lo / -1: stops at hi) in order of t, a start before
        # a stop at equal t (so the slope never dips below zero), in admission order at equal
        # t; on each segment between events the sum is p + t * q.
        if self.uniform and self._starts_cannot_bind(start):
            # all start at the same level and come first: sum them in at once
            p = reduce(sub, self.r_products, start)
            q = reduce(add, self.r_coeffs, self.zero)
            return self._walk_stops(p, q)
        return _walk(start, self.zero, room, self._events())

    def _starts_cannot_bind(self, start: complex) -> bool:
        """Whether |p + t q| stays below room while the starts, all at the same t, are summed
        in: it stays at |start| but for rounding, bounded here generously."""
        t = self.r_los[0]
        scale = abs(start) + 2.0 * abs(t) * self.spread
        return abs(start) + (len(self.r_los) + 4) * _ROUNDING * scale < self.room

    def _events(self) -> list[tuple[float, int, complex]]:
        """Every start and stop as (t, kind, coeff), in order."""
        n = len(self.r_members)
        levels = self.r_los + self.r_his
        # a stable sort by t of the starts then the stops, each in admission order
        order = sorted(range(2 * n), key=levels.__getitem__)
        coeffs = self.r_coeffs
        return [
            (levels[e], 1, coeffs[e]) if e < n else (levels[e], -1, coeffs[e - n]) for e in order
        ]

    def _walk_stops(self, p: complex, q: complex) -> float:
        """_walk() through the stops alone (all starts are summed in), in order of hi, then
        admission. The sum often reaches room before the first stop: then no sorting."""
        his, room = self.r_his, self.room
        if q != 0 and abs(p + min(his) * q) >= room:
            return _crossing(p, q, room)
        coeffs = self.r_coeffs
        for pos in sorted(range(len(his)), key=his.__getitem__):
            t = his[pos]
            if q != 0 and abs(p + t * q) >= room:
                return _crossing(p, q, room)
            coeff = coeffs[pos]
            p += coeff * t
            q -= coeff
        return math.inf


def _same(values: list[float]) -> bool:
    """Are all the values equal?"""
    return not values or values.count(values[0]) == len(values)


def _walk(p: complex, q: complex, room: float, events: list[tuple[float, int, complex]]) -> float:
    """Follow p + t q through the events until it reaches room."""
    for t, kind, coeff in events:
        if q != 0 and abs(p + t * q) >= room:
            return _crossing(p, q, room)
        if kind > 0:
            p -= coeff * t
            q += coeff
        else:
            p += coeff * t
            q -= coeff
    return math.inf


def _crossing(p: complex, q: complex, room: float) -> float:
    """Smallest t on the rising branch where |p + t q| = room."""
    if abs(p.imag) < _EPS and abs(q.imag) < _EPS:
        return (room - p.real) / q.real
    a = q.real * q.real + q.imag * q.imag
    b = 2.0 * (p.real * q.real + p.imag * q.imag)
    c = p.real * p.real + p.imag * p.imag - room * room
    return (-b + math.sqrt(max(b * b - 4.0 * a * c, 0.0))) / (2.0 * a)


@dataclass(frozen=True)
class FillResult:
    values: dict[int, float]
    bound_by: dict[int, int | None]  # the constraint that stopped it, None: it reached hi


def water_fill(
    participants: Sequence[int],
    lo: Sequence[float],
    hi: Sequence[float],
    constraints: Sequence[FillConstraint],
) -> FillResult:
    """Raise the participants max-min fairly from lo towards hi within every constraint.

    The caller guarantees that everyone at lo fits (admission) and that lo <= hi, and lists
    the constraints in the order ties between equal levels are to be broken.
    """
    live = [False] * len(lo)
    for i in participants:
        live[i] = True
    rises = list(map(gt, hi, lo))
    heap: list[tuple[float, int]] = []
    for k, constraint in enumerate(constraints):
        if constraint.members:
            constraint.prepare(lo, hi, rises)
            heap.append((constraint.level(), k))
    heapq.heapify(heap)
    values: dict[int, float] = {}  # every frozen participant, in the order they froze
    order: dict[int, int] = {}  # and its place in that order
    bound_by: dict[int, int | None] = {}

    while heap:
        level, k = heapq.heappop(heap)
        if level == math.inf:
            break
        constraint = constraints[k]
        if constraint.is_stale(live):
            constraint.catch_up(live, values, order)
            heapq.heappush(heap, (constraint.level(), k))
            continue
        # freeze every member at the level (within its lo and hi)
        members = constraint.members
        his = list(map(hi.__getitem__, members))
        frozen = list(map(min, his, map(max, map(lo.__getitem__, members), repeat(level))))
        values.update(zip(members, frozen, strict=True))
        order.update(zip(members, range(len(order), len(order) + len(members)), strict=True))
        bound = [k if value < h - _EPS else None for value, h in zip(frozen, his, strict=True)]
        bound_by.update(zip(members, bound, strict=True))
        for i in members:
            live[i] = False
        constraint.members = []

    for i in participants:
        if i not in values:
            values[i] = hi[i]
            bound_by[i] = None
    return FillResult(values, bound_by)
