"""What every MQTT device adapter offers the bridge, what it may ask of ampshare, and the
router that hands each message to the devices whose topics it matches."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Protocol

import aiomqtt

from ampshare.control.readings import ChargerReading, MeterSample
from ampshare.devices.interfaces import ChargerLink
from ampshare.devices.mqtt.errors import PayloadError
from ampshare.devices.mqtt.payloads import RejectedPayloads

logger = logging.getLogger(__name__)


class DevicePort(Protocol):
    """The part of SiteRuntime (ampshare's LoopPort and more) that MQTT devices use."""

    def attach(self, charger_id: str, link: ChargerLink, lease_s: float | None) -> None: ...
    def detach(self, charger_id: str, link: ChargerLink) -> None: ...
    def charger_reading(self, charger_id: str, reading: ChargerReading) -> None: ...
    def meter_sample(self, meter_id: str, sample: MeterSample) -> None: ...
    def meter_lost(self, meter_id: str) -> None: ...
    def set_paused(self, charger_id: str, paused: bool) -> None: ...
    def set_priority(self, charger_id: str, priority: int) -> None: ...
    def now_s(self) -> float: ...


class Device(Protocol):
    name: str  # "charger 'left'", "meter 'house'": how logs and the state name it

    def topics(self) -> list[str]:
        """The topic filters it reads."""

    def connected(self) -> None:
        """A broker connection is up and not yet subscribed: forget what was heard before
        (state is read anew) and ask devices that can be asked for their state."""

    def handle(self, topic: str, payload: bytes, retained: bool) -> None:
        """One message on one of its topics; PayloadError if it does not read."""

    def lost(self) -> None:
        """The broker is gone: what the device said can no longer be trusted to be current."""


class Router:
    """Hands each message to every device one of whose filters matches its topic, and keeps
    a device's bad payloads and failures from reaching anything else."""

    def __init__(self, devices: Iterable[Device], rejected: RejectedPayloads) -> None:
        self.devices = list(devices)
        self.rejected = rejected
        self._filters = [(aiomqtt.Wildcard(f), d) for d in self.devices for f in d.topics()]

    def filters(self) -> list[str]:
        return sorted({wildcard.value for wildcard, _ in self._filters})

    def dispatch(self, message: aiomqtt.Message) -> None:
        topic = message.topic
        payload = message.payload
        if not isinstance(payload, bytes):  # aiomqtt gives bytes for received messages
            payload = str(payload).encode()
        for wildcard, device in self._filters:
            if not topic.matches(wildcard):
                continue
            try:
                device.handle(topic.value, payload, bool(message.retain))
            except PayloadError as exc:
                self.rejected.reject(device.name, topic.value, payload, exc)
            except Exception:
                # a bug in one adapter must not stop ampshare hearing every other device
                logger.exception("%s: failed on a message on %s", device.name, topic.value)
