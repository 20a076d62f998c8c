"""Malformed frames get the CALLERROR OCPP-J names, and the connection survives them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from websockets.asyncio.client import ClientConnection, connect

from tests.devices.ocpp.harness import PROTOCOLS, group_site, serving

HEARTBEAT = '[2,"hb-1","Heartbeat",{}]'


async def _ask(ws: ClientConnection, frame: str) -> list[object]:
    """Send a frame and return the answer, passing over the server's own CALLs (it
    configures the charger once it has heard from it)."""
    await ws.send(frame)
    while True:
        answer = json.loads(await ws.recv())
        assert isinstance(answer, list)
        if answer[0] != 2:
            return answer


def _cases(protocol: str) -> list[tuple[str, str, str]]:
    """(frame, id answered, error code)"""
    v16 = protocol == "ocpp1.6"
    boot_missing = '{"chargePointVendor": "x"}' if v16 else '{"chargingStation": {"model": "m"}}'
    boot_type = (
        '{"chargePointVendor": 7, "chargePointModel": "m"}'
        if v16
        else '{"chargingStation": {"model": "m", "vendorName": 7}, "reason": "PowerUp"}'
    )
    status_enum = (
        '{"connectorId": 1, "errorCode": "NoError", "status": "Sleeping"}'
        if v16
        else '{"timestamp": "2026-01-01T00:00:00Z", "connectorStatus": "Sleeping", '
        '"evseId": 1, "connectorId": 1}'
    )
    handled_elsewhere = "DiagnosticsStatusNotification" if v16 else "FirmwareStatusNotification"
    payload = '{"status": "Idle"}' if v16 else '{"status": "Idle", "requestId": 1}'
    return [
        ("{not json", "-1", "FormationViolation" if v16 else "FormatViolation"),
        ('{"an": "object"}', "-1", "ProtocolError" if v16 else "RpcFrameworkError"),
        ('[2, "c1", "Heartbeat"]', "c1", "ProtocolError" if v16 else "RpcFrameworkError"),
        ('[7, "c2", "Heartbeat", {}]', "c2", "ProtocolError" if v16 else "MessageTypeNotSupported"),
        ('[2, "c3", "MakeCoffee", {}]', "c3", "NotImplemented"),
        (f'[2, "c4", "{handled_elsewhere}", {payload}]', "c4", "NotSupported"),
        (f'[2, "c5", "BootNotification", {boot_missing}]', "c5", "OccurenceConstraintViolation"),
        (f'[2, "c6", "BootNotification", {boot_type}]', "c6", "TypeConstraintViolation"),
        (f'[2, "c7", "StatusNotification", {status_enum}]', "c7", "PropertyConstraintViolation"),
        (
            '[2, "c8", "Heartbeat", {"extra": 1}]',
            "c8",
            "FormationViolation" if v16 else "FormatViolation",
        ),
    ]


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_malformed_frames_get_the_right_callerror_and_the_connection_survives(
    tmp_path: Path, protocol: str
) -> None:
    async with serving(group_site(tmp_path, protocol)) as harness:
        url = f"{harness.url}/left"
        async with connect(url, subprotocols=[protocol]) as ws:  # type: ignore[list-item]
            for frame, message_id, code in _cases(protocol):
                answer = await _ask(ws, frame)
                assert answer[:3] == [4, message_id, code], (frame, answer)
                # and the charger is still heard
                alive = await _ask(ws, HEARTBEAT)
                assert alive[0] == 3 and alive[1] == "hb-1", (frame, alive)
