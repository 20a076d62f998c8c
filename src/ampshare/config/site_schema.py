"""The tables of a site file as users write them, and their translation to the domain."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, StrictInt, StrictStr, field_validator, model_validator

from ampshare.config.fields import EntryId, Number, Table
from ampshare.config.mqtt_schema import MqttMeterTable, OpenevseTable, ShellyTable
from ampshare.config.ocpp_schema import OcppChargerTable
from ampshare.domain import Charger, Circuit, Connection, Meter, parse_connection


def _connection(text: str | None) -> Connection | None:
    return None if text is None else parse_connection(text)


class SiteTable(Table):
    name: StrictStr = Field(description="the site's name, as the dashboard shows it")
    voltage_v: Number = Field(
        description="the supply voltage in volts; line-to-line on a 3-phase site"
    )


class CircuitEntry(Table):
    id: EntryId = Field(description="a unique name such as 'garage'")
    breaker_a: Number = Field(description="the rating of its breaker in amps")
    limit_a: Number | None = None
    parent: EntryId | None = None
    phases: StrictInt = 1
    connection: StrictStr | None = None
    max_power_kw: Number | None = None
    demand_limit_kw: Number | None = None
    safe_budget_a: Number | None = None
    primary_voltage_v: Number | None = None
    primary_breaker_a: Number | None = None
    primary_limit_a: Number | None = None

    @field_validator("connection")
    @classmethod
    def _parse_connection(cls, value: str | None) -> str | None:
        _connection(value)  # raises ValueError with the accepted forms
        return value

    def to_domain(self) -> Circuit:
        return Circuit(
            id=self.id,
            breaker_a=self.breaker_a,
            limit_a=self.limit_a,
            parent=self.parent,
            phases=self.phases,
            connection=_connection(self.connection),
            max_power_w=_watts(self.max_power_kw),
            safe_budget_a=self.safe_budget_a,
            demand_limit_w=_watts(self.demand_limit_kw),
            primary_voltage_v=self.primary_voltage_v,
            primary_breaker_a=self.primary_breaker_a,
            primary_limit_a=self.primary_limit_a,
        )


def _watts(kilowatts: float | None) -> float | None:
    """Site files give power in kW (as utilities and product sheets do); the domain in W."""
    return None if kilowatts is None else kilowatts * 1000


class ChargerEntry(Table):
    id: EntryId = Field(description="a unique name such as 'left'")
    circuit: EntryId = Field(description="the id of the circuit it is wired to")
    max_current_a: Number = Field(description="the charger's own rating in amps")
    min_current_a: Number = 6.0
    fallback_current_a: Number = 6.0
    start_current_a: Number | None = None
    connection: StrictStr | None = None
    priority: StrictInt = 0
    # how ampshare reaches it; None: it is not connected (the simulator, `allocate`)
    protocol: Literal["ocpp1.6", "ocpp2.0.1", "openevse"] | None = None
    ocpp: OcppChargerTable | None = None
    openevse: OpenevseTable | None = None

    @field_validator("connection")
    @classmethod
    def _parse_connection(cls, value: str | None) -> str | None:
        _connection(value)
        return value

    @model_validator(mode="after")
    def _device_table_fits(self) -> ChargerEntry:
        ocpp = self.protocol in ("ocpp1.6", "ocpp2.0.1")
        if self.ocpp is not None and not ocpp:
            raise ValueError(
                f"has an [chargers.ocpp] table but protocol is {self.protocol!r}: "
                'set protocol = "ocpp1.6" or "ocpp2.0.1", or remove the table'
            )
        if self.protocol == "openevse" and self.openevse is None:
            raise ValueError(
                'protocol = "openevse" needs its MQTT base topic: add [chargers.openevse] '
                'with base_topic = "openevse-xxxx"'
            )
        if self.openevse is not None and self.protocol != "openevse":
            raise ValueError(
                'has an [chargers.openevse] table: set protocol = "openevse" or remove the table'
            )
        return self

    def to_domain(self) -> Charger:
        return Charger(
            id=self.id,
            circuit=self.circuit,
            max_current_a=self.max_current_a,
            min_current_a=self.min_current_a,
            fallback_current_a=self.fallback_current_a,
            start_current_a=self.start_current_a,
            connection=_connection(self.connection),
            priority=self.priority,
        )


class MeterEntry(Table):
    id: EntryId = Field(description="a unique name such as 'house'")
    circuit: EntryId = Field(description="the id of the circuit whose current it measures")
    # how ampshare reads it; None: readings come from the simulator or a state file
    protocol: Literal["shelly", "mqtt"] | None = None
    shelly: ShellyTable | None = None
    mqtt: MqttMeterTable | None = None

    @model_validator(mode="after")
    def _device_table_fits(self) -> MeterEntry:
        tables = {"shelly": self.shelly, "mqtt": self.mqtt}
        for name, table in tables.items():
            if self.protocol == name and table is None:
                raise ValueError(f'protocol = "{name}" needs its [meters.{name}] table')
            if table is not None and self.protocol != name:
                raise ValueError(
                    f'has a [meters.{name}] table: set protocol = "{name}" or remove the table'
                )
        return self

    def to_domain(self) -> Meter:
        return Meter(id=self.id, circuit=self.circuit)


class SiteDocument(Table):
    """The top level: only these keys; the loader checks each part on its own."""

    site: Any = None
    circuits: Any = Field(default_factory=list)
    chargers: Any = Field(default_factory=list)
    meters: Any = Field(default_factory=list)
    ocpp: Any = None
    mqtt: Any = None
