"""ampshare's state on MQTT (retained, with a last will), Home Assistant discovery, and the
set topic that pauses or re-prioritises a charger; `ampshare serve` end to end."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from ampshare.sim.mqtt.broker import BrokerAddress
from tests.devices.mqtt.harness import (
    Observer,
    clear_retained,
    eventually,
    home,
    home_site,
    hungry_car,
    publish,
    retained_payload,
    unique_prefix,
)


async def test_state_topics_describe_circuits_chargers_and_meters(
    broker: BrokerAddress, tmp_path: Path
) -> None:
    async with home(broker, tmp_path) as world:
        world.units["left"].plug_in(hungry_car())
        await eventually(
            lambda: (world.state("charger", "left") or {}).get("car") == "charging",
            20,
            "left published as charging",
        )
        await eventually(
            lambda: ((world.state("charger", "left") or {}).get("measured_a") or 0) > 30,
            10,
            "left drawing more than 30 A",
        )
        charger = world.state("charger", "left")
        assert charger["limited_by"] in ("charger", "car", "circuit:service")
        assert charger["online"] is True
        assert charger["device"]["dead_man"] == "armed"
        assert charger["energy_wh"] is not None
        circuit = world.state("circuit", "service")
        assert circuit["limit_a"] == 40.0
        assert circuit["meter"] == "fresh"
        await eventually(
            lambda: ((world.state("meter", "house") or {}).get("power_w") or 0) > 30 * 240,
            5,
            "the meter's reading published with the car's draw",
        )
        assert world.state("meter", "house")["fresh"] is True
        retained = await retained_payload(broker, f"{world.prefix}/charger/left/state")
        assert retained is not None and json.loads(retained)["car"] == "charging"
        status = [m.payload for m in world.observer.on(f"{world.prefix}/status")]
        assert status[-1] == "online"


async def test_the_set_topic_pauses_resumes_and_reprioritises_a_charger(
    broker: BrokerAddress, tmp_path: Path
) -> None:
    async with home(broker, tmp_path) as world:
        for unit in world.units.values():
            unit.plug_in(hungry_car())
        left = world.units["left"]
        await eventually(lambda: left.drawing_a > 15, 20, "left charging")
        set_topic = f"{world.prefix}/charger/left/set"
        await publish(broker, set_topic, json.dumps({"paused": True}))
        await eventually(lambda: left.drawing_a == 0, 10, "left paused by the operator")
        await eventually(
            lambda: (world.state("charger", "left") or {}).get("limited_by") == "operator",
            5,
            "left published as paused by the operator",
        )
        assert world.state("charger", "left")["paused_by"] == ["operator"]
        right = world.units["right"]
        await eventually(lambda: right.drawing_a > 30, 15, "right given left's share")

        await publish(broker, set_topic, "resume")
        await eventually(lambda: left.drawing_a > 15, 30, "left charging again")
        await publish(broker, set_topic, json.dumps({"priority": 7}))
        await eventually(
            lambda: (world.state("charger", "left") or {}).get("priority") == 7,
            5,
            "left's priority published as 7",
        )
        for payload in ('{"paused": "yes"}', '{"pause": true}', "{}", "now"):
            await publish(broker, set_topic, payload)
        await publish(broker, f"{world.prefix}/charger/nobody/set", "pause")

        def rejected() -> dict[str, int]:
            document = world.observer.last_json(f"{world.prefix}/state") or {}
            return {t: r["count"] for t, r in document["rejected_payloads"].items()}

        await eventually(
            lambda: (
                rejected().get(set_topic) == 4
                and rejected().get(f"{world.prefix}/charger/nobody/set") == 1
            ),
            5,
            "the bad set requests counted",
        )
        assert world.runtime.site.chargers_by_id["left"].priority == 7


async def test_home_assistant_discovery_announces_chargers_and_circuits(
    broker: BrokerAddress, tmp_path: Path
) -> None:
    async with home(broker, tmp_path, extra="home_assistant_discovery = true") as world:
        discovery = f"{world.prefix}/homeassistant"
        node = f"ampshare_{world.prefix}"
        topic = f"{discovery}/sensor/{node}/charger_left_offered_a/config"
        await eventually(lambda: bool(world.observer.on(topic)), 10, "the discovery message")
        retained = await retained_payload(broker, topic)
        assert retained is not None, "the discovery message is not retained"
        config = json.loads(retained)
        assert config["state_topic"] == f"{world.prefix}/charger/left/state"
        assert config["unit_of_measurement"] == "A"
        assert config["availability_topic"] == f"{world.prefix}/status"
        switch_topic = f"{discovery}/switch/{node}/charger_left_paused/config"
        circuit_topic = f"{discovery}/sensor/{node}/circuit_service_ev_budget_a/config"
        await eventually(
            lambda: bool(world.observer.on(switch_topic) and world.observer.on(circuit_topic)),
            10,
            "the switch's and the circuit's discovery messages",
        )
        switch = world.observer.last_json(switch_topic)
        assert switch["command_topic"] == f"{world.prefix}/charger/left/set"
        assert json.loads(switch["payload_on"]) == {"paused": True}
        circuit = world.observer.last_json(circuit_topic)
        assert circuit["value_template"] == "{{ value_json.ev_budget_a }}"


async def test_ampshare_serve_publishes_its_state_and_its_last_will_marks_it_offline(
    broker: BrokerAddress, tmp_path: Path
) -> None:
    prefix = unique_prefix()
    site_file = tmp_path / "site.toml"
    site_file.write_text(home_site(prefix, broker, f"shellyem-{prefix}"), encoding="utf-8")
    observer = Observer(broker, [f"{prefix}/#"])
    watching = asyncio.create_task(observer.run())
    await asyncio.wait_for(observer.connected.wait(), 10)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    server = subprocess.Popen(
        [sys.executable, "-m", "ampshare", "serve", "--site", str(site_file)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        status = f"{prefix}/status"
        await eventually(
            lambda: [m.payload for m in observer.on(status)][-1:] == ["online"],
            20,
            "ampshare serve online",
        )
        await eventually(
            lambda: observer.last_json(f"{prefix}/circuit/service/state") is not None,
            10,
            "the circuit's state",
        )
        killed_s = time.monotonic()
        server.send_signal(signal.SIGKILL)  # no goodbye: only the broker can tell
        await eventually(
            lambda: [m.payload for m in observer.on(status, killed_s)] == ["offline"],
            10,
            "the last will marking ampshare offline",
        )
        assert await retained_payload(broker, status) == "offline"
    finally:
        if server.poll() is None:
            server.kill()
        server.wait(timeout=10)
        watching.cancel()
        await clear_retained(broker, [f"{prefix}/#"])
