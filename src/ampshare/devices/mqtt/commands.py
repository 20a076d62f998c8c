"""<prefix>/charger/<id>/set: pause, resume or re-prioritise a charger from MQTT.

Payloads: {"paused": true}, {"paused": false}, {"priority": 3}, or both keys at once; also the
words "pause" and "resume". Who may publish here is the broker's business: give write access
to this topic only to those who may operate the chargers (README: the broker ACL). A payload
that does not read, or names no charger of the site, is logged once per topic, counted and
ignored.
"""

from __future__ import annotations

import logging

from pydantic import BaseModel, ConfigDict, StrictBool, StrictInt, ValidationError

from ampshare.devices.mqtt.device import DevicePort
from ampshare.devices.mqtt.errors import PayloadError
from ampshare.devices.mqtt.pauses import OPERATOR, PauseRequests
from ampshare.devices.mqtt.payloads import json_object, text

logger = logging.getLogger(__name__)


class SetRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    paused: StrictBool | None = None
    priority: StrictInt | None = None


def set_topic(prefix: str, charger_id: str) -> str:
    return f"{prefix}/charger/{charger_id}/set"


class ChargerCommands:
    def __init__(
        self, prefix: str, charger_ids: list[str], port: DevicePort, pauses: PauseRequests
    ) -> None:
        self.name = "set topic"
        self._prefix = prefix
        self._chargers = set(charger_ids)
        self._port = port
        self._pauses = pauses

    def topics(self) -> list[str]:
        return [set_topic(self._prefix, "+")]

    def connected(self) -> None:
        """Nothing to re-read: operators' requests arrive as they make them."""

    def lost(self) -> None:
        """Requests already taken stay in force."""

    def handle(self, topic: str, payload: bytes, retained: bool) -> None:
        charger_id = topic[len(self._prefix) + len("/charger/") : -len("/set")]
        if charger_id not in self._chargers:
            raise PayloadError(f"names charger {charger_id!r}, which is not in the site")
        request = _request(payload)
        if request.paused is not None:
            logger.info(
                "charger %s: %s over MQTT", charger_id, "paused" if request.paused else "resumed"
            )
            self._pauses.request(charger_id, OPERATOR, request.paused)
        if request.priority is not None:
            logger.info("charger %s: priority %d over MQTT", charger_id, request.priority)
            self._port.set_priority(charger_id, request.priority)


def _request(payload: bytes) -> SetRequest:
    word = text(payload)
    if word in ("pause", "resume"):
        return SetRequest(paused=word == "pause")
    document = json_object(payload)
    try:
        request = SetRequest.model_validate(document)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(part) for part in first["loc"]) or "the payload"
        if first["type"] == "extra_forbidden":
            raise PayloadError(
                f"has the unknown key {key!r} (known: 'paused', 'priority')"
            ) from exc
        raise PayloadError(f"has {key} = {first.get('input')!r}: {first['msg'].lower()}") from exc
    if request.paused is None and request.priority is None:
        raise PayloadError(
            "sets nothing: give 'paused' (true/false) or 'priority' (a whole number)"
        )
    return request
