"""A home on a real broker for the MQTT tests: ampshare's bridge and runtime, simulated
OpenEVSE units and a Shelly meter measuring the house plus what the cars draw, and an observer
that records what crosses the broker."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiomqtt

from ampshare.config import Installation, load_installation
from ampshare.control.readings import ChargerReading, MeterSample
from ampshare.control.settings import LoopSettings
from ampshare.devices.cancellation import stop_if_cancelled
from ampshare.devices.interfaces import ChargerLink
from ampshare.devices.mqtt import MqttBridge
from ampshare.runtime import SiteRuntime
from ampshare.sim.mqtt.broker import BrokerAddress
from ampshare.sim.mqtt.home import SimHome, home_site, hungry_car
from ampshare.sim.mqtt.openevse_unit import SimOpenevseUnit
from ampshare.sim.mqtt.shelly import SimShellyEm

__all__ = ["home_site", "hungry_car"]

# quick timers, so that a test takes seconds: the rules are the loop's own
FAST = LoopSettings(
    confirmation_timeout_s=2.0,
    car_follow_s=1.0,
    min_change_interval_s=1.0,
    min_pause_s=3.0,
    meter_timeout_s=2.0,
    charger_timeout_s=20.0,
    lease_refresh_s=1.0,
)
DATA_MAXINTERVAL_S = 6  # the units' shaper data timeout: >= 2 refreshes + 4 s


def unique_prefix() -> str:
    return f"t{uuid.uuid4().hex[:10]}"


@dataclass
class Event:
    at_s: float
    kind: str  # "reading", "command", "sample", "lost"
    device: str
    value: object


class RecordingRuntime(SiteRuntime):
    """The real runtime, noting when each reading, sample and command passed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.events: list[Event] = []

    def charger_reading(self, charger_id: str, reading: ChargerReading) -> None:
        self.events.append(Event(time.monotonic(), "reading", charger_id, reading))
        super().charger_reading(charger_id, reading)

    def meter_sample(self, meter_id: str, sample: MeterSample) -> None:
        self.events.append(Event(time.monotonic(), "sample", meter_id, sample))
        super().meter_sample(meter_id, sample)

    def detach(self, charger_id: str, link: ChargerLink) -> None:
        self.events.append(Event(time.monotonic(), "lost", charger_id, None))
        super().detach(charger_id, link)

    def _apply(self, commands: list[Any]) -> None:
        for command in commands:
            if self.linked(command.charger_id):
                self.events.append(Event(time.monotonic(), "command", command.charger_id, command))
        super()._apply(commands)


async def both_charging(world: Home) -> None:
    """Plug a hungry car into each unit and wait until both draw more than 15 A."""
    for unit in world.units.values():
        unit.plug_in(hungry_car())
    await eventually(
        lambda: all(u.drawing_a > 15 and u.evse_state() == 3 for u in world.units.values()),
        30,
        "both cars charging at more than 15 A",
    )


async def eventually(
    condition: Callable[[], bool], timeout_s: float = 15.0, what: str = "the condition"
) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not come true within {timeout_s} s")
        await asyncio.sleep(0.02)


@dataclass
class Message:
    at_s: float
    topic: str
    payload: str
    retain: bool


class Observer:
    """A client that records every message on some topics, reconnecting if the broker goes."""

    def __init__(self, broker: BrokerAddress, filters: list[str]) -> None:
        self.broker = broker
        self.filters = filters
        self.messages: list[Message] = []
        self.connected = asyncio.Event()

    async def run(self) -> None:
        while True:
            stop_if_cancelled()
            try:
                async with aiomqtt.Client(self.broker.host, self.broker.port) as client:
                    for topic_filter in self.filters:
                        await client.subscribe(topic_filter, qos=1)
                    self.connected.set()
                    async for message in client.messages:
                        payload = message.payload
                        text = payload.decode() if isinstance(payload, bytes) else str(payload)
                        self.messages.append(
                            Message(time.monotonic(), message.topic.value, text, message.retain)
                        )
            except aiomqtt.MqttError as exc:
                stop_if_cancelled(exc)
                self.connected.clear()
                await asyncio.sleep(0.2)

    def on(self, topic: str, since_s: float = 0.0) -> list[Message]:
        return [m for m in self.messages if m.topic == topic and m.at_s >= since_s]

    def last_json(self, topic: str) -> Any:
        found = self.on(topic)
        return json.loads(found[-1].payload) if found else None


async def publish(broker: BrokerAddress, topic: str, payload: str, retain: bool = False) -> None:
    async with aiomqtt.Client(broker.host, broker.port) as client:
        await client.publish(topic, payload, qos=1, retain=retain)


async def retained_payload(broker: BrokerAddress, topic: str) -> str | None:
    """What the broker retains on a topic: what a client subscribing now is given first."""
    async with aiomqtt.Client(broker.host, broker.port) as client:
        await client.subscribe(topic)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(1.0):
                async for message in client.messages:
                    # (amqtt 0.12 may hand a new subscriber other topics' retained messages)
                    if message.retain and message.topic.value == topic:
                        payload = message.payload
                        return payload.decode() if isinstance(payload, bytes) else str(payload)
    return None


async def clear_retained(broker: BrokerAddress, filters: list[str]) -> None:
    """Remove what a test left retained on the broker."""
    with contextlib.suppress(aiomqtt.MqttError):
        async with asyncio.timeout(20), aiomqtt.Client(broker.host, broker.port) as client:
            for topic_filter in filters:
                await client.subscribe(topic_filter)
            topics: set[str] = set()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(0.5):
                    async for message in client.messages:
                        if message.retain:
                            topics.add(message.topic.value)
            for topic in topics:
                await client.publish(topic, b"", retain=True)


async def forever(run: Callable[[], Awaitable[None]]) -> None:
    """A simulated device's life: connect, and reconnect whenever the broker goes away."""
    while True:
        stop_if_cancelled()
        try:
            await run()
        except aiomqtt.MqttError as exc:
            stop_if_cancelled(exc)
            await asyncio.sleep(0.2)


@dataclass
class Home:
    broker: BrokerAddress
    prefix: str
    installation: Installation
    runtime: RecordingRuntime
    sim: SimHome
    observer: Observer
    tasks: dict[str, asyncio.Task[None]] = field(default_factory=dict)
    bridge: MqttBridge | None = None

    @property
    def units(self) -> dict[str, SimOpenevseUnit]:
        return self.sim.units

    @property
    def meter(self) -> SimShellyEm:
        return self.sim.meter

    @property
    def house_a(self) -> float:
        return self.sim.house_a

    @house_a.setter
    def house_a(self, value_a: float) -> None:
        self.sim.house_a = value_a

    def total_a(self) -> float:
        return self.sim.total_a()

    def start(self, name: str, coroutine: Coroutine[Any, Any, None]) -> None:
        self.tasks[name] = asyncio.create_task(coroutine, name=name)

    async def stop(self, name: str) -> None:
        task = self.tasks.pop(name)
        task.cancel()
        done, _ = await asyncio.wait([task], timeout=10)
        if not done:
            raise AssertionError(f"{name} did not stop within 10 s of being cancelled")
        with contextlib.suppress(asyncio.CancelledError, aiomqtt.MqttError):
            await task

    def start_ampshare(self) -> None:
        assert self.installation.mqtt is not None
        self.bridge = MqttBridge(self.installation, self.installation.mqtt, self.runtime)
        self.start("ampshare", self.bridge.run())
        self.start("loop", self.runtime.run())

    def claims(self, charger_id: str, since_s: float = 0.0) -> list[dict[str, Any]]:
        base = self.units[charger_id].settings.base
        return [json.loads(m.payload) for m in self.observer.on(f"{base}/claim/set", since_s)]

    def state(self, kind: str, entry: str) -> Any:
        return self.observer.last_json(f"{self.prefix}/{kind}/{entry}/state")


@contextlib.asynccontextmanager
async def home(
    broker: BrokerAddress,
    tmp_path: Path,
    *,
    extra: str = "",
    shaper: dict[str, Any] | None = None,
    meter_period_s: float = 0.5,
    start_ampshare: bool = True,
) -> AsyncIterator[Home]:
    prefix = unique_prefix()
    shelly_id = f"shellyem-{prefix.upper()}"
    site_file = tmp_path / "site.toml"
    site_file.write_text(home_site(prefix, broker, shelly_id, extra), encoding="utf-8")
    installation = load_installation(site_file)
    runtime = RecordingRuntime(installation.site, FAST)
    sim = SimHome.on(
        broker,
        prefix,
        shelly_id,
        data_maxinterval_s=DATA_MAXINTERVAL_S,
        meter_period_s=meter_period_s,
        shaper=shaper,
    )
    observer = Observer(broker, [f"{prefix}/#", f"shellies/{shelly_id}/#"])
    world = Home(broker, prefix, installation, runtime, sim, observer)
    world.start("observer", observer.run())
    await asyncio.wait_for(observer.connected.wait(), 10)
    for name, unit in sim.units.items():
        world.start(name, unit.run())
    world.start("meter", forever(world.meter.run))
    if start_ampshare:
        world.start_ampshare()
    try:
        yield world
    finally:
        for name in list(world.tasks):
            await world.stop(name)
        await clear_retained(broker, [f"{prefix}/#", f"shellies/{shelly_id}/#"])
