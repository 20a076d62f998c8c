"""Phasor limits |sum c_i x_i| <= L as rows of a linear program.

A limit whose cars all draw in phase is one row (a plain sum), or a bound when one car is
under it; one whose cars cannot reach it together is left out. A 3-phase line needs the outer
polygon of ampshare.lp.polygon: a dozen rows in every step. Those rows hold one term per angle (the
few lines and line pairs), not one per car: the cars at each angle are summed into one variable
first, shared by every limit that holds the same weighted sum (the three lines of a circuit).
"""

from __future__ import annotations

import cmath
from collections import defaultdict
from collections.abc import Sequence

from ampshare.lp.polygon import outer_directions
from ampshare.lp.program import LpBuilder

# The phasor polygon lets a line carry at most this much more than its limit (relative).
PHASOR_MAX_ERROR = 1e-3
# Coefficients whose angles agree to this many decimals (radians) are taken as parallel.
_ANGLE_DIGITS = 9
# Weights that agree to this many decimals are the same (the cars' shares of a step).
_RATIO_DIGITS = 12

Terms = Sequence[tuple[int, complex]]  # (variable, coefficient)


class PhasorLimits:
    """Adds phasor limits to a builder, sharing the sums of cars between them."""

    def __init__(self, builder: LpBuilder) -> None:
        self._builder = builder
        self._sums: dict[tuple[tuple[int, float], ...], int] = {}

    def add(self, terms: Terms, limit: float) -> None:
        """|sum coeff * x| <= limit."""
        builder = self._builder
        terms = [(var, coeff) for var, coeff in terms if abs(coeff) > 0]
        if sum(abs(coeff) * builder.upper(var) for var, coeff in terms) <= limit:
            return  # cannot bind: keep the program small
        if len(terms) == 1:
            var, coeff = terms[0]
            builder.cap(var, limit / abs(coeff))
            return
        directions = outer_directions([cmath.phase(coeff) for _, coeff in terms], PHASOR_MAX_ERROR)
        if len(directions) > 1:
            terms = self._by_angle(terms)
        columns = [var for var, _ in terms]
        for theta in directions:
            turn = cmath.exp(-1j * theta)
            builder.at_most(columns, [(turn * coeff).real for _, coeff in terms], limit)

    def _by_angle(self, terms: Terms) -> list[tuple[int, complex]]:
        groups: dict[float, list[tuple[int, complex]]] = defaultdict(list)
        for var, coeff in terms:
            groups[round(cmath.phase(coeff), _ANGLE_DIGITS)].append((var, coeff))
        return [self._sum(members) for members in groups.values()]

    def _sum(self, members: list[tuple[int, complex]]) -> tuple[int, complex]:
        """One variable for cars in phase, sum (|coeff| / |first coeff|) * x, with the first
        coefficient: a line and a transformer primary line that carries the same cars at
        another weight then share it."""
        if len(members) == 1:
            return members[0]
        _, first = members[0]
        scale = abs(first)
        key = tuple((var, round(abs(coeff) / scale, _RATIO_DIGITS)) for var, coeff in members)
        if key not in self._sums:
            builder = self._builder
            total = builder.variable(sum(ratio * builder.upper(var) for var, ratio in key))
            builder.equal((total, *(var for var, _ in key)), (1.0, *(-r for _, r in key)), 0.0)
            self._sums[key] = total
        return self._sums[key], first
