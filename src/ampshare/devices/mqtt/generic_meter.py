"""A generic MQTT meter: one topic, a number or a JSON document (json_path says where the
number is), its unit (W, kW, A or mA), a scale and a sign convention (-1 for meters that report
import as negative). Amps become a current reading, watts a power reading."""

from __future__ import annotations

from ampshare.config.mqtt_schema import MqttMeterTable
from ampshare.control.readings import MeterSample
from ampshare.devices.mqtt.meter_feed import MeterFeed
from ampshare.devices.mqtt.payloads import amps, at_path, finite, json_document, number, watts

_TO_BASE = {"W": 1.0, "kW": 1000.0, "A": 1.0, "mA": 0.001}


class GenericMeter:
    def __init__(self, feed: MeterFeed, table: MqttMeterTable, limit_w: float) -> None:
        self.feed = feed
        self.name = feed.name
        self.table = table
        self._limit_w = limit_w

    def topics(self) -> list[str]:
        return [self.table.topic]

    def connected(self) -> None:
        """Nothing to ask: a generic meter is heard when it next speaks."""

    def lost(self) -> None:
        self.feed.lost("the MQTT broker is gone: stale until it reports again")

    def handle(self, topic: str, payload: bytes, retained: bool) -> None:
        table = self.table
        if table.json_path is None:
            raw = number(payload)
        else:
            raw = finite(at_path(json_document(payload), table.json_path))
        value = raw * table.scale * table.sign * _TO_BASE[table.unit]
        if table.unit in ("A", "mA"):
            self.feed.sample(MeterSample(current_a=(amps(value, "the meter's current"),)))
        else:
            self.feed.sample(MeterSample(power_w=watts(value, self._limit_w)))
