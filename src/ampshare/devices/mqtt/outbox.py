"""Messages waiting to be published, in order, without ever blocking the one who posts them.

The control loop hands commands over synchronously (ChargerLink.deliver must not block) and
relies on them reaching the devices in the order given: cuts before raises. One sender task per
broker connection publishes them one by one. Commands go before state messages, so a burst of
state never delays a cut.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from dataclasses import dataclass
from enum import IntEnum

import aiomqtt

from ampshare.devices.cancellation import stop_if_cancelled

logger = logging.getLogger(__name__)


class Urgency(IntEnum):
    COMMAND = 0  # claims and shaper feeds: the loop's decisions
    STATE = 1  # ampshare's state, discovery messages


@dataclass(frozen=True)
class Outgoing:
    topic: str
    payload: str
    qos: int = 1
    retain: bool = False


class Outbox:
    def __init__(self) -> None:
        self._queue: asyncio.PriorityQueue[tuple[int, int, Outgoing]] = asyncio.PriorityQueue()
        self._order = itertools.count()
        self.connected = False

    def post(self, message: Outgoing, urgency: Urgency = Urgency.COMMAND) -> bool:
        """Queue a message; False (and nothing queued) while no broker is connected: what the
        devices would have heard then is lost, as it would be on the wire."""
        if not self.connected:
            return False
        self._queue.put_nowait((urgency, next(self._order), message))
        return True

    def clear(self) -> None:
        while not self._queue.empty():
            self._queue.get_nowait()

    async def send(self, client: aiomqtt.Client) -> None:
        """Publish queued messages until cancelled or the connection fails (MqttError)."""
        while True:
            stop_if_cancelled()  # a publish may have returned in place of a cancellation
            _, _, message = await self._queue.get()
            await client.publish(
                message.topic, message.payload, qos=message.qos, retain=message.retain
            )
