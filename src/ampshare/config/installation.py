"""A site and how ampshare reaches its devices: what `ampshare serve` runs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ampshare.config.mqtt_schema import MqttTable
from ampshare.config.ocpp_schema import OcppTable
from ampshare.config.site_schema import ChargerEntry, MeterEntry
from ampshare.domain import Site


@dataclass(frozen=True)
class Installation:
    site: Site
    ocpp: OcppTable | None  # None: the file has no [ocpp] table (defaults apply)
    mqtt: MqttTable | None  # None: no broker
    # each charger's and meter's entry as written, with its protocol and device table
    chargers: Mapping[str, ChargerEntry]
    meters: Mapping[str, MeterEntry]

    def chargers_on(self, *protocols: str) -> list[ChargerEntry]:
        return [entry for entry in self.chargers.values() if entry.protocol in protocols]

    def meters_on(self, *protocols: str) -> list[MeterEntry]:
        return [entry for entry in self.meters.values() if entry.protocol in protocols]
