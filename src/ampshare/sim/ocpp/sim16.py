"""A simulated OCPP 1.6J charge point, written with the ocpp package's client side: it boots,
reports its connector's status, starts and stops transactions, sends MeterValues as it is
configured to, and keeps its charging profiles as 1.6 says."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from ocpp.v16 import ChargePoint, call, call_result

from ampshare.sim.ocpp.client import on
from ampshare.sim.ocpp.profile_store import parse_profile
from ampshare.sim.ocpp.station import Received, Station

logger = logging.getLogger(__name__)

_STATUS_16 = {
    "Charging": "Charging",
    "SuspendedEV": "SuspendedEV",
    "SuspendedEVSE": "SuspendedEVSE",
    "EVConnected": "Charging",  # in a transaction the car is about to draw
}


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class SimChargePoint16(ChargePoint):  # type: ignore[misc]  # the ocpp package is untyped
    def __init__(self, station: Station, connection: Any) -> None:
        super().__init__(station.charger_id, connection)
        self.station = station
        self.config = station.config
        self.config.setdefault("MeterValueSampleInterval", "60")
        self.config.setdefault("MeterValuesSampledData", "Energy.Active.Import.Register")
        self.config.setdefault("ChargeProfileMaxStackLevel", str(station.spec.max_stack_level))
        units = {"A": "Current", "W": "Power"}
        self.config.setdefault(
            "ChargingScheduleAllowedChargingRateUnit",
            ",".join(units[u] for u in sorted(station.spec.rate_units)),
        )
        self.heartbeat_interval_s = 300.0
        self.status: str | None = None
        self.received = station.received

    async def route_message(self, raw_msg: str) -> None:
        """A real charger takes its transaction id as StartTransaction.conf arrives, before the
        next frame: a TxProfile for the transaction may follow at once. (The ocpp package hands
        the answer to the caller later, after routing whatever came next.)"""
        self._take_transaction_id(raw_msg)
        await super().route_message(raw_msg)

    def _take_transaction_id(self, raw_msg: str) -> None:
        try:
            frame = json.loads(raw_msg)
        except ValueError:
            return  # the ocpp package answers what does not parse
        if not (isinstance(frame, list) and len(frame) == 3 and frame[0] == 3):
            return
        payload = frame[2]
        if not isinstance(payload, dict) or "transactionId" not in payload:
            return  # only StartTransaction.conf carries a transactionId and idTagInfo
        accepted = (payload.get("idTagInfo") or {}).get("status") == "Accepted"
        station = self.station
        if accepted and station.plugged and station.transaction_id is None:
            station.start_transaction(str(payload["transactionId"]))
            station.finished = False

    @property
    def meter_interval_s(self) -> float:
        return float(self.config["MeterValueSampleInterval"])

    # the central system asks -----------------------------------------------------------------

    @on("GetConfiguration")
    def on_get_configuration(self, key: list[str] | None = None, **kwargs: Any) -> Any:
        self.received.append(Received("GetConfiguration", {"key": key}))
        wanted = key or list(self.config)
        known = [
            {"key": k, "readonly": k.startswith("Charge"), "value": self.config[k]}
            for k in wanted
            if k in self.config
        ]
        unknown = [k for k in wanted if k not in self.config]
        return call_result.GetConfiguration(configuration_key=known, unknown_key=unknown or None)

    @on("ChangeConfiguration")
    def on_change_configuration(self, key: str, value: str, **kwargs: Any) -> Any:
        self.received.append(Received("ChangeConfiguration", {"key": key, "value": value}))
        if key.startswith("Charge"):
            return call_result.ChangeConfiguration(status="Rejected")  # read-only
        self.config[key] = value
        return call_result.ChangeConfiguration(status="Accepted")

    @on("SetChargingProfile")
    def on_set_charging_profile(
        self, connector_id: int, cs_charging_profiles: dict[str, Any], **kwargs: Any
    ) -> Any:
        self.received.append(Received("SetChargingProfile", cs_charging_profiles))
        if not self.station.spec.accepts_profiles:
            return call_result.SetChargingProfile(status="Rejected")
        profile = parse_profile(connector_id, cs_charging_profiles)
        status = self.station.store.install(profile, self.station.transaction_id)
        return call_result.SetChargingProfile(status=status)

    @on("ClearChargingProfile")
    def on_clear_charging_profile(self, **kwargs: Any) -> Any:
        self.received.append(Received("ClearChargingProfile", kwargs))
        found = self.station.store.clear(
            kwargs.get("id"),
            kwargs.get("connector_id"),
            kwargs.get("charging_profile_purpose"),
            kwargs.get("stack_level"),
        )
        return call_result.ClearChargingProfile(status="Accepted" if found else "Unknown")

    @on("RemoteStartTransaction")
    def on_remote_start_transaction(self, id_tag: str, **kwargs: Any) -> Any:
        self.received.append(Received("RemoteStartTransaction", {"id_tag": id_tag, **kwargs}))
        ok = self.station.plugged and self.station.transaction_id is None
        self.station.pending_remote_start = id_tag if ok else None
        return call_result.RemoteStartTransaction(status="Accepted" if ok else "Rejected")

    # what the charge point sends -------------------------------------------------------------

    async def boot(self) -> None:
        result = await self.call(
            call.BootNotification(
                charge_point_model="SimBox 16", charge_point_vendor="ampshare-sim"
            ),
            suppress=False,
        )
        self.heartbeat_interval_s = float(result.interval)
        await self._status(0, "Available")
        await self.report_status()

    async def heartbeat(self) -> None:
        await self.call(call.Heartbeat(), suppress=False)

    async def _status(self, connector_id: int, status: str) -> None:
        await self.call(
            call.StatusNotification(
                connector_id=connector_id,
                error_code="NoError",
                status=status,
                timestamp=_now_iso(),
            ),
            suppress=False,
        )

    def current_status(self) -> str:
        station = self.station
        if not station.plugged:
            return "Available"
        if station.transaction_id is None:
            return "Finishing" if station.finished else "Preparing"
        return _STATUS_16[station.charging_state()]

    async def report_status(self) -> None:
        status = self.current_status()
        if status != self.status:
            self.status = status
            await self._status(self.station.spec.connector_id, status)

    async def start_transaction(self, id_tag: str) -> None:
        station = self.station
        result = await self.call(
            call.StartTransaction(
                connector_id=station.spec.connector_id,
                id_tag=id_tag,
                meter_start=int(station.meter_wh()),
                timestamp=_now_iso(),
            ),
            suppress=False,
        )
        transaction_id = str(result.transaction_id)
        if result.id_tag_info["status"] == "Accepted" and station.transaction_id != transaction_id:
            station.start_transaction(transaction_id)  # route_message took it as it arrived
            station.finished = False
        await self.report_status()

    async def stop_transaction(self, reason: str) -> None:
        station = self.station
        transaction_id = station.transaction_id
        if transaction_id is None:
            return
        station.end_transaction()
        station.finished = True
        await self.call(
            call.StopTransaction(
                meter_stop=int(station.meter_wh()),
                timestamp=_now_iso(),
                transaction_id=int(transaction_id),
                reason=reason,
            ),
            suppress=False,
        )

    async def meter_values(self) -> None:
        station = self.station
        if station.transaction_id is None:
            return
        sampled = [
            {
                "value": f"{value:g}",
                "measurand": measurand,
                "unit": unit,
                "context": "Sample.Periodic",
            }
            | ({"phase": phase} if phase else {})
            for measurand, phase, value, unit in station.samples(
                self.config["MeterValuesSampledData"]
            )
        ]
        await self.call(
            call.MeterValues(
                connector_id=station.spec.connector_id,
                transaction_id=int(station.transaction_id),
                meter_value=[{"timestamp": _now_iso(), "sampled_value": sampled}],
            ),
            suppress=False,
        )

    async def plug_in(self) -> None:
        await self.report_status()  # Preparing
        await self.start_transaction(self.station.spec.token)

    async def unplug(self) -> None:
        await self.stop_transaction("EVDisconnected")
        self.station.finished = False
        await self.report_status()

    async def step(self) -> None:
        """The charger's own reactions: a quirky one ends its transaction at 0 A; a remote
        start begins one; a change of what the car does is reported."""
        station = self.station
        if station.spec.stop_on_zero and station.transaction_id and station.limit_a() == 0:
            await self.stop_transaction("Other")
        if station.pending_remote_start is not None:
            token, station.pending_remote_start = station.pending_remote_start, None
            await self.start_transaction(token)
        await self.report_status()
