"""Stopping ampshare stops its MQTT connection, even when the broker is slow to answer the
goodbye: aiomqtt then raises a timeout in place of the cancellation, and a reconnecting loop
that took it for a lost broker would connect again and never stop (Ctrl-C would hang)."""

from __future__ import annotations

import asyncio

import aiomqtt

from ampshare.config.mqtt_schema import MqttTable
from ampshare.devices.mqtt.connection import keep_connected
from ampshare.sim.mqtt.broker import BrokerAddress


async def test_a_goodbye_that_times_out_still_stops_the_connection(
    broker: BrokerAddress,
) -> None:
    table = MqttTable(host=broker.host, port=broker.port, reconnect_max_s=0.5)
    sessions: list[int] = []
    losses: list[int] = []

    async def session(client: aiomqtt.Client) -> None:
        sessions.append(1)
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            # what aiomqtt's __aexit__ raises when the broker answers the disconnect late
            raise aiomqtt.MqttError("Operation timed out") from None

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
        while not task.done():  # a failed run: stop it between two sessions
            task.cancel()
            await asyncio.wait([task], timeout=0.2)
