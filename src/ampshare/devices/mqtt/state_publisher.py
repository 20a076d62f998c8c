"""Publishes ampshare's state, retained, at its own pace: the loop only marks it changed.

<prefix>/status is "online" while ampshare is connected and "offline" otherwise: the broker
publishes "offline" (retained) as ampshare's last will when the connection breaks, and
ampshare publishes it itself when it stops. Every document is re-published on each connection
(a restarted broker may have lost what it retained), then only when it changes.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import aiomqtt

from ampshare.devices.mqtt.outbox import Outbox, Outgoing, Urgency
from ampshare.devices.mqtt.payloads import RejectedPayloads
from ampshare.devices.mqtt.state_report import ChargerExtras, state_documents
from ampshare.runtime.site_runtime import SiteRuntime

ONLINE, OFFLINE = "online", "offline"


def status_topic(prefix: str) -> str:
    return f"{prefix}/status"


def last_will(prefix: str) -> aiomqtt.Will:
    return aiomqtt.Will(status_topic(prefix), OFFLINE, qos=1, retain=True)


class StatePublisher:
    def __init__(
        self,
        *,
        runtime: SiteRuntime,
        prefix: str,
        outbox: Outbox,
        rejected: RejectedPayloads,
        extras: ChargerExtras,
        interval_s: float,
        announcements: Callable[[], list[Outgoing]],
    ) -> None:
        self._runtime = runtime
        self._prefix = prefix
        self._outbox = outbox
        self._rejected = rejected
        self._extras = extras
        self._interval_s = interval_s
        self._announcements = announcements  # Home Assistant discovery, sent on connecting
        self._published: dict[str, str] = {}
        self._changed = asyncio.Event()
        runtime.subscribe(self._loop_moved)

    def _loop_moved(self, now_s: float) -> None:
        self._changed.set()

    def connected(self) -> None:
        self._published.clear()
        self._post(status_topic(self._prefix), ONLINE)
        for message in self._announcements():
            self._outbox.post(message, Urgency.STATE)
        self._changed.set()

    async def run(self) -> None:
        """Publish what changed, at most every interval_s, until cancelled."""
        while True:
            await self._changed.wait()
            self._changed.clear()
            self.publish_changes()
            await asyncio.sleep(self._interval_s)

    def publish_changes(self) -> None:
        runtime = self._runtime
        documents = state_documents(
            runtime.loop,
            self._prefix,
            runtime.now_s(),
            self._rejected.as_dict(),
            self._extras,
        )
        for topic, document in documents.items():
            self._post(topic, _json(document))

    def _post(self, topic: str, payload: str) -> None:
        if self._published.get(topic) == payload:
            return
        if self._outbox.post(Outgoing(topic, payload, qos=1, retain=True), Urgency.STATE):
            self._published[topic] = payload


def _json(document: dict[str, Any]) -> str:
    return json.dumps(document, separators=(",", ":"))
