"""The MQTT parts of a site file: the [mqtt] table (the broker and ampshare's own topics), a
charger's [chargers.openevse] table and a meter's [meters.shelly] / [meters.mqtt] tables."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, StrictBool, StrictInt, StrictStr

from ampshare.config.fields import Number, Table


class MqttTable(Table):
    host: StrictStr = "127.0.0.1"
    port: StrictInt = Field(default=1883, ge=1, le=65535)
    username: StrictStr | None = None
    password: StrictStr | None = None
    tls: StrictBool = False
    ca_file: StrictStr | None = None
    prefix: StrictStr = "ampshare"  # ampshare's own state is published under <prefix>/
    home_assistant_discovery: StrictBool = False


class OpenevseTable(Table):
    """An OpenEVSE unit ([chargers.openevse])."""

    base_topic: StrictStr = Field(description="the unit's MQTT base topic, e.g. openevse-1a2b")


class ShellyTable(Table):
    """A Shelly meter ([meters.shelly]): Gen1 EM, or Gen2/Pro 3EM."""

    generation: Literal[1, 2] = 1
    # Gen1: the device id in shellies/<id>/...; Gen2: the topic prefix
    device: StrictStr
    channel: StrictInt = Field(default=0, ge=0)  # Gen1 EM: emeter/<channel>


class MqttMeterTable(Table):
    """A generic MQTT meter ([meters.mqtt])."""

    topic: StrictStr
    json_path: StrictStr | None = None  # "a.b.c" into a JSON payload; None: the payload is a number
    unit: Literal["W", "kW", "A", "mA"] = "W"
    # some meters report import as negative: -1 flips the sign
    sign: Literal[1, -1] = 1
    scale: Number = 1.0
