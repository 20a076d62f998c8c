"""The central system's side of one OCPP 2.0.1 charger (and, with the 2.1 modules, of a 2.1
one, whose offers carry maxOfflineDuration)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from ocpp.v21 import call as call21
from ocpp.v21 import call_result as call_result21
from ocpp.v201 import ChargePoint, call, call_result

from ampshare.devices.ocpp import framing, profiles
from ampshare.devices.ocpp.calls import accepted, checked_call, on
from ampshare.devices.ocpp.context import ServerContext
from ampshare.devices.ocpp.device import Capabilities
from ampshare.devices.ocpp.meter_values import parse_meter_values
from ampshare.devices.ocpp.profiles import ProfileSpec
from ampshare.devices.ocpp.session import ChargerSession
from ampshare.devices.ocpp.status import car_201

logger = logging.getLogger(__name__)


def _variable(component: str, variable: str, value: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"component": {"name": component}, "variable": {"name": variable}}
    if value is not None:
        item["attribute_value"] = value
    return item


class Csms201(ChargePoint):  # type: ignore[misc]  # the ocpp package is untyped
    version = "2.0.1"
    calls: Any = call
    results: Any = call_result

    def __init__(
        self, connection: Any, session: ChargerSession, context: ServerContext, timeout_s: float
    ) -> None:
        super().__init__(session.charger_id, connection, response_timeout=timeout_s)
        self.session = session
        self.context = context
        self.on_spoken: Callable[[], None] = lambda: None
        self._occupied = False
        self._charging_state: str | None = None
        self._finished = False  # its transaction ended while the car stays plugged in

    @property
    def _evse(self) -> int:
        return self.session.setup.ocpp.connector_id

    async def route_message(self, raw_msg: str | bytes) -> None:
        await framing.route_frame(self, raw_msg, self.version, self.id)
        self.on_spoken()

    def _update_car(self) -> None:
        in_transaction = self.session.transaction_id is not None
        car = car_201(self._occupied, self._charging_state, in_transaction, self._finished)
        self.session.set_car(car)

    # what the charger sends ------------------------------------------------------------------

    @on("BootNotification")
    def on_boot_notification(
        self, charging_station: dict[str, Any], reason: str, **kwargs: Any
    ) -> Any:
        logger.info(
            "charger %s booted (%s): %s %s, firmware %s",
            self.id,
            reason,
            charging_station.get("vendor_name"),
            charging_station.get("model"),
            charging_station.get("firmware_version", "?"),
        )
        return self.results.BootNotification(
            current_time=self.context.now_iso(),
            interval=self.context.heartbeat_interval_s,
            status="Accepted",
        )

    @on("Heartbeat")
    def on_heartbeat(self, **kwargs: Any) -> Any:
        self.session.report()
        return self.results.Heartbeat(current_time=self.context.now_iso())

    @on("StatusNotification")
    def on_status_notification(
        self, timestamp: str, connector_status: str, evse_id: int, connector_id: int, **kwargs: Any
    ) -> Any:
        if evse_id == self._evse:
            self._occupied = connector_status == "Occupied"
            if not self._occupied:
                self._finished = False
            if connector_status == "Faulted":
                logger.warning("charger %s EVSE %d is faulted", self.id, evse_id)
            self._update_car()
            self.session.report()
        return self.results.StatusNotification()

    @on("Authorize")
    def on_authorize(self, id_token: dict[str, Any], **kwargs: Any) -> Any:
        return self.results.Authorize(id_token_info=self._token_info(id_token))

    @on("TransactionEvent")
    def on_transaction_event(
        self,
        event_type: str,
        timestamp: str,
        trigger_reason: str,
        seq_no: int,
        transaction_info: dict[str, Any],
        **kwargs: Any,
    ) -> Any:
        evse = kwargs.get("evse")
        id_token = kwargs.get("id_token")
        info = None if id_token is None else self._token_info(id_token)
        transaction_id = str(transaction_info["transaction_id"])
        session = self.session
        ours = (evse or {}).get("id", self._evse) == self._evse and (
            session.transaction_id in (None, transaction_id)
        )
        if not ours:
            return self.results.TransactionEvent(id_token_info=info)
        if event_type == "Ended":
            session.end_transaction()
            self._charging_state = None
            self._finished = self._occupied
        elif session.transaction_id is None:
            session.start_transaction(transaction_id, None)
            self._occupied = True
            self._finished = False
        self._charging_state = transaction_info.get("charging_state", self._charging_state)
        cable_max_a = kwargs.get("cable_max_current")
        if isinstance(cable_max_a, int | float) and session.ev_max_a is None:
            session.ev_max_a = float(cable_max_a)
        self._update_car()
        meter_value = kwargs.get("meter_value")
        if meter_value:
            session.measure(parse_meter_values(meter_value))
        else:
            session.report()
        return self.results.TransactionEvent(id_token_info=info)

    @on("MeterValues")
    def on_meter_values(self, evse_id: int, meter_value: list[Any], **kwargs: Any) -> Any:
        if evse_id == self._evse:
            self.session.measure(parse_meter_values(meter_value))
        return self.results.MeterValues()

    @on("NotifyEVChargingNeeds")
    def on_notify_ev_charging_needs(
        self, charging_needs: dict[str, Any], evse_id: int, **kwargs: Any
    ) -> Any:
        if evse_id == self._evse:
            ac = charging_needs.get("ac_charging_parameters") or {}
            dc = charging_needs.get("dc_charging_parameters") or {}
            parameters = ac or dc
            departure = charging_needs.get("departure_time")
            try:
                departs = None if departure is None else datetime.fromisoformat(departure)
            except ValueError:
                logger.warning("charger %s: departureTime %r unreadable", self.id, departure)
                departs = None
            wanted = parameters.get("energy_amount")
            max_a = parameters.get("ev_max_current")
            self.session.charging_needs(
                None if max_a is None else float(max_a),
                departs,
                None if wanted is None else float(wanted),
            )
        return self.results.NotifyEVChargingNeeds(status="Accepted")

    def _token_info(self, id_token: dict[str, Any]) -> dict[str, str]:
        token = str(id_token.get("id_token", ""))
        if self.context.authorized(token):
            return {"status": "Accepted"}
        logger.warning("charger %s: token %r is not authorised", self.id, token)
        return {"status": "Invalid"}

    # what ampshare asks (Device) -------------------------------------------------------------

    async def configure_meter_values(self, interval_s: int, measurands: str) -> None:
        data = [
            _variable("SampledDataCtrlr", "TxUpdatedInterval", str(interval_s)),
            _variable("SampledDataCtrlr", "TxUpdatedMeasurands", measurands),
        ]
        result = await checked_call(self, self.calls.SetVariables(set_variable_data=data))
        for item in result.set_variable_result:
            name = item.get("variable", {}).get("name")
            accepted(f"SetVariables {name}", item.get("attribute_status"), "RebootRequired")

    async def read_capabilities(self) -> Capabilities:
        data = [
            _variable("SmartChargingCtrlr", "ProfileStackLevel"),
            _variable("SmartChargingCtrlr", "RateUnit"),
        ]
        result = await checked_call(self, self.calls.GetVariables(get_variable_data=data))
        found = {
            item.get("variable", {}).get("name"): item.get("attribute_value")
            for item in result.get_variable_result
            if item.get("attribute_status") == "Accepted"
        }
        level, units = found.get("ProfileStackLevel"), found.get("RateUnit")
        return Capabilities(
            max_stack_level=int(level) if isinstance(level, str) and level.isdigit() else None,
            rate_units=None
            if not isinstance(units, str)
            else frozenset(u.strip() for u in units.split(",") if u.strip() in ("A", "W")),
        )

    async def set_profile(self, connector_id: int, spec: ProfileSpec) -> None:
        payload = self.calls.SetChargingProfile(
            evse_id=connector_id, charging_profile=profiles.profile_201(spec)
        )
        result = await checked_call(self, payload)
        accepted(f"SetChargingProfile {spec.kind.value}", result.status)

    async def clear_profile(self, profile_id: int) -> None:
        payload = self.calls.ClearChargingProfile(charging_profile_id=profile_id)
        result = await checked_call(self, payload)
        accepted("ClearChargingProfile", result.status, "Unknown")

    async def remote_start(self, connector_id: int) -> None:
        payload = self.calls.RequestStartTransaction(
            id_token={"id_token": "ampshare", "type": "Central"},
            remote_start_id=self.context.next_id(),
            evse_id=connector_id,
        )
        result = await checked_call(self, payload)
        accepted("RequestStartTransaction", result.status)


class Csms21(Csms201):
    """OCPP 2.1: the same messages ampshare uses, and maxOfflineDuration."""

    version = "2.1"
    calls = call21
    results = call_result21
    _call = call21
    _call_result = call_result21
    _ocpp_version = "2.1"
