"""A simulated OCPP 2.0.1 charging station (one EVSE, one connector), written with the ocpp
package's client side: BootNotification, StatusNotification, TransactionEvent Started/
Updated/Ended with MeterValues, NotifyEVChargingNeeds, and charging profiles kept as 2.0.1
says. With the 2.1 modules it speaks 2.1 and honours maxOfflineDuration."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from ocpp.v21 import call as call21
from ocpp.v21 import call_result as call_result21
from ocpp.v201 import ChargePoint, call, call_result

from ampshare.sim.ocpp.client import on
from ampshare.sim.ocpp.profile_store import parse_profile
from ampshare.sim.ocpp.station import Received, Station


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class SimChargePoint201(ChargePoint):  # type: ignore[misc]  # the ocpp package is untyped
    calls: Any = call
    results: Any = call_result

    def __init__(self, station: Station, connection: Any) -> None:
        super().__init__(station.charger_id, connection)
        self.station = station
        variables = station.variables
        variables.setdefault(("SampledDataCtrlr", "TxUpdatedInterval"), "60")
        variables.setdefault(
            ("SampledDataCtrlr", "TxUpdatedMeasurands"), "Energy.Active.Import.Register"
        )
        variables.setdefault(
            ("SmartChargingCtrlr", "ProfileStackLevel"), str(station.spec.max_stack_level)
        )
        variables.setdefault(
            ("SmartChargingCtrlr", "RateUnit"), ",".join(sorted(station.spec.rate_units))
        )
        self.heartbeat_interval_s = 300.0
        self.received = station.received
        self._seq_no = 0
        self._charging_state: str | None = None
        self._occupied: bool | None = None
        self.energy_wanted_wh: float | None = None
        self.departure: datetime | None = None

    @property
    def meter_interval_s(self) -> float:
        return float(self.station.variables[("SampledDataCtrlr", "TxUpdatedInterval")])

    # the CSMS asks ---------------------------------------------------------------------------

    @on("GetVariables")
    def on_get_variables(self, get_variable_data: list[dict[str, Any]], **kwargs: Any) -> Any:
        self.received.append(Received("GetVariables", {"get_variable_data": get_variable_data}))
        results = []
        for item in get_variable_data:
            key = (item["component"]["name"], item["variable"]["name"])
            value = self.station.variables.get(key)
            result = {
                "attribute_status": "Accepted" if value is not None else "UnknownVariable",
                "component": item["component"],
                "variable": item["variable"],
            }
            if value is not None:
                result["attribute_value"] = value
            results.append(result)
        return self.results.GetVariables(get_variable_result=results)

    @on("SetVariables")
    def on_set_variables(self, set_variable_data: list[dict[str, Any]], **kwargs: Any) -> Any:
        self.received.append(Received("SetVariables", {"set_variable_data": set_variable_data}))
        results = []
        for item in set_variable_data:
            key = (item["component"]["name"], item["variable"]["name"])
            writable = key[0] == "SampledDataCtrlr" or key in self.station.variables
            if writable and key[0] != "SmartChargingCtrlr":
                self.station.variables[key] = item["attribute_value"]
                status = "Accepted"
            else:
                status = "Rejected"
            results.append(
                {
                    "attribute_status": status,
                    "component": item["component"],
                    "variable": item["variable"],
                }
            )
        return self.results.SetVariables(set_variable_result=results)

    @on("SetChargingProfile")
    def on_set_charging_profile(
        self, evse_id: int, charging_profile: dict[str, Any], **kwargs: Any
    ) -> Any:
        self.received.append(Received("SetChargingProfile", charging_profile))
        if not self.station.spec.accepts_profiles:
            return self.results.SetChargingProfile(status="Rejected")
        profile = parse_profile(evse_id, charging_profile)
        status = self.station.store.install(profile, self.station.transaction_id)
        return self.results.SetChargingProfile(status=status)

    @on("ClearChargingProfile")
    def on_clear_charging_profile(self, **kwargs: Any) -> Any:
        self.received.append(Received("ClearChargingProfile", kwargs))
        criteria = kwargs.get("charging_profile_criteria") or {}
        found = self.station.store.clear(
            kwargs.get("charging_profile_id"),
            criteria.get("evse_id"),
            criteria.get("charging_profile_purpose"),
            criteria.get("stack_level"),
        )
        return self.results.ClearChargingProfile(status="Accepted" if found else "Unknown")

    @on("RequestStartTransaction")
    def on_request_start_transaction(
        self, id_token: dict[str, Any], remote_start_id: int, **kwargs: Any
    ) -> Any:
        self.received.append(Received("RequestStartTransaction", {"id_token": id_token, **kwargs}))
        ok = self.station.plugged and self.station.transaction_id is None
        self.station.pending_remote_start = id_token["id_token"] if ok else None
        return self.results.RequestStartTransaction(status="Accepted" if ok else "Rejected")

    # what the station sends ------------------------------------------------------------------

    async def boot(self) -> None:
        result = await self.call(
            self.calls.BootNotification(
                charging_station={"model": "SimStation 201", "vendor_name": "ampshare-sim"},
                reason="PowerUp",
            ),
            suppress=False,
        )
        self.heartbeat_interval_s = float(result.interval)
        self._occupied = None
        await self.report_status()

    async def heartbeat(self) -> None:
        await self.call(self.calls.Heartbeat(), suppress=False)

    async def report_status(self) -> None:
        occupied = self.station.plugged
        if occupied != self._occupied:
            self._occupied = occupied
            await self.call(
                self.calls.StatusNotification(
                    timestamp=_now_iso(),
                    connector_status="Occupied" if occupied else "Available",
                    evse_id=self.station.spec.connector_id,
                    connector_id=1,
                ),
                suppress=False,
            )

    async def _transaction_event(
        self, event_type: str, trigger: str, meter: bool = False, **extra: Any
    ) -> Any:
        station = self.station
        assert station.transaction_id is not None or "transaction_id" in extra
        info = {"transaction_id": extra.pop("transaction_id", station.transaction_id)}
        if self._charging_state is not None:
            info["charging_state"] = self._charging_state
        info.update(extra.pop("info", {}))
        payload: dict[str, Any] = {
            "event_type": event_type,
            "timestamp": _now_iso(),
            "trigger_reason": trigger,
            "seq_no": self._seq_no,
            "transaction_info": info,
            **extra,
        }
        self._seq_no += 1
        if meter:
            payload["meter_value"] = [self._meter_value()]
        return await self.call(self.calls.TransactionEvent(**payload), suppress=False)

    def _meter_value(self) -> dict[str, Any]:
        measurands = self.station.variables[("SampledDataCtrlr", "TxUpdatedMeasurands")]
        sampled = [
            {"value": value, "measurand": measurand, "unit_of_measure": {"unit": unit}}
            | ({"phase": phase} if phase else {})
            for measurand, phase, value, unit in self.station.samples(measurands)
        ]
        return {"timestamp": _now_iso(), "sampled_value": sampled}

    async def start_transaction(self, token: str, trigger: str) -> None:
        station = self.station
        transaction_id = uuid.uuid4().hex[:16]
        self._charging_state = "EVConnected"
        # the transaction is the charger's from the moment it sends Started: a TxProfile for it
        # may arrive before the answer is read
        station.start_transaction(transaction_id)
        station.finished = False
        result = await self._transaction_event(
            "Started",
            trigger,
            meter=True,
            transaction_id=transaction_id,
            evse={"id": station.spec.connector_id, "connector_id": 1},
            id_token={"id_token": token, "type": "ISO14443"},
        )
        info = result.id_token_info or {"status": "Accepted"}
        if info["status"] != "Accepted":
            station.end_transaction()
        elif self.energy_wanted_wh is not None:
            await self._charging_needs()

    async def _charging_needs(self) -> None:
        needs: dict[str, Any] = {
            "requested_energy_transfer": "AC_single_phase"
            if self.station.spec.phases == 1
            else "AC_three_phase",
            "ac_charging_parameters": {
                "energy_amount": int(self.energy_wanted_wh or 0),
                "ev_min_current": 6,
                "ev_max_current": int(self.station.spec.max_current_a),
                "ev_max_voltage": int(self.station.spec.voltage_v),
            },
        }
        if self.departure is not None:
            needs["departure_time"] = self.departure.isoformat().replace("+00:00", "Z")
        await self.call(
            self.calls.NotifyEVChargingNeeds(
                charging_needs=needs, evse_id=self.station.spec.connector_id
            ),
            suppress=False,
        )

    async def stop_transaction(self, trigger: str, reason: str) -> None:
        station = self.station
        if station.transaction_id is None:
            return
        self._charging_state = None
        await self._transaction_event("Ended", trigger, meter=True, info={"stopped_reason": reason})
        station.end_transaction()
        station.finished = True

    async def meter_values(self) -> None:
        if self.station.transaction_id is not None:
            await self._transaction_event("Updated", "MeterValuePeriodic", meter=True)

    async def plug_in(self) -> None:
        await self.report_status()
        await self.start_transaction(self.station.spec.token, "CablePluggedIn")

    async def unplug(self) -> None:
        await self.stop_transaction("EVCommunicationLost", "EVDisconnected")
        self.station.finished = False
        await self.report_status()

    async def step(self) -> None:
        station = self.station
        if station.spec.stop_on_zero and station.transaction_id and station.limit_a() == 0:
            await self.stop_transaction("ChargingRateChanged", "Other")
        if station.pending_remote_start is not None:
            token, station.pending_remote_start = station.pending_remote_start, None
            await self.start_transaction(token, "RemoteStart")
        if station.transaction_id is not None:
            state = station.charging_state()
            if state != self._charging_state:
                self._charging_state = state
                await self._transaction_event("Updated", "ChargingStateChanged")
        await self.report_status()


class SimChargePoint21(SimChargePoint201):
    calls = call21
    results = call_result21
    _call = call21
    _call_result = call_result21
    _ocpp_version = "2.1"
