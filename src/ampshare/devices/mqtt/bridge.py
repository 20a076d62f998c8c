"""MqttBridge: the adapter `ampshare serve` runs for a site with an [mqtt] table.

One broker connection carries everything: OpenEVSE units, Shelly and generic meters, the set
topic, and ampshare's own state. While the broker is away every MQTT charger is detached (the
loop counts it at what it may still draw) and every MQTT meter is lost (stale: its circuit
gets its safe budget); after reconnecting, each device is read anew before anything is raised.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from typing import Any

import aiomqtt

from ampshare.config import Installation
from ampshare.config.mqtt_schema import MqttTable
from ampshare.config.site_schema import MeterEntry
from ampshare.devices.mqtt.commands import ChargerCommands
from ampshare.devices.mqtt.connection import keep_connected
from ampshare.devices.mqtt.device import Device, Router
from ampshare.devices.mqtt.generic_meter import GenericMeter
from ampshare.devices.mqtt.home_assistant import discovery_messages
from ampshare.devices.mqtt.meter_feed import MeterFeed
from ampshare.devices.mqtt.openevse_unit import OpenevseUnit
from ampshare.devices.mqtt.outbox import Outbox, Outgoing
from ampshare.devices.mqtt.pauses import PauseRequests
from ampshare.devices.mqtt.payloads import RejectedPayloads
from ampshare.devices.mqtt.shelly_gen1 import ShellyGen1Meter
from ampshare.devices.mqtt.shelly_gen2 import ShellyGen2Meter
from ampshare.devices.mqtt.state_publisher import (
    OFFLINE,
    StatePublisher,
    last_will,
    status_topic,
)
from ampshare.domain.state import ABSURD_CURRENT_A
from ampshare.runtime.site_runtime import SiteRuntime

logger = logging.getLogger(__name__)

_GOODBYE_TIMEOUT_S = 1.0


class MqttBridge:
    name = "mqtt"

    def __init__(self, installation: Installation, table: MqttTable, runtime: SiteRuntime) -> None:
        self.installation = installation
        self.table = table
        self.runtime = runtime
        self.outbox = Outbox()
        self.rejected = RejectedPayloads()
        self.pauses = PauseRequests(runtime)
        self.units: list[OpenevseUnit] = []
        self.devices: list[Device] = []
        self.client_id = table.client_id or "ampshare-" + re.sub(
            r"[^A-Za-z0-9_-]", "-", table.prefix
        )

    def _build(self) -> Router:
        table, runtime = self.table, self.runtime
        settings = runtime.loop.settings
        site = runtime.site
        self.units = [
            OpenevseUnit(
                entry=entry,
                table=entry.openevse,
                prefix=table.prefix,
                port=runtime,
                outbox=self.outbox,
                pauses=self.pauses,
                refresh_s=settings.lease_refresh_s,
                site_voltage_v=site.voltage_v,
            )
            for entry in self.installation.chargers_on("openevse")
            if entry.openevse is not None
        ]
        meters = [self._meter(entry) for entry in self.installation.meters_on("shelly", "mqtt")]
        commands = ChargerCommands(
            table.prefix, [c.id for c in site.chargers], runtime, self.pauses
        )
        self.devices = [*self.units, *meters, commands]
        return Router(self.devices, self.rejected)

    def _meter(self, entry: MeterEntry) -> Device:
        runtime = self.runtime
        site = runtime.site
        feed = MeterFeed(entry.id, runtime, runtime.loop.settings.meter_timeout_s)
        limit_w = ABSURD_CURRENT_A * site.voltage_v
        three_phase = site.circuits_by_id[entry.circuit].phases == 3
        if entry.shelly is not None and entry.shelly.generation == 1:
            return ShellyGen1Meter(feed, entry.shelly, self.outbox, limit_w)
        if entry.shelly is not None:
            phases = entry.shelly.phases or (["a", "b", "c"] if three_phase else ["a"])
            reply = f"{self.table.prefix}/shelly/{entry.id}"
            return ShellyGen2Meter(
                feed=feed,
                table=entry.shelly,
                phases=phases,
                outbox=self.outbox,
                reply_prefix=reply,
                limit_w=limit_w,
                three_phase=three_phase,
            )
        if entry.mqtt is None:  # the site file check refuses this
            raise ValueError(f"meter {entry.id!r} has no [meters.mqtt] table")
        return GenericMeter(feed, entry.mqtt, limit_w)

    def charger_extras(self, charger_id: str) -> dict[str, Any]:
        extras: dict[str, Any] = {"paused_by": sorted(self.pauses.reasons(charger_id))}
        for unit in self.units:
            if unit.charger_id == charger_id:
                if unit.problems is None:
                    dead_man = "unknown: the unit has not reported its settings yet"
                elif unit.armed:
                    dead_man = "armed"
                else:
                    dead_man = "held at its fallback: " + "; ".join(
                        unit.problems or ["its shaper was turned off (<base>/shaper)"]
                    )
                extras["device"] = {
                    "protocol": "openevse",
                    "base_topic": unit.base,
                    "available": unit.available,
                    "dead_man": dead_man,
                    "lease_s": None if unit.settings is None else unit.settings.data_maxinterval_s,
                }
        return extras

    async def run(self) -> None:
        router = self._build()
        table = self.table
        announcements: list[Outgoing] = []
        if table.home_assistant_discovery:
            announcements = discovery_messages(
                self.runtime.site, table.prefix, table.home_assistant_prefix
            )
        publisher = StatePublisher(
            runtime=self.runtime,
            prefix=table.prefix,
            outbox=self.outbox,
            rejected=self.rejected,
            extras=self.charger_extras,
            interval_s=table.state_interval_s,
            announcements=lambda: announcements,
        )

        async def session(client: aiomqtt.Client) -> None:
            self.outbox.clear()
            self.outbox.connected = True
            for device in router.devices:
                device.connected()  # forget the old state before the retained news arrives
            publisher.connected()
            # what the devices were asked on connecting waits in the outbox until ampshare
            # listens: an answer must not come before the subscription that would hear it
            for topic_filter in router.filters():
                await client.subscribe(topic_filter, qos=1)
            tasks = [
                asyncio.create_task(self.outbox.send(client), name="mqtt sender"),
                asyncio.create_task(publisher.run(), name="mqtt state"),
                asyncio.create_task(self._listen(client, router), name="mqtt listener"),
            ]
            try:
                done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    task.result()  # the MqttError that ended the session, if any
            except asyncio.CancelledError:
                await self._goodbye(client)
                raise
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)

        def lost() -> None:
            self.outbox.connected = False
            self.outbox.clear()
            for device in router.devices:
                device.lost()

        await keep_connected(table, last_will(table.prefix), self.client_id, session, lost)

    async def _listen(self, client: aiomqtt.Client, router: Router) -> None:
        async for message in client.messages:
            router.dispatch(message)

    async def _goodbye(self, client: aiomqtt.Client) -> None:
        """Stopping: say so (the broker sends the last will only when a connection breaks)."""
        with contextlib.suppress(aiomqtt.MqttError, TimeoutError):
            await asyncio.wait_for(
                client.publish(status_topic(self.table.prefix), OFFLINE, qos=1, retain=True),
                _GOODBYE_TIMEOUT_S,
            )
