"""Why a charger is paused outside the allocation: the operator asked (the set topic), or its
device's settings would not let it fall back by itself. The loop knows only paused or not."""

from __future__ import annotations

from ampshare.devices.mqtt.device import DevicePort

OPERATOR = "operator"
SETTINGS = "settings"


class PauseRequests:
    def __init__(self, port: DevicePort) -> None:
        self._port = port
        self._reasons: dict[str, set[str]] = {}

    def request(self, charger_id: str, reason: str, paused: bool) -> None:
        reasons = self._reasons.setdefault(charger_id, set())
        before = bool(reasons)
        if paused:
            reasons.add(reason)
        else:
            reasons.discard(reason)
        if bool(reasons) != before:
            self._port.set_paused(charger_id, bool(reasons))

    def reasons(self, charger_id: str) -> frozenset[str]:
        return frozenset(self._reasons.get(charger_id, ()))
