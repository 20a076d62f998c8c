"""A Shelly EM (Gen1) as a circuit's meter.

It publishes, per clamp n, shellies/<id>/emeter/<n>/power (active power, W, signed),
reactive_power (var), voltage (V) and total (Wh) as text, every MQTT update period, and
shellies/<id>/online ("true", retained; "false" is its last will). "update" on
shellies/<id>/command makes it publish its state at once: ampshare asks for that whenever it
(re)connects, so a reading is never older than the connection.

ampshare counts the apparent power of each clamp (from power and reactive_power, with the sign
of the active power) so that a low power factor does not make the current look smaller than
it is; the loop turns watts into amps with the circuit's voltage.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ampshare.config.mqtt_schema import ShellyTable
from ampshare.control.readings import MeterSample
from ampshare.devices.mqtt.meter_feed import MeterFeed
from ampshare.devices.mqtt.outbox import Outbox, Outgoing
from ampshare.devices.mqtt.payloads import energy_wh, mains_voltage, number, true_or_false, watts


@dataclass
class _Clamp:
    power_w: float | None = None
    reactive_var: float | None = None
    voltage_v: float | None = None
    total_wh: float | None = None

    def apparent_w(self) -> float | None:
        if self.power_w is None:
            return None
        reactive = self.reactive_var or 0.0
        return math.copysign(math.hypot(self.power_w, reactive), self.power_w)


class ShellyGen1Meter:
    def __init__(self, feed: MeterFeed, table: ShellyTable, outbox: Outbox, limit_w: float) -> None:
        self.feed = feed
        self.name = feed.name
        self.base = f"shellies/{table.device}"
        self.channels = table.gen1_channels()
        self._outbox = outbox
        self._limit_w = limit_w  # more than this either way is no reading of a real circuit
        self.clamps = {n: _Clamp() for n in self.channels}
        self.online: bool | None = None

    def topics(self) -> list[str]:
        return [f"{self.base}/online"] + [f"{self.base}/emeter/{n}/+" for n in self.channels]

    def connected(self) -> None:
        self.clamps = {n: _Clamp() for n in self.channels}
        self.online = None
        self._outbox.post(Outgoing(f"{self.base}/command", "update"))

    def lost(self) -> None:
        self.feed.lost("the MQTT broker is gone: stale until it reports again")

    def handle(self, topic: str, payload: bytes, retained: bool) -> None:
        if topic == f"{self.base}/online":
            self.online = self.feed.device_online(true_or_false(payload), self.online)
            return
        channel_text, _, leaf = topic[len(self.base) + len("/emeter/") :].partition("/")
        clamp = self.clamps[int(channel_text)]
        if leaf == "power":
            clamp.power_w = watts(number(payload), self._limit_w, "the active power")
            self._report()
        elif leaf == "reactive_power":
            clamp.reactive_var = watts(number(payload), self._limit_w, "the reactive power")
        elif leaf == "voltage":
            clamp.voltage_v = mains_voltage(payload)
        elif leaf == "total":
            clamp.total_wh = energy_wh(payload)

    def _report(self) -> None:
        powers = [clamp.apparent_w() for clamp in self.clamps.values()]
        if any(power is None for power in powers):
            return  # not every clamp has reported since the connection began
        self.feed.sample(MeterSample(power_w=sum(p for p in powers if p is not None)))
