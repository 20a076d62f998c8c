"""A Pro 3EM (Gen2) as a 3-phase circuit's meter, per phase, from NotifyStatus deltas and a
status re-read over MQTT RPC; a generic MQTT meter with a JSON path, a unit and a sign."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path

from ampshare.config import load_installation
from ampshare.devices.mqtt import MqttBridge
from ampshare.runtime import SiteRuntime
from ampshare.sim.mqtt.broker import BrokerAddress
from ampshare.sim.mqtt.shelly import PhaseLoad, SimShellyPro3Em
from tests.devices.mqtt.harness import FAST, clear_retained, eventually, publish, unique_prefix


def _site(prefix: str, broker: BrokerAddress, meters: str) -> str:
    return f"""
[site]
name = "depot"
voltage_v = 400

[[circuits]]
id = "bays"
breaker_a = 100
phases = 3

[[circuits]]
id = "office"
parent = "bays"
breaker_a = 32
connection = "L1-N"
{meters}
[mqtt]
host = "{broker.host}"
port = {broker.port}
prefix = "{prefix}"
state_interval_s = 0.2
"""


@contextlib.asynccontextmanager
async def _running(
    broker: BrokerAddress, tmp_path: Path, prefix: str, meters: str
) -> AsyncIterator[SiteRuntime]:
    site_file = tmp_path / "site.toml"
    site_file.write_text(_site(prefix, broker, meters), encoding="utf-8")
    installation = load_installation(site_file)
    runtime = SiteRuntime(installation.site, FAST)
    assert installation.mqtt is not None
    bridge = asyncio.create_task(MqttBridge(installation, installation.mqtt, runtime).run())
    try:
        yield runtime
    finally:
        bridge.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await bridge
        await clear_retained(broker, [f"{prefix}/#"])


async def test_a_pro_3em_reads_each_phase_from_deltas_after_a_full_status(
    broker: BrokerAddress, tmp_path: Path
) -> None:
    prefix = unique_prefix()
    device = f"{prefix}/shellypro3em-depot"
    loads = [PhaseLoad(10.0), PhaseLoad(20.0), PhaseLoad(-5.0)]  # L3 feeds the grid (solar)
    meters = f"""
[[meters]]
id = "bays-meter"
circuit = "bays"
protocol = "shelly"
[meters.shelly]
generation = 2
device = "{device}"
"""
    # NotifyStatus only (no generic status updates): ampshare must ask for the whole status
    shelly = SimShellyPro3Em(device, broker, lambda: loads, period_s=0.3, status_ntf=False)
    shelly_task = asyncio.create_task(shelly.run())
    await asyncio.sleep(0.3)  # its NotifyFullStatus went by before ampshare listens
    try:
        async with _running(broker, tmp_path, prefix, meters) as runtime:
            track = runtime.loop.meters["bays-meter"]
            await eventually(
                lambda: track.sample is not None and track.sample.current_a == (10.0, 20.0, 0.0),
                5,
                "three phase currents, the exporting one at 0 A",
            )
            assert (
                track.sample is not None and track.sample.power_w == 10 * 230 + 20 * 230 - 5 * 230
            )
            loads[1] = PhaseLoad(31.5)  # a delta with b_current only
            shelly.report_now()
            await eventually(
                lambda: track.sample is not None and track.sample.current_a == (10.0, 31.5, 0.0),
                5,
                "the delta merged into the whole status",
            )
            # the device goes offline (its last will): the meter is stale at once
            await publish(broker, f"{device}/online", "false")
            await eventually(lambda: track.last_seen_s is None, 5, "the meter lost")
    finally:
        shelly_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await shelly_task
        await clear_retained(broker, [f"{device}/#"])


async def test_a_generic_meter_reads_a_json_path_in_its_unit_and_sign(
    broker: BrokerAddress, tmp_path: Path
) -> None:
    prefix = unique_prefix()
    topic = f"{prefix}/tele/office-meter/SENSOR"
    meters = f"""
[[meters]]
id = "office-meter"
circuit = "office"
protocol = "mqtt"
[meters.mqtt]
topic = "{topic}"
json_path = "ENERGY.Power"
unit = "kW"
sign = -1
"""
    async with _running(broker, tmp_path, prefix, meters) as runtime:
        track = runtime.loop.meters["office-meter"]
        await asyncio.sleep(0.5)  # subscribed
        await publish(broker, topic, json.dumps({"ENERGY": {"Power": -2.5}}))
        await eventually(
            lambda: track.sample is not None and track.sample.power_w == 2500.0,
            5,
            "-2.5 kW of import read as 2500 W",
        )
        for bad in ('{"ENERGY": {}}', '{"ENERGY": {"Power": "2"}}', "[1]", "NaN", "{"):
            await publish(broker, topic, bad)
        await publish(broker, topic, json.dumps({"ENERGY": {"Power": -1.0}}))
        await eventually(
            lambda: track.sample is not None and track.sample.power_w == 1000.0,
            5,
            "the next good reading",
        )
