"""What an allocation says: each charger's offer and why, each circuit's load and budget.

The reasons are written only when read (_Text, Later): a control loop allocates every few
seconds and seldom shows why, and writing every reason would take longer than allocating.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import overload

from ampshare.domain.environment import MeterStatus


class _Text:
    """A str field that may be given as a function that writes it, called when first read.

    A control loop allocates every few seconds and seldom shows why; writing every reason
    would take longer than allocating on a small site. Equality, hashing and repr read the text.
    """

    def __set_name__(self, owner: type, name: str) -> None:
        self._slot = "_" + name

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> _Text: ...
    @overload
    def __get__(self, obj: object, owner: type | None = None) -> str: ...
    def __get__(self, obj: object | None, owner: type | None = None) -> str | _Text:
        if obj is None:
            raise AttributeError(self._slot)  # tells dataclass: no default
        text: str | Callable[[], str] = obj.__dict__[self._slot]
        if not isinstance(text, str):
            text = obj.__dict__[self._slot] = text()
        return text

    def __set__(self, obj: object, text: str | Callable[[], str]) -> None:
        obj.__dict__[self._slot] = text


@dataclass(frozen=True)
class ChargerAllocation:
    offered_a: float
    # "charger", "car", "circuit:<id>[:L1|:power]", "no_car", "offline", "operator", ...
    limited_by: str
    reason: _Text = _Text()  # a str: given as one, or as a function that writes it
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


class Later(Mapping[str, CircuitAllocation]):
    """A mapping worked out when first read."""

    def __init__(self, make: Callable[[], dict[str, CircuitAllocation]]) -> None:
        self._make: Callable[[], dict[str, CircuitAllocation]] | None = make
        self._made: dict[str, CircuitAllocation] = {}

    def _data(self) -> dict[str, CircuitAllocation]:
        if self._make is not None:
            self._made, self._make = self._make(), None
        return self._made

    def __getitem__(self, key: str) -> CircuitAllocation:
        return self._data()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data())

    def __len__(self) -> int:
        return len(self._data())

    def __repr__(self) -> str:
        return repr(self._data())
