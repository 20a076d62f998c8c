"""Stopping ampshare stops its MQTT connection, even when the cancellation is lost on the way:

- when the broker is slow to answer the goodbye, aiomqtt raises a timeout in place of the
  cancellation, and a reconnecting loop that took it for a lost broker would connect again;
- on Python 3.11, asyncio.wait_for (which aiomqtt waits for every publish with) returns
  normally when the publish completes as the cancellation arrives (python/cpython#86296), and
  a loop would go round again.

Either way Ctrl-C would hang. The sessions below do to the cancellation what those do."""

from __future__ import annotations

import asyncio
from typing import Any

import aiomqtt

from ampshare.config.mqtt_schema import MqttTable
from ampshare.devices.mqtt.connection import Session, keep_connected
from ampshare.devices.mqtt.outbox import Outbox, Outgoing
from ampshare.sim.mqtt.broker import BrokerAddress
from tests.devices.cancellations import lose_the_cancellation, stop_for_sure


async def _raise_in_place_of_the_cancellation(error: BaseException) -> None:
    try:
        await asyncio.Event().wait()
    except asyncio.CancelledError:
        raise error from None


async def _run_until_stopped(broker: BrokerAddress, body: Session) -> None:
    """Connect with body as the session, stop it once it runs, and check that it stopped
    without connecting again."""
    table = MqttTable(host=broker.host, port=broker.port, reconnect_max_s=0.5)
    sessions: list[int] = []
    losses: list[int] = []

    async def session(client: aiomqtt.Client) -> None:
        sessions.append(1)
        if len(sessions) == 1:
            await body(client)
        else:  # connected again (a failed run): this one stops when cancelled
            await asyncio.Event().wait()

    will = aiomqtt.Will("ampshare-test-stopping/status", "offline")
    task = asyncio.create_task(
        keep_connected(table, will, "ampshare-test-stopping", session, lambda: losses.append(1))
    )
    for _ in range(100):
        if sessions:
            break
        await asyncio.sleep(0.05)
    try:
        assert sessions, "never connected to the broker"
        task.cancel()
        done, _ = await asyncio.wait([task], timeout=3.0)
        assert done, "the connection kept running (reconnecting) after it was told to stop"
        assert task.cancelled()
        assert len(sessions) == 1 and len(losses) == 1
    finally:
        await stop_for_sure(task)  # a failed run: stop it between two sessions


async def test_a_goodbye_that_times_out_still_stops_the_connection(
    broker: BrokerAddress,
) -> None:
    # what aiomqtt's __aexit__ raises when the broker answers the disconnect late
    timed_out = aiomqtt.MqttError("Operation timed out")
    await _run_until_stopped(broker, lambda client: _raise_in_place_of_the_cancellation(timed_out))


async def test_a_session_that_returns_in_place_of_the_cancellation_still_stops(
    broker: BrokerAddress,
) -> None:
    await _run_until_stopped(broker, lambda client: lose_the_cancellation())


class _SwallowingClient(aiomqtt.Client):
    """A publish that completes just as the sender is cancelled, as 3.11's wait_for has it."""

    async def publish(self, *args: Any, **kwargs: Any) -> None:
        await lose_the_cancellation()


async def test_the_sender_stops_when_a_publish_returns_in_place_of_the_cancellation() -> None:
    outbox = Outbox()
    outbox.connected = True
    outbox.post(Outgoing("ampshare-test-stopping/claim", "{}"))
    sender = asyncio.create_task(outbox.send(_SwallowingClient("127.0.0.1")))
    await asyncio.sleep(0.05)  # the sender waits in its publish
    sender.cancel()
    done, _ = await asyncio.wait([sender], timeout=1.0)
    try:
        assert done, "the sender waited for the next message after it was told to stop"
        assert sender.cancelled()
    finally:
        await stop_for_sure(sender)
