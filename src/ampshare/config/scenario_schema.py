"""The tables of a scenario file as users write them (see scenario_file for the format)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    PlainValidator,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    field_validator,
)

from ampshare.config.fields import EntryId, Reading, Table
from ampshare.config.messages import suggestion
from ampshare.config.scenario_times import When, parse_moment, parse_span, parse_when
from ampshare.sim.scenario import FaultKind

Span = Annotated[float, PlainValidator(parse_span)]
Moment = Annotated[datetime, PlainValidator(parse_moment)]
WhenField = Annotated[When, PlainValidator(parse_when)]
Positive = Annotated[StrictFloat, Field(gt=0)]
Fraction = Annotated[StrictFloat, Field(ge=0, le=1)]
Text = Annotated[StrictStr, Field(min_length=1)]

DEFAULT_BATTERY_KWH = 60.0
# most drivers keep their car's charge limit at 80-90 % for the battery's sake
DEFAULT_CHARGE_LIMIT_SOC = 0.9

# A fault with a duration is followed by its end, this long after it.
FAULT_ENDS = {
    FaultKind.AMPSHARE_DOWN: FaultKind.AMPSHARE_UP,
    FaultKind.METER_SILENT: FaultKind.METER_BACK,
    FaultKind.CHARGER_DISCONNECT: FaultKind.CHARGER_RECONNECT,
    FaultKind.CHARGER_IGNORES_COMMANDS: FaultKind.CHARGER_OBEYS_COMMANDS,
}


class ScenarioTable(Table):
    name: Text | None = None
    duration: Span | None = None
    start: Moment | None = None
    reading_interval_s: Positive = 5.0
    meter_period_s: Positive = 1.0
    sessions_csv: Text | None = None
    from_: Moment | None = Field(default=None, alias="from")
    until: Moment | None = None
    # the drivers tell ampshare when they leave and the energy they want (an app, OCPP
    # 2.0.1's NotifyEVChargingNeeds): their chargers report it with their readings
    drivers_share_needs: StrictBool = False


class CarTable(Table):
    """A car's model; every key is optional (the [car] defaults, or a session's overrides)."""

    battery_kwh: Positive | None = None
    max_current_a: Positive | None = None
    taper_soc: Fraction | None = None
    draw_ratio: Annotated[StrictFloat, Field(gt=0, le=1)] | None = None
    resume_limit: Annotated[StrictInt, Field(ge=1)] | None = None
    finish_current_a: Reading | None = None
    charge_limit_soc: Fraction | None = None


class SessionEntry(Table):
    charger: EntryId = Field(description="the id of the charger the car plugs into")
    arrive: WhenField = Field(description='when the car plugs in, e.g. "0:30"')
    leave: WhenField | None = None
    energy_kwh: Annotated[StrictFloat, Field(ge=0)] = Field(
        description="the energy the driver wants, in kWh"
    )
    id: Text | None = None
    car: CarTable | None = None
    shares_needs: StrictBool | None = None  # default: [scenario] drivers_share_needs


class FaultEntry(Table):
    at: WhenField = Field(description='when it happens, e.g. "2:00"')
    kind: FaultKind = Field(description="what happens, e.g. 'ampshare_down'")
    target: EntryId | None = None
    duration: Span | None = None

    @field_validator("kind", mode="before")
    @classmethod
    def _known_kind(cls, value: object) -> object:
        kinds = [kind.value for kind in FaultKind]
        if isinstance(value, str) and value not in kinds:
            raise ValueError(f"{value!r} is not a kind of fault {suggestion(value, kinds)}")
        if not isinstance(value, str):
            raise ValueError(f"must be a string, one of {', '.join(map(repr, kinds))}")
        return value


class SpikeEntry(Table):
    at: WhenField = Field(description='when the appliance starts, e.g. "0:30"')
    duration: Span = Field(description='how long it runs, e.g. "0:45"')
    current_a: Reading = Field(description="the current it draws in amps")
    name: Text = "appliance"


class HouseholdEntry(Table):
    circuit: EntryId = Field(description="the id of the circuit that carries this load")
    base_a: Reading | None = None
    spikes: list[SpikeEntry] = Field(default_factory=list)
    profile: Literal["typical_evening"] | None = None
    seed: StrictInt | None = None


class ScenarioDocument(Table):
    """The top level: only these keys; the loader checks each part on its own."""

    scenario: Any = None
    car: Any = None
    sessions: Any = Field(default_factory=list)
    faults: Any = Field(default_factory=list)
    households: Any = Field(default_factory=list)
