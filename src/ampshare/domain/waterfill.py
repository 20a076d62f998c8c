"""Progressive filling (max-min fairness) under phasor-sum constraints.

Every participant i is raised together along a water level t, as x_i(t) = clamp(t, lo_i, hi_i).
A constraint k binds at the level where |base_k + sum_i c_ki * x_i(t)| reaches room_k; its
members then freeze, and the others rise on. Line currents grow monotonically with each charger's
current (every contribution to a line lies within 30 degrees of its voltage), so each
constraint's binding level can be solved exactly on the piecewise-linear path of x(t): linearly
on 1-phase conductors, as a quadratic on 3-phase lines.

Levels are kept in a heap and recomputed lazily: freezing a member can only raise the level at
which its other constraints bind, so a stale level is a lower bound and is refreshed only when
it reaches the top of the heap.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

_EPS = 1e-9


@dataclass
class FillConstraint:
    """One constraint as the filling sees it (mutable working state, private to a fill)."""

    members: list[tuple[int, complex]]  # participants only
    base: complex  # load of everything that does not rise: offline chargers, frozen members
    room: float  # what the conductor may carry minus what the rest of the circuit draws
    events: list[tuple[float, int, int]] = field(default_factory=list)

    def prepare(self, lo: Sequence[float], hi: Sequence[float]) -> None:
        # (t, +1 starts rising at lo / -1 stops at hi, position in members), sorted once;
        # at equal t a start comes before a stop, so the slope never dips below zero
        events = []
        for pos, (i, _) in enumerate(self.members):
            if hi[i] > lo[i]:
                events.append((lo[i], 1, pos))
                events.append((hi[i], -1, pos))
        events.sort(key=lambda event: (event[0], -event[1]))
        self.events = events

    def level(self, lo: Sequence[float], frozen: Sequence[bool]) -> float:
        """The water level at which this constraint binds (inf: never, -inf: already)."""
        members = self.members
        start = self.base
        any_live = False
        for i, coeff in members:
            if not frozen[i]:
                start += coeff * lo[i]
                any_live = True
        if not any_live:
            return math.inf
        room = self.room
        if abs(start) > room + _EPS:
            return -math.inf
        p, q = start, 0j  # on each segment between events the sum is p + t * q
        for t, kind, pos in self.events:
            i, coeff = members[pos]
            if frozen[i]:
                continue
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
    terms: Sequence[Sequence[tuple[int, complex]]],
) -> FillResult:
    """Raise the participants max-min fairly from lo towards hi within every constraint.

    The caller guarantees that everyone at lo fits (admission) and that lo <= hi.
    terms[i] lists (constraint index, coefficient) for every constraint charger i is in.
    """
    frozen = [True] * len(lo)
    for i in participants:
        frozen[i] = False
    heap: list[tuple[float, int]] = []
    for k, constraint in enumerate(constraints):
        if constraint.members:
            constraint.prepare(lo, hi)
            heap.append((constraint.level(lo, frozen), k))
    heapq.heapify(heap)
    dirty = [False] * len(constraints)
    values: dict[int, float] = {}
    bound_by: dict[int, int | None] = {}

    while heap:
        level, k = heapq.heappop(heap)
        if level == math.inf:
            break
        constraint = constraints[k]
        if dirty[k]:
            dirty[k] = False
            heapq.heappush(heap, (constraint.level(lo, frozen), k))
            continue
        for i, _ in constraint.members:
            if frozen[i]:
                continue
            value = min(hi[i], max(lo[i], level))
            frozen[i] = True
            values[i] = value
            bound_by[i] = k if value < hi[i] - _EPS else None
            for other, coeff in terms[i]:
                if other != k:
                    constraints[other].base += coeff * value
                    dirty[other] = True

    for i in participants:
        if i not in values:
            values[i] = hi[i]
            bound_by[i] = None
    return FillResult(values, bound_by)
