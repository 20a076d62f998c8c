"""From a meter spike on the broker to ampshare's cut on the broker.

Seed 004's home (two simulated OpenEVSE units and the house on a 40 A service, a simulated
Shelly EM on it) runs against ampshare's MQTT bridge and control loop on a real broker (the
one at 127.0.0.1:1883, else one started here). Both cars charge at 19 A; then the house jumps
by 30 A, again and again. One observing client timestamps the Shelly's power message and the
first claim ampshare publishes after it, so the figure is the broker -> ampshare -> broker path
that a real home would see. Aim: under 200 ms plus the loop's tick.

Usage: python benchmarks/bench_mqtt_latency.py [--rounds N]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import aiomqtt

from ampshare.config import load_installation
from ampshare.control.settings import LoopSettings
from ampshare.devices.mqtt import MqttBridge
from ampshare.runtime import SiteRuntime
from ampshare.sim.mqtt.broker import BrokerAddress, LocalBroker, answers
from ampshare.sim.mqtt.home import SimHome, home_site, hungry_car

# the loop's own rules, with its timers short enough to repeat the spike every few seconds
SETTINGS = LoopSettings(
    confirmation_timeout_s=2.0, car_follow_s=1.0, min_change_interval_s=1.0, min_pause_s=3.0
)
HOUSE_A, SPIKE_A = 2.0, 32.0


@contextlib.contextmanager
def a_broker() -> Iterator[BrokerAddress]:
    if answers("127.0.0.1", 1883):
        yield BrokerAddress("127.0.0.1", 1883)
        return
    with tempfile.TemporaryDirectory() as work:
        local = LocalBroker(Path(work))
        local.start()
        try:
            yield local.address
        finally:
            local.stop()


async def until(condition: object, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise TimeoutError("the home did not settle")
        await asyncio.sleep(0.01)


def spike_and_cut(
    seen: list[tuple[float, str, str]], power_topic: str, claim_topics: set[str]
) -> tuple[float, float] | None:
    """When the spike was seen and the first claim after it (a claim that came before the
    spike, a lease refresh say, is no answer to it)."""
    spike = next((i for i, m in enumerate(seen) if m[1] == power_topic), None)
    if spike is None:
        return None
    cut_s = next((at for at, topic, _ in seen[spike + 1 :] if topic in claim_topics), None)
    return None if cut_s is None else (seen[spike][0], cut_s)


async def measure(broker: BrokerAddress, rounds: int) -> list[float]:
    prefix = f"bench{uuid.uuid4().hex[:8]}"
    shelly_id = f"shellyem-{prefix.upper()}"
    with tempfile.TemporaryDirectory() as work:
        site_file = Path(work) / "site.toml"
        site_file.write_text(home_site(prefix, broker, shelly_id), encoding="utf-8")
        installation = load_installation(site_file)
    assert installation.mqtt is not None
    runtime = SiteRuntime(installation.site, SETTINGS)
    home = SimHome.on(broker, prefix, shelly_id, data_maxinterval_s=120, meter_period_s=1.0)
    power_topic = f"shellies/{shelly_id}/emeter/0/power"
    claim_topics = {f"{unit.settings.base}/claim/set" for unit in home.units.values()}
    seen: list[tuple[float, str, str]] = []

    async def observe(ready: asyncio.Event) -> None:
        async with aiomqtt.Client(broker.host, broker.port) as client:
            await client.subscribe(power_topic)
            for topic in claim_topics:
                await client.subscribe(topic)
            ready.set()
            async for message in client.messages:
                payload = message.payload
                text = payload.decode() if isinstance(payload, bytes) else str(payload)
                seen.append((time.monotonic(), message.topic.value, text))

    ready = asyncio.Event()
    tasks = [asyncio.create_task(observe(ready))]
    await ready.wait()
    tasks += [asyncio.create_task(unit.run()) for unit in home.units.values()]
    tasks.append(asyncio.create_task(home.meter.run()))
    tasks.append(asyncio.create_task(MqttBridge(installation, installation.mqtt, runtime).run()))
    tasks.append(asyncio.create_task(runtime.run()))
    latencies: list[float] = []
    try:
        for unit in home.units.values():
            unit.plug_in(hungry_car())
        for _ in range(rounds):
            home.house_a = HOUSE_A
            home.meter.report_now()
            await until(lambda: all(u.drawing_a > 15 for u in home.units.values()), 60)
            await asyncio.sleep(1.5)  # settled: offers confirmed
            mark = len(seen)
            home.house_a = SPIKE_A
            home.meter.report_now()

            await until(lambda m=mark: bool(spike_and_cut(seen[m:], power_topic, claim_topics)), 5)
            found = spike_and_cut(seen[mark:], power_topic, claim_topics)
            assert found is not None
            spike_s, cut_s = found
            latencies.append(cut_s - spike_s)
            await until(lambda: home.total_a() <= 40.0, 15)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return latencies


def main() -> None:
    logging.basicConfig(level=logging.ERROR)  # the units' comings and goings are no figure
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    with a_broker() as broker:
        latencies = asyncio.run(measure(broker, args.rounds))
    ms = sorted(1000 * s for s in latencies)
    p90 = ms[min(len(ms) - 1, round(0.9 * (len(ms) - 1)))]
    print(f"broker {broker.host}:{broker.port}; {len(ms)} spikes of {SPIKE_A - HOUSE_A:g} A")
    print(
        f"meter spike on the broker -> ampshare's cut claim on the broker: median "
        f"{statistics.median(ms):.1f} ms, p90 {p90:.1f} ms, max {ms[-1]:.1f} ms "
        f"(aim: under 200 ms plus the {SETTINGS.tick_s * 1000:.0f} ms tick)"
    )


if __name__ == "__main__":
    main()
