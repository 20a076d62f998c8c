"""The MQTT parts of a site file: the [mqtt] table (the broker and ampshare's own topics), a
charger's [chargers.openevse] table and a meter's [meters.shelly] / [meters.mqtt] tables.

Each table checks what it can on its own (topic syntax, ranges); what the tables ask of each
other and of the site (an OpenEVSE unit's fallback, a Shelly's phases) is in mqtt_checks."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StrictBool, StrictInt, StrictStr, model_validator

from ampshare.config.fields import Number, Table

# a json_path: keys separated by dots, a list index as a number ("emeters.0.power")
_JSON_PATH = re.compile(r"^[^.\s]+(\.[^.\s]+)*$")
# an OpenEVSE unit's default base topic: openevse-<last 4 hex digits of its id>
_DEFAULT_BASE = re.compile(r"^openevse-([0-9A-Fa-f]{4})$")


def _topic(text: str) -> str:
    """A topic ampshare publishes to or reads exactly: no wildcards, no empty level."""
    if not text:
        raise ValueError("a topic must not be empty")
    if "+" in text or "#" in text:
        raise ValueError(f"topic {text!r} must not contain the wildcards '+' or '#'")
    if text.startswith("/") or text.endswith("/") or "//" in text:
        raise ValueError(f"topic {text!r} has an empty level: remove the extra '/'")
    if text.startswith("$"):
        raise ValueError(f"topic {text!r} must not start with '$' (reserved by the broker)")
    return text


Topic = Annotated[StrictStr, AfterValidator(_topic)]


class MqttTable(Table):
    host: StrictStr = "127.0.0.1"
    port: StrictInt = Field(default=1883, ge=1, le=65535)
    username: StrictStr | None = None
    password: StrictStr | None = None
    tls: StrictBool = False
    ca_file: StrictStr | None = None  # with tls: the CA that signed the broker's certificate
    prefix: Topic = "ampshare"  # ampshare's own state is published under <prefix>/
    home_assistant_discovery: StrictBool = False
    home_assistant_prefix: Topic = "homeassistant"
    client_id: StrictStr | None = None  # default: ampshare-<prefix>
    keepalive_s: StrictInt = Field(default=15, ge=5, le=600)
    # reconnect after a broker failure: 0.5 s, doubling up to this
    reconnect_max_s: Number = Field(default=30.0, ge=0.5, le=600.0)
    # ampshare's state topics change at most this often
    state_interval_s: Number = Field(default=1.0, ge=0.1, le=60.0)

    @model_validator(mode="after")
    def _credentials_fit(self) -> MqttTable:
        if self.password is not None and self.username is None:
            raise ValueError("password is set but username is not: add username")
        if self.ca_file is not None and not self.tls:
            raise ValueError("ca_file is set but tls is false: set tls = true")
        return self


class OpenevseTable(Table):
    """An OpenEVSE unit ([chargers.openevse])."""

    base_topic: Topic = Field(description="the unit's MQTT base topic, e.g. openevse-1a2b")
    # the unit's retained announce / last-will topic (its "mqtt_announce_topic" setting);
    # default openevse/announce/<xxxx> for a base topic openevse-<xxxx>
    announce_topic: Topic | None = None
    # where ampshare feeds the unit's shaper (the unit's "Live power load MQTT topic");
    # default <prefix>/charger/<id>/live_pwr
    live_power_topic: Topic | None = None

    def announce(self) -> str | None:
        """The announce topic, given or derived from a default base topic (None: neither)."""
        if self.announce_topic is not None:
            return self.announce_topic
        match = _DEFAULT_BASE.match(self.base_topic.rsplit("/", 1)[-1])
        return None if match is None else f"openevse/announce/{match.group(1)}"

    def live_power(self, prefix: str, charger_id: str) -> str:
        return self.live_power_topic or f"{prefix}/charger/{charger_id}/live_pwr"


class ShellyTable(Table):
    """A Shelly meter ([meters.shelly]): Gen1 EM, or Gen2/Pro 3EM."""

    generation: Literal[1, 2] = 1
    # Gen1: the device id in shellies/<id>/...; Gen2: the topic prefix
    device: Topic
    # Gen1 EM: emeter/<channel>; Gen2 Pro 3EM: the em:<channel> component
    channel: StrictInt = Field(default=0, ge=0, le=2)
    # Gen1 EM: the channels (clamps) whose power is added up; default [channel]
    channels: list[Annotated[StrictInt, Field(ge=0, le=2)]] | None = None
    # Gen2: the phases read, in line order L1, L2, L3; default a, b, c on a 3-phase circuit,
    # a on a 1-phase one (several on a 1-phase circuit: the highest counts)
    phases: list[Literal["a", "b", "c"]] | None = None

    @model_validator(mode="after")
    def _fits_generation(self) -> ShellyTable:
        if self.generation == 1 and self.phases is not None:
            raise ValueError(
                "phases is for a Gen2 meter (Pro 3EM); a Gen1 EM has channels: use channels"
            )
        if self.generation == 2 and self.channels is not None:
            raise ValueError(
                "channels is for a Gen1 EM; a Pro 3EM (generation = 2) has phases: use phases"
            )
        for name, values in (("channels", self.channels), ("phases", self.phases)):
            if values is not None and (not values or len(set(values)) != len(values)):
                raise ValueError(f"{name} must list each one once, and at least one")
        return self

    def gen1_channels(self) -> list[int]:
        return self.channels if self.channels is not None else [self.channel]


class MqttMeterTable(Table):
    """A generic MQTT meter ([meters.mqtt])."""

    topic: Topic
    json_path: StrictStr | None = None  # "a.b.c" into a JSON payload; None: the payload is a number
    unit: Literal["W", "kW", "A", "mA"] = "W"
    # some meters report import as negative: -1 flips the sign
    sign: Literal[1, -1] = 1
    scale: Number = Field(default=1.0, gt=0)

    @model_validator(mode="after")
    def _path_is_plain(self) -> MqttMeterTable:
        if self.json_path is not None and not _JSON_PATH.match(self.json_path):
            raise ValueError(
                f"json_path {self.json_path!r} must be keys separated by dots, "
                "such as 'emeter.power' or 'phases.0.current'"
            )
        return self
