"""The broker connection: connect, run a session, and when the broker goes away say so and
try again with a growing delay (0.5 s doubling up to reconnect_max_s, with jitter so that many
clients do not reconnect in step)."""

from __future__ import annotations

import asyncio
import logging
import random
import ssl
from collections.abc import Awaitable, Callable

import aiomqtt

from ampshare.config.mqtt_schema import MqttTable
from ampshare.devices.cancellation import stop_if_cancelled
from ampshare.devices.mqtt.errors import BrokerSettingsError

logger = logging.getLogger(__name__)

FIRST_DELAY_S = 0.5


class Backoff:
    def __init__(self, max_s: float, first_s: float = FIRST_DELAY_S) -> None:
        self.first_s = min(first_s, max_s)
        self.max_s = max_s
        self._next_s = self.first_s

    def reset(self) -> None:
        self._next_s = self.first_s

    def next_s(self) -> float:
        delay_s = self._next_s
        self._next_s = min(self._next_s * 2, self.max_s)
        return delay_s * random.uniform(0.8, 1.0)


def make_client(table: MqttTable, will: aiomqtt.Will, client_id: str) -> aiomqtt.Client:
    return aiomqtt.Client(
        table.host,
        table.port,
        username=table.username,
        password=table.password,
        identifier=client_id,
        will=will,
        keepalive=table.keepalive_s,
        tls_context=_tls_context(table),
        timeout=10,
    )


def _tls_context(table: MqttTable) -> ssl.SSLContext | None:
    if not table.tls:
        return None
    try:
        return ssl.create_default_context(cafile=table.ca_file)
    except (OSError, ssl.SSLError) as exc:
        raise BrokerSettingsError(f"cannot use ca_file {table.ca_file!r}: {exc}") from exc


Session = Callable[[aiomqtt.Client], Awaitable[None]]


async def keep_connected(
    table: MqttTable,
    will: aiomqtt.Will,
    client_id: str,
    session: Session,
    lost: Callable[[], None],
) -> None:
    """Run session on every connection until cancelled; call lost() whenever one ends."""
    backoff = Backoff(table.reconnect_max_s)
    where = f"{table.host}:{table.port}"
    failures = 0
    while True:
        stop_if_cancelled()
        try:
            async with make_client(table, will, client_id) as client:
                logger.info("MQTT broker %s: connected as %s", where, client_id)
                backoff.reset()
                failures = 0
                try:
                    await session(client)
                finally:
                    lost()
        except (aiomqtt.MqttError, BrokerSettingsError) as exc:
            stop_if_cancelled(exc)
            failures += 1
            delay_s = backoff.next_s()
            log = logger.warning if failures <= 3 or failures % 20 == 0 else logger.info
            log(
                "MQTT broker %s: %s; MQTT chargers count at their worst case and MQTT meters "
                "are stale until it is back; trying again in %.1f s",
                where,
                exc or type(exc).__name__,
                delay_s,
            )
            await asyncio.sleep(delay_s)
