"""The entries of a state file (JSON) and their translation to the domain."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StrictBool, field_validator

from ampshare.config.fields import Number, Reading, Table
from ampshare.config.messages import describe
from ampshare.domain import CarState, ChargerState, MeterReading

CarText = Literal["none", "connected", "charging", "suspended", "offline"]


class ChargerStateEntry(Table):
    car: CarText = "none"
    measured_a: Reading | None = None
    offered_a: Reading | None = None
    offer_in_force: StrictBool = True
    ev_max_a: Reading | None = None
    plugged_in_at: datetime | None = None

    @field_validator("plugged_in_at", mode="before")
    @classmethod
    def _parse_time(cls, value: object) -> datetime | None:
        if value is None:
            return None
        example = 'e.g. "2026-11-22T08:00:00Z"'
        if not isinstance(value, str):
            raise ValueError(
                f"plugged_in_at must be an ISO-8601 time with a timezone ({example}), "
                f"got {describe(value)}"
            )
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(
                f"plugged_in_at {value!r} is not an ISO-8601 time ({example})"
            ) from None
        if moment.tzinfo is None:
            raise ValueError(
                f"plugged_in_at {value!r} has no timezone: add Z or an offset ({example})"
            )
        return moment.astimezone(UTC)

    def to_domain(self) -> ChargerState:
        return ChargerState(
            car=CarState(self.car),
            measured_a=self.measured_a,
            offered_a=self.offered_a,
            offer_in_force=self.offer_in_force,
            ev_max_a=self.ev_max_a,
            plugged_in_at=self.plugged_in_at,
        )


class MeterReadingEntry(Table):
    current_a: list[Reading] | None = None
    power_w: Number | None = None
    stale: StrictBool = False

    @field_validator("current_a", mode="before")
    @classmethod
    def _one_or_per_line(cls, value: object) -> object:
        if isinstance(value, bool) or not isinstance(value, int | float | list | None):
            raise ValueError(
                "current_a must be a number of amps or a list of one per line "
                f"[L1, L2, L3], got {describe(value)}"
            )
        return [value] if isinstance(value, int | float) else value

    def to_domain(self) -> MeterReading:
        current_a = None if self.current_a is None else tuple(self.current_a)
        return MeterReading(current_a=current_a, power_w=self.power_w, stale=self.stale)


class CircuitStateEntry(Table):
    """What the state says of a circuit: the power its demand limit leaves for now."""

    power_budget_w: Annotated[Number, Field(ge=0)] | None = None

    def to_domain(self) -> float | None:
        return self.power_budget_w


class StateDocument(Table):
    """The top level: only these three keys, each an object keyed by id."""

    chargers: Any = Field(default_factory=dict)
    meters: Any = Field(default_factory=dict)
    circuits: Any = Field(default_factory=dict)
