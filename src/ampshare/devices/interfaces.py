"""The two small interfaces between the control loop and devices.

Devices speak to the loop through a LoopPort (readings and events in); the loop speaks to a
charger through its ChargerLink (commands out). A meter only speaks. Every adapter (OCPP,
OpenEVSE, Shelly, generic MQTT) and the simulator's devices sit behind these two."""

from __future__ import annotations

from typing import Protocol

from ampshare.control.readings import ChargerReading, Command, MeterSample


class ChargerLink(Protocol):
    """The way to one connected charger."""

    def deliver(self, command: Command) -> None:
        """Hand the command to the device. Must not block: the adapter queues it and sends
        commands in the order given (the loop relies on cuts arriving before raises). If the
        device refuses the offer, the adapter calls LoopPort.offer_refused."""


class LoopPort(Protocol):
    """What an adapter tells ampshare. Times are taken from the runtime's clock."""

    def attach(self, charger_id: str, link: ChargerLink, lease_s: float | None) -> None:
        """The charger is reachable through link; its offers lapse lease_s after the last
        command (None: they never lapse by themselves)."""

    def detach(self, charger_id: str, link: ChargerLink) -> None:
        """The connection is gone: the charger counts as offline from now on."""

    def charger_reading(self, charger_id: str, reading: ChargerReading) -> None: ...

    def meter_sample(self, meter_id: str, sample: MeterSample) -> None: ...

    def offer_refused(self, charger_id: str, offer_a: float) -> None:
        """The charger did not take the offer: count it at its worst case until it does."""
