"""A sparse linear program built row by row, and HiGHS (scipy.optimize.linprog) to solve it.

scipy has no type information: everything it returns is turned into typed values here.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import linprog
from scipy.sparse import coo_array

FloatArray = npt.NDArray[np.float64]


class SolverError(RuntimeError):
    """No solution: the solver failed, or bounds given to one solve leave none (a program
    solved with its own bounds always has one: all zeros)."""


@dataclass(frozen=True)
class LpSize:
    variables: int
    rows: int  # inequalities and equalities
    nonzeros: int

    def __add__(self, other: LpSize) -> LpSize:
        return LpSize(
            self.variables + other.variables,
            self.rows + other.rows,
            self.nonzeros + other.nonzeros,
        )


@dataclass(frozen=True)
class LpSolution:
    x: FloatArray
    solve_s: float  # wall time inside the solver


class _Rows:
    """Rows in coordinate form: (row, column, value) triplets and a right-hand side."""

    def __init__(self) -> None:
        self.rows: list[int] = []
        self.cols: list[int] = []
        self.vals: list[float] = []
        self.rhs: list[float] = []

    def add(self, cols: Sequence[int], vals: Sequence[float], rhs: float) -> None:
        row = len(self.rhs)
        self.rows.extend([row] * len(cols))
        self.cols.extend(cols)
        self.vals.extend(vals)
        self.rhs.append(rhs)

    def matrix(self, variables: int) -> coo_array | None:
        if not self.rhs:
            return None
        return coo_array(
            (self.vals, (self.rows, self.cols)), shape=(len(self.rhs), variables)
        ).tocsr()


class LpBuilder:
    """maximise sum(gain * x) subject to rows, 0 <= x <= upper."""

    def __init__(self) -> None:
        self._gain: list[float] = []
        self._upper: list[float] = []
        self._le = _Rows()
        self._eq = _Rows()

    def variable(self, upper: float, gain: float = 0.0) -> int:
        self._gain.append(gain)
        self._upper.append(max(0.0, upper))
        return len(self._gain) - 1

    def upper(self, var: int) -> float:
        return self._upper[var]

    def cap(self, var: int, upper: float) -> None:
        """Lower a variable's upper bound (never raises it)."""
        self._upper[var] = max(0.0, min(self._upper[var], upper))

    def at_most(self, cols: Sequence[int], vals: Sequence[float], rhs: float) -> None:
        self._le.add(cols, vals, rhs)

    def equal(self, cols: Sequence[int], vals: Sequence[float], rhs: float) -> None:
        self._eq.add(cols, vals, rhs)

    @property
    def size(self) -> LpSize:
        return LpSize(
            len(self._gain),
            len(self._le.rhs) + len(self._eq.rhs),
            len(self._le.vals) + len(self._eq.vals),
        )

    def solve(
        self,
        method: str = "highs-ipm",
        tightened: Mapping[int, tuple[float, float]] | None = None,
    ) -> LpSolution:
        """method: HiGHS's interior point (the default) suits large, degenerate programs such
        as the offline optimum; its dual simplex ("highs-ds") small ones solved often.
        tightened: variable -> (lower, upper) bounds for this solve only, within its own (the
        same program solved again with some variables fixed). Bounds that leave a variable no
        value make the program infeasible: SolverError."""
        variables = len(self._gain)
        if variables == 0:
            return LpSolution(np.zeros(0), 0.0)
        lower, upper = np.zeros(variables), np.asarray(self._upper)
        for var, (low, high) in (tightened or {}).items():
            lower[var] = max(lower[var], low)
            upper[var] = min(upper[var], high)
        if np.any(lower > upper):
            raise SolverError("infeasible: a variable's lower bound is above its upper bound")
        bounds = np.column_stack([lower, upper])
        started_s = time.perf_counter()
        result = linprog(
            -np.asarray(self._gain),
            A_ub=self._le.matrix(variables),
            b_ub=np.asarray(self._le.rhs) if self._le.rhs else None,
            A_eq=self._eq.matrix(variables),
            b_eq=np.asarray(self._eq.rhs) if self._eq.rhs else None,
            bounds=bounds,
            # the offline optimum's programs are large, sparse and very degenerate (many
            # schedules deliver the same energy): the simplex methods take 2-3x longer on them
            method=method,
        )
        solve_s = time.perf_counter() - started_s
        if result.status != 0:
            raise SolverError(f"HiGHS failed (status {result.status}): {result.message}")
        return LpSolution(np.asarray(result.x, dtype=np.float64), solve_s)
