"""What a simulation measures: the true load on every conductor, each circuit's 15-minute
demand, and a thinned-out trace of currents over time for plots."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ampshare.domain import Site
from ampshare.domain.network import ConstraintKind, Network

_OVER_TOLERANCE_A = 0.05
DEMAND_INTERVAL_S = 900.0  # utilities bill demand over clock-aligned 15-minute intervals


@dataclass
class ConductorRecord:
    """The true load on one circuit conductor over a run."""

    label: str
    circuit_id: str
    limit_a: float  # continuous
    breaker_a: float
    peak_a: float = 0.0
    over_limit_s: float = 0.0
    over_breaker_s: float = 0.0


@dataclass
class DemandRecord:
    """A circuit's energy in each 15-minute interval (what a utility's demand meter sees)."""

    circuit_id: str
    energy_ws: dict[int, float] = field(default_factory=dict)  # interval index -> W·s

    @property
    def peak_w(self) -> float:
        return max(self.energy_ws.values(), default=0.0) / DEMAND_INTERVAL_S


@dataclass
class Trace:
    """Samples every period_s: each charger's draw and offer, each conductor's load."""

    period_s: float
    times_s: list[float] = field(default_factory=list)
    draw_a: dict[str, list[float]] = field(default_factory=dict)
    pilot_a: dict[str, list[float]] = field(default_factory=dict)
    load_a: dict[str, list[float]] = field(default_factory=dict)  # by conductor label
    sharing: dict[str, tuple[str, ...]] = field(default_factory=dict)  # label -> charger ids


class Recorder:
    def __init__(self, site: Site, network: Network, trace_period_s: float | None) -> None:
        self.network = network
        self._current = [
            (k, c) for k, c in enumerate(network.constraints) if c.kind is ConstraintKind.CURRENT
        ]
        self._labels = [
            (
                c.label,
                c.circuit_id,
                c.limit,
                c.breaker_a
                if c.breaker_a is not None
                else site.circuits_by_id[c.circuit_id].breaker_a,
            )
            for _, c in self._current
        ]
        # kept as arrays: a run records tens of thousands of steps on dozens of conductors
        count = len(self._labels)
        self._limit_a = np.array([limit for _, _, limit, _ in self._labels]) + _OVER_TOLERANCE_A
        self._breaker_a = np.array([b for _, _, _, b in self._labels]) + _OVER_TOLERANCE_A
        self._peak_a = np.zeros(count)
        self._over_limit_s = np.zeros(count)
        self._over_breaker_s = np.zeros(count)
        # the household current counts fully on each line of a circuit (a balanced load); a
        # transformer primary line carries the difference of two such lines over the turns ratio
        self._household_share = [
            math.sqrt(3) / site.turns_ratio(site.circuits_by_id[c.circuit_id])
            if c.is_primary
            else 1.0
            for _, c in self._current
        ]
        # loads as matrix products: one row of coefficients per conductor, of watts per circuit
        chargers = len(network.charger_ids)
        self._coeffs = np.zeros((len(self._current), chargers), dtype=complex)
        for row, (_, c) in enumerate(self._current):
            for i, coeff in zip(c.members, c.coeffs, strict=True):
                self._coeffs[row, i] = coeff
        self._conductor_circuits = [c.circuit_id for _, c in self._current]
        index = {charger_id: i for i, charger_id in enumerate(network.charger_ids)}
        self._circuit_ids = [circuit.id for circuit in site.circuits]
        self._watts = np.zeros((len(site.circuits), chargers))
        for row, circuit in enumerate(site.circuits):
            for charger_id in site.chargers_under[circuit.id]:
                self._watts[row, index[charger_id]] = network.watts_per_amp[index[charger_id]]
        # a 3-phase circuit's non-EV current is taken as balanced: sqrt(3) * V * I watts
        self._household_w_per_a = {
            circuit.id: site.voltage_v * (math.sqrt(3) if circuit.phases == 3 else 1.0)
            for circuit in site.circuits
        }
        self._household_w_per_a_row = {
            circuit_id: (row, self._household_w_per_a[circuit_id])
            for row, circuit_id in enumerate(self._circuit_ids)
        }
        self._demand = {circuit.id: DemandRecord(circuit.id) for circuit in site.circuits}
        # the energy of the interval being recorded, one entry per circuit: written into the
        # records when the next interval begins (a dict update per circuit per step was the
        # recorder's largest cost)
        self._interval = 0
        self._interval_ws = np.zeros(len(self._circuit_ids))
        self.trace = None if trace_period_s is None else Trace(trace_period_s)
        if self.trace is not None:
            ids = network.charger_ids
            self.trace.sharing = {
                c.label: tuple(ids[i] for i in c.members) for _, c in self._current
            }
        self._next_trace_s = 0.0

    @property
    def conductors(self) -> list[ConductorRecord]:
        """The true load on each conductor so far, as records."""
        return [
            ConductorRecord(
                label, circuit_id, limit_a, breaker_a, float(peak), float(over), float(brk)
            )
            for (label, circuit_id, limit_a, breaker_a), peak, over, brk in zip(
                self._labels, self._peak_a, self._over_limit_s, self._over_breaker_s, strict=True
            )
        ]

    def record(
        self,
        now_s: float,
        dt_s: float,
        draws_a: Sequence[float],
        pilots_a: Callable[[], Sequence[float]],
        household_a: dict[str, float],
    ) -> None:
        """The state that held over (now_s - dt_s, now_s]. pilots_a: asked for only when the
        trace takes a sample."""
        draws = np.asarray(draws_a)
        loads = self._conductor_loads(draws, household_a)
        np.maximum(self._peak_a, loads, out=self._peak_a)
        self._over_limit_s += (loads > self._limit_a) * dt_s
        self._over_breaker_s += (loads > self._breaker_a) * dt_s
        self._record_demand(now_s - dt_s, now_s, draws, household_a)
        trace = self.trace
        if trace is not None and now_s >= self._next_trace_s:
            self._next_trace_s = now_s + trace.period_s
            trace.times_s.append(now_s)
            pilots = pilots_a()
            for i, charger_id in enumerate(self.network.charger_ids):
                trace.draw_a.setdefault(charger_id, []).append(draws_a[i])
                trace.pilot_a.setdefault(charger_id, []).append(pilots[i])
            for (label, *_), load_a in zip(self._labels, loads.tolist(), strict=True):
                trace.load_a.setdefault(label, []).append(load_a)

    def _conductor_loads(self, draws_a: np.ndarray, household_a: dict[str, float]) -> np.ndarray:
        loads: np.ndarray = np.abs(self._coeffs @ draws_a)
        if household_a:
            for row, circuit_id in enumerate(self._conductor_circuits):
                loads[row] += household_a.get(circuit_id, 0.0) * self._household_share[row]
        return loads

    @property
    def demand(self) -> dict[str, DemandRecord]:
        """Each circuit's energy by 15-minute interval, up to the last step recorded."""
        self._close_interval(self._interval)
        return self._demand

    def _record_demand(
        self, t0_s: float, t1_s: float, draws_a: np.ndarray, household_a: dict[str, float]
    ) -> None:
        powers_w = self._watts @ draws_a
        for circuit_id, other_a in household_a.items():
            row, w_per_a = self._household_w_per_a_row[circuit_id]
            powers_w[row] += other_a * w_per_a
        np.maximum(powers_w, 0.0, out=powers_w)
        # split the step at interval boundaries so each interval gets its own share
        while t0_s < t1_s - 1e-9:
            interval = math.floor(t0_s / DEMAND_INTERVAL_S + 1e-9)
            if interval != self._interval:
                self._close_interval(interval)
            end_s = min(t1_s, (interval + 1) * DEMAND_INTERVAL_S)
            self._interval_ws += powers_w * (end_s - t0_s)
            t0_s = end_s

    def _close_interval(self, next_interval: int) -> None:
        """Add what the interval being recorded holds to the records; record next_interval."""
        interval = self._interval
        totals_ws = self._interval_ws.tolist()
        for circuit_id, energy_ws in zip(self._circuit_ids, totals_ws, strict=True):
            if energy_ws > 0:
                energy = self._demand[circuit_id].energy_ws
                energy[interval] = energy.get(interval, 0.0) + energy_ws
        self._interval_ws[:] = 0.0
        self._interval = next_interval
