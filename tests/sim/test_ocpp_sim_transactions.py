"""The simulated 1.6 charge point knows its transaction as StartTransaction.conf arrives, as a
real one does: a TxProfile the central system sends right after the answer is taken, not
rejected for a transaction the charger has not heard of yet."""

from __future__ import annotations

import asyncio
import contextlib
import json
from datetime import UTC, datetime
from typing import Any

from ocpp.v16 import ChargePoint, call, call_result
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from ampshare.devices.ocpp.calls import after
from ampshare.sim.car import CarModel
from ampshare.sim.ocpp import SimulatedChargePoint, StationSpec
from ampshare.sim.ocpp.client import on

TRANSACTION_ID = 4711


class CentralSystem(ChargePoint):  # type: ignore[misc]  # the ocpp package is untyped
    """The least a central system does, and a TxProfile the instant a transaction starts."""

    def __init__(self, charger_id: str, connection: Any) -> None:
        super().__init__(charger_id, connection)
        self.answers: list[str] = []

    @on("BootNotification")
    def on_boot(self, **kwargs: Any) -> Any:
        now = datetime.now(UTC).isoformat()
        return call_result.BootNotification(current_time=now, interval=300, status="Accepted")

    @on("StatusNotification")
    def on_status(self, **kwargs: Any) -> Any:
        return call_result.StatusNotification()

    @on("MeterValues")
    def on_meter_values(self, **kwargs: Any) -> Any:
        return call_result.MeterValues()

    @on("Heartbeat")
    def on_heartbeat(self) -> Any:
        return call_result.Heartbeat(current_time=datetime.now(UTC).isoformat())

    @on("StartTransaction")
    def on_start(self, **kwargs: Any) -> Any:
        return call_result.StartTransaction(
            transaction_id=TRANSACTION_ID, id_tag_info={"status": "Accepted"}
        )

    @after("StartTransaction")
    async def offer_at_once(self, **kwargs: Any) -> None:
        profile = {
            "charging_profile_id": 7,
            "transaction_id": TRANSACTION_ID,
            "stack_level": 2,
            "charging_profile_purpose": "TxProfile",
            "charging_profile_kind": "Absolute",
            "charging_schedule": {
                "charging_rate_unit": "A",
                "charging_schedule_period": [{"start_period": 0, "limit": 10.0}],
            },
        }
        result = await self.call(
            call.SetChargingProfile(connector_id=1, cs_charging_profiles=profile), suppress=False
        )
        self.answers.append(result.status)


async def test_a_tx_profile_sent_right_after_start_transaction_conf_is_accepted() -> None:
    systems: list[CentralSystem] = []

    async def handler(connection: ServerConnection) -> None:
        system = CentralSystem("cp", connection)
        systems.append(system)
        with contextlib.suppress(ConnectionClosed):
            await system.start()

    async with serve(handler, "127.0.0.1", 0, subprotocols=["ocpp1.6"]) as server:  # type: ignore[list-item]
        port = server.sockets[0].getsockname()[1]
        sim = SimulatedChargePoint(
            f"ws://127.0.0.1:{port}", "cp", "ocpp1.6", StationSpec(max_current_a=32)
        )
        async with sim:
            await sim.plug_in(CarModel(battery_wh=60_000, max_current_a=32), 30_000)
            for _ in range(200):
                if systems and systems[0].answers:
                    break
                await asyncio.sleep(0.01)
            assert systems[0].answers == ["Accepted"]
            assert sim.station.transaction_id == str(TRANSACTION_ID)
            assert sim.station.limit_a() == 10.0


async def test_back_to_back_frames_conf_then_tx_profile_the_profile_is_taken() -> None:
    """The frames as they arrive under load: StartTransaction.conf and, in the same read, the
    TxProfile, routed before the caller of StartTransaction has resumed."""

    async def handler(connection: ServerConnection) -> None:
        with contextlib.suppress(ConnectionClosed):
            await CentralSystem("cp", connection).start()

    async with serve(handler, "127.0.0.1", 0, subprotocols=["ocpp1.6"]) as server:  # type: ignore[list-item]
        port = server.sockets[0].getsockname()[1]
        sim = SimulatedChargePoint(
            f"ws://127.0.0.1:{port}", "cp", "ocpp1.6", StationSpec(max_current_a=32)
        )
        async with sim:
            sim.station.plug_in(CarModel(battery_wh=60_000, max_current_a=32), 30_000)
            assert sim.cp is not None
            conf = {"transactionId": 99, "idTagInfo": {"status": "Accepted"}}
            await sim.cp.route_message(json.dumps([3, "start-1", conf]))
            profile = {
                "chargingProfileId": 8,
                "transactionId": 99,
                "stackLevel": 2,
                "chargingProfilePurpose": "TxProfile",
                "chargingProfileKind": "Absolute",
                "chargingSchedule": {
                    "chargingRateUnit": "A",
                    "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 12.0}],
                },
            }
            frame = [
                2,
                "offer-1",
                "SetChargingProfile",
                {"connectorId": 1, "csChargingProfiles": profile},
            ]
            await sim.cp.route_message(json.dumps(frame))
            assert sim.station.transaction_id == "99"
            assert sim.station.limit_a() == 12.0
