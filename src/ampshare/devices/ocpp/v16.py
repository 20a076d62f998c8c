"""The central system's side of one OCPP 1.6J charger."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from ocpp.v16 import ChargePoint, call, call_result

from ampshare.devices.ocpp import framing, profiles
from ampshare.devices.ocpp.calls import accepted, checked_call, on
from ampshare.devices.ocpp.context import ServerContext
from ampshare.devices.ocpp.device import Capabilities
from ampshare.devices.ocpp.meter_values import parse_meter_values
from ampshare.devices.ocpp.profiles import ProfileSpec
from ampshare.devices.ocpp.session import ChargerSession
from ampshare.devices.ocpp.status import car_16
from ampshare.domain import CarState

logger = logging.getLogger(__name__)

_RATE_UNITS = {"Current": "A", "Power": "W"}


class Csms16(ChargePoint):  # type: ignore[misc]  # the ocpp package is untyped
    def __init__(
        self, connection: Any, session: ChargerSession, context: ServerContext, timeout_s: float
    ) -> None:
        super().__init__(session.charger_id, connection, response_timeout=timeout_s)
        self.session = session
        self.context = context
        # called once the charger's first message is answered: it is up, ampshare may ask
        self.on_spoken: Callable[[], None] = lambda: None

    @property
    def _connector(self) -> int:
        return self.session.setup.ocpp.connector_id

    async def route_message(self, raw_msg: str | bytes) -> None:
        await framing.route_frame(self, raw_msg, "1.6", self.id)
        self.on_spoken()

    # what the charger sends ------------------------------------------------------------------

    @on("BootNotification")
    def on_boot_notification(
        self, charge_point_vendor: str, charge_point_model: str, **kwargs: Any
    ) -> Any:
        logger.info(
            "charger %s booted: %s %s, firmware %s",
            self.id,
            charge_point_vendor,
            charge_point_model,
            kwargs.get("firmware_version", "?"),
        )
        return call_result.BootNotification(
            current_time=self.context.now_iso(),
            interval=self.context.heartbeat_interval_s,
            status="Accepted",
        )

    @on("Heartbeat")
    def on_heartbeat(self) -> Any:
        self.session.report()  # an idle charger says it is there
        return call_result.Heartbeat(current_time=self.context.now_iso())

    @on("StatusNotification")
    def on_status_notification(
        self, connector_id: int, error_code: str, status: str, **kwargs: Any
    ) -> Any:
        if error_code != "NoError":
            logger.warning(
                "charger %s connector %d: %s (%s)", self.id, connector_id, status, error_code
            )
        if connector_id == self._connector:
            car = car_16(status)
            if car is None:
                logger.warning("charger %s: unknown status %r: ignored", self.id, status)
            else:
                self.session.set_car(car)
                self.session.report()
        return call_result.StatusNotification()

    @on("Authorize")
    def on_authorize(self, id_tag: str, **kwargs: Any) -> Any:
        return call_result.Authorize(id_tag_info=self._tag_info(id_tag))

    @on("StartTransaction")
    def on_start_transaction(
        self, connector_id: int, id_tag: str, meter_start: int, timestamp: str, **kwargs: Any
    ) -> Any:
        transaction_id = self.context.next_id()
        info = self._tag_info(id_tag)
        if connector_id == self._connector and info["status"] == "Accepted":
            self.session.start_transaction(str(transaction_id), float(meter_start))
            if self.session.car is CarState.NONE:
                self.session.set_car(CarState.CONNECTED)
            self.session.report()
        return call_result.StartTransaction(transaction_id=transaction_id, id_tag_info=info)

    @on("StopTransaction")
    def on_stop_transaction(
        self, meter_stop: int, timestamp: str, transaction_id: int, **kwargs: Any
    ) -> Any:
        if self.session.transaction_id == str(transaction_id):
            self.session.end_transaction()
        id_tag = kwargs.get("id_tag")
        info = None if id_tag is None else self._tag_info(id_tag)
        return call_result.StopTransaction(id_tag_info=info)

    @on("MeterValues")
    def on_meter_values(self, connector_id: int, meter_value: list[Any], **kwargs: Any) -> Any:
        if connector_id == self._connector:
            self.session.measure(parse_meter_values(meter_value))
        return call_result.MeterValues()

    def _tag_info(self, id_tag: str) -> dict[str, str]:
        if self.context.authorized(id_tag):
            return {"status": "Accepted"}
        logger.warning("charger %s: token %r is not authorised", self.id, id_tag)
        return {"status": "Invalid"}

    # what ampshare asks (Device) -------------------------------------------------------------

    async def configure_meter_values(self, interval_s: int, measurands: str) -> None:
        for key, value in (
            ("MeterValueSampleInterval", str(interval_s)),
            ("MeterValuesSampledData", measurands),
        ):
            result = await checked_call(self, call.ChangeConfiguration(key=key, value=value))
            accepted(f"ChangeConfiguration {key}", result.status, "RebootRequired")

    async def read_capabilities(self) -> Capabilities:
        keys = ["ChargeProfileMaxStackLevel", "ChargingScheduleAllowedChargingRateUnit"]
        result = await checked_call(self, call.GetConfiguration(key=keys))
        found = {item.get("key"): item.get("value") for item in result.configuration_key or []}
        level = found.get("ChargeProfileMaxStackLevel")
        units = found.get("ChargingScheduleAllowedChargingRateUnit")
        return Capabilities(
            max_stack_level=int(level) if isinstance(level, str) and level.isdigit() else None,
            rate_units=None
            if not isinstance(units, str)
            else frozenset(
                _RATE_UNITS[u.strip()] for u in units.split(",") if u.strip() in _RATE_UNITS
            ),
        )

    async def set_profile(self, connector_id: int, spec: ProfileSpec) -> None:
        payload = call.SetChargingProfile(
            connector_id=connector_id, cs_charging_profiles=profiles.profile_16(spec)
        )
        result = await checked_call(self, payload)
        accepted(f"SetChargingProfile {spec.kind.value}", result.status)

    async def clear_profile(self, profile_id: int) -> None:
        result = await checked_call(self, call.ClearChargingProfile(id=profile_id))
        accepted("ClearChargingProfile", result.status, "Unknown")

    async def remote_start(self, connector_id: int) -> None:
        payload = call.RemoteStartTransaction(id_tag="ampshare", connector_id=connector_id)
        result = await checked_call(self, payload)
        accepted("RemoteStartTransaction", result.status)


def _rate_units(text: str) -> frozenset[str]:
    """ "Current,Power" -> {"A", "W"}."""
    words = (word.strip() for word in text.split(","))
    return frozenset(_RATE_UNITS[word] for word in words if word in _RATE_UNITS)
