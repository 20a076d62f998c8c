"""The chargers the OCPP server knows: the site's, those registered while running, and the
retired ones; and how each is set up (ChargerSetup)."""

from __future__ import annotations

from dataclasses import dataclass

from ampshare.config import Installation
from ampshare.config.ocpp_schema import OcppChargerTable, OcppTable
from ampshare.control.settings import LoopSettings
from ampshare.devices.ocpp.auth import Role
from ampshare.devices.ocpp.session import ChargerSetup
from ampshare.domain import Charger, Site

OCPP_PROTOCOLS = ("ocpp1.6", "ocpp2.0.1")


@dataclass(frozen=True)
class Known:
    role: Role
    protocols: tuple[str, ...]  # the subprotocols it may speak, preferred first
    password_hash: str | None
    setup: ChargerSetup | None  # None for a retired charger and a new one


def watts_per_amp(site: Site, charger: Charger, nominal_voltage_v: float | None) -> float:
    """Watts per amp of offer: the supply's voltage times the lines the charger draws on."""
    connection = site.supply_connection(charger)
    if nominal_voltage_v is not None:
        phases = 3 if connection is not None and connection.is_three_phase else 1
        return nominal_voltage_v * phases
    if connection is None:
        return site.voltage_v
    return connection.watts_per_amp(site.voltage_v)


class Registry:
    def __init__(self, installation: Installation, settings: LoopSettings) -> None:
        self.table = installation.ocpp or OcppTable()
        self.settings = settings
        self._known: dict[str, Known] = {}
        for entry in installation.chargers_on(*OCPP_PROTOCOLS):
            ocpp = entry.ocpp or OcppChargerTable()
            protocols: tuple[str, ...] = (str(entry.protocol),)
            if ocpp.supports_max_offline_duration:
                protocols = ("ocpp2.1", *protocols)
            charger = installation.site.chargers_by_id[entry.id]
            self._known[entry.id] = Known(
                Role.MANAGED,
                protocols,
                ocpp.password_hash,
                self.setup(installation.site, charger, ocpp),
            )
        for retired in self.table.retired_chargers:
            self._known[retired.id] = Known(
                Role.RETIRED, OCPP_PROTOCOLS, retired.password_hash, None
            )

    def setup(self, site: Site, charger: Charger, ocpp: OcppChargerTable) -> ChargerSetup:
        settings = self.settings
        return ChargerSetup(
            charger=charger,
            ocpp=ocpp,
            watts_per_amp=watts_per_amp(site, charger, ocpp.nominal_voltage_v),
            lease_s=settings.lease_s if ocpp.profiles_expire else None,
            lease_refresh_s=settings.lease_refresh_s,
            keepalive_s=settings.charger_timeout_s / 3,
        )

    def lookup(self, charger_id: str) -> Known | None:
        known = self._known.get(charger_id)
        if known is not None or self.table.auto_register_circuit is None:
            return known
        return Known(
            Role.NEW,
            ("ocpp2.0.1", "ocpp1.6"),
            self.table.auto_register_password_hash,
            None,
        )

    def new_charger(self, charger_id: str) -> Charger:
        table = self.table
        assert table.auto_register_circuit is not None
        return Charger(
            id=charger_id,
            circuit=table.auto_register_circuit,
            max_current_a=table.auto_register_max_current_a,
            fallback_current_a=table.auto_register_fallback_current_a,
            start_current_a=table.auto_register_start_current_a,
        )

    def registered(self, charger_id: str, protocol: str, setup: ChargerSetup) -> None:
        """A new charger joined the site: from now on it is one of the site's."""
        self._known[charger_id] = Known(
            Role.MANAGED, (protocol,), self.table.auto_register_password_hash, setup
        )
