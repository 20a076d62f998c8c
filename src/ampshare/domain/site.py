"""The site: a tree of circuits (service -> feeder -> panel -> branch), chargers and meters."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

from ampshare.domain.electrical import CONTINUOUS_FACTOR, continuous_limit_a
from ampshare.domain.phases import SQRT3, THREE_PHASE, Connection


@dataclass(frozen=True)
class Circuit:
    """A breaker and the wires behind it."""

    id: str
    breaker_a: float
    limit_a: float | None = None  # an operator's lower continuous limit; None: 80 % of the breaker
    parent: str | None = None
    phases: int = 1  # 1 (single or split phase) or 3
    connection: Connection | None = None  # a 1-phase circuit fed from a 3-phase parent
    max_power_w: float | None = None  # an instantaneous cap over everything on the circuit
    safe_budget_a: float | None = None  # EV budget while its meter is stale; None: sum of fallbacks
    # a cap on the average power over each clock-aligned 15-minute interval (utility demand
    # billing); the control loop turns it into power_budget_w of the state, tick by tick
    demand_limit_w: float | None = None
    # a 3-phase circuit fed by a delta-wye transformer: its primary's line-to-line voltage,
    # breaker and continuous limit (None: 80 % of the primary breaker)
    primary_voltage_v: float | None = None
    primary_breaker_a: float | None = None
    primary_limit_a: float | None = None

    @property
    def continuous_limit_a(self) -> float:
        """The limit every allocation and transition must respect."""
        rated_a = continuous_limit_a(self.breaker_a)
        return rated_a if self.limit_a is None else min(self.limit_a, rated_a)

    @property
    def has_primary(self) -> bool:
        return self.primary_voltage_v is not None

    @property
    def primary_continuous_limit_a(self) -> float:
        """The continuous limit of each primary line (NaN if neither breaker nor limit is set:
        validation refuses that)."""
        candidates = []
        if self.primary_breaker_a is not None:
            candidates.append(continuous_limit_a(self.primary_breaker_a))
        if self.primary_limit_a is not None:
            candidates.append(self.primary_limit_a)
        return min(candidates, default=math.nan)

    @property
    def primary_breaker_rating_a(self) -> float:
        """The primary's breaker; when only a limit is given, the breaker that limit implies."""
        if self.primary_breaker_a is not None:
            return self.primary_breaker_a
        if self.primary_limit_a is not None:
            return self.primary_limit_a / CONTINUOUS_FACTOR
        return math.nan


@dataclass(frozen=True)
class Charger:
    """An EVSE: it tells the car how many amps it may draw."""

    id: str
    circuit: str
    max_current_a: float
    min_current_a: float = 6.0
    fallback_current_a: float = 6.0
    start_current_a: float | None = (
        None  # offered to a new car before ampshare speaks; None: fallback
    )
    connection: Connection | None = None  # on a 3-phase circuit; None there means all three lines
    priority: int = 0

    @property
    def effective_start_current_a(self) -> float:
        return self.fallback_current_a if self.start_current_a is None else self.start_current_a


@dataclass(frozen=True)
class Meter:
    """A meter on a circuit: it measures everything on that circuit, its chargers included."""

    id: str
    circuit: str


@dataclass(frozen=True)
class Site:
    name: str
    voltage_v: float  # 1-phase: the supply voltage; 3-phase: line-to-line
    circuits: tuple[Circuit, ...]
    chargers: tuple[Charger, ...] = ()
    meters: tuple[Meter, ...] = ()

    @cached_property
    def circuits_by_id(self) -> dict[str, Circuit]:
        return {circuit.id: circuit for circuit in self.circuits}

    @cached_property
    def chargers_by_id(self) -> dict[str, Charger]:
        return {charger.id: charger for charger in self.chargers}

    @cached_property
    def meters_by_id(self) -> dict[str, Meter]:
        return {meter.id: meter for meter in self.meters}

    @cached_property
    def children(self) -> dict[str | None, tuple[str, ...]]:
        """Circuit ids by parent id (None: the roots), in file order."""
        result: dict[str | None, list[str]] = {}
        for circuit in self.circuits:
            result.setdefault(circuit.parent, []).append(circuit.id)
        return {parent: tuple(ids) for parent, ids in result.items()}

    def ancestors(self, circuit_id: str) -> Iterator[Circuit]:
        """The circuit itself, then its parent, up to the root (stops at a cycle)."""
        seen: set[str] = set()
        current: str | None = circuit_id
        while current is not None and current not in seen and current in self.circuits_by_id:
            seen.add(current)
            circuit = self.circuits_by_id[current]
            yield circuit
            current = circuit.parent

    @cached_property
    def chargers_under(self) -> dict[str, tuple[str, ...]]:
        """Charger ids on each circuit or anywhere below it."""
        result: dict[str, list[str]] = {circuit.id: [] for circuit in self.circuits}
        for charger in self.chargers:
            for circuit in self.ancestors(charger.circuit):
                result[circuit.id].append(charger.id)
        return {circuit_id: tuple(ids) for circuit_id, ids in result.items()}

    def supply_connection(self, charger: Charger) -> Connection | None:
        """The lines of the 3-phase supply this charger draws from; None on a 1-phase site.

        A charger on a 3-phase circuit uses its own connection (all three lines by default,
        the conservative choice); one on a 1-phase circuit fed from a 3-phase panel uses
        that branch circuit's connection.
        """
        for circuit in self.ancestors(charger.circuit):
            if circuit.phases == 3:
                return charger.connection or THREE_PHASE
            if circuit.connection is not None:
                return circuit.connection
        return None

    def watts_per_amp(self, charger: Charger) -> float:
        connection = self.supply_connection(charger)
        return self.voltage_v if connection is None else connection.watts_per_amp(self.voltage_v)

    def turns_ratio(self, circuit: Circuit) -> float:
        """Primary line-to-line volts per secondary line-to-neutral volt (480 V over 208 V:
        about 4): a secondary winding current I puts I / ratio on the primary winding."""
        if circuit.primary_voltage_v is None:
            raise ValueError(f"circuit {circuit.id!r} has no transformer primary")
        return circuit.primary_voltage_v / (self.voltage_v / SQRT3)

    def branch_watts_per_amp(self, circuit: Circuit) -> float:
        """Watts per amp on a 1-phase circuit's conductor (its connection's voltage)."""
        for ancestor in self.ancestors(circuit.id):
            if ancestor.connection is not None:
                return ancestor.connection.watts_per_amp(self.voltage_v)
        return self.voltage_v
