"""The adapters `ampshare serve` runs for an installation: one per protocol family in use."""

from __future__ import annotations

from typing import Protocol

from ampshare.config import Installation
from ampshare.devices.ocpp.server import OcppServer
from ampshare.runtime.site_runtime import SiteRuntime


class Adapter(Protocol):
    """A protocol family's side of the server (the OCPP endpoint, the MQTT bridge)."""

    name: str

    async def run(self) -> None:
        """Serve until cancelled; recover from device and network failures by itself."""


def build_adapters(installation: Installation, runtime: SiteRuntime) -> list[Adapter]:
    adapters: list[Adapter] = []
    ocpp = installation.chargers_on("ocpp1.6", "ocpp2.0.1")
    if ocpp or (installation.ocpp is not None and installation.ocpp.auto_register_circuit):
        adapters.append(OcppServer(installation, runtime))
    if installation.mqtt is not None:
        from ampshare.devices.mqtt import MqttBridge  # noqa: PLC0415 (only sites with a broker)

        adapters.append(MqttBridge(installation, installation.mqtt, runtime))
    return adapters
