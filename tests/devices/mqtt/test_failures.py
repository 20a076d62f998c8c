"""The meter goes silent; garbage arrives on device topics; an OpenEVSE unit's dead-man switch
is not set up, then fixed; ampshare stops and the units pause by themselves."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

import pytest

from ampshare.control.readings import MeterSample
from ampshare.sim.mqtt.broker import BrokerAddress
from tests.devices.mqtt.harness import (
    DATA_MAXINTERVAL_S,
    Home,
    both_charging,
    eventually,
    home,
    hungry_car,
    publish,
)


def _offers(world: Home, since_s: float = 0.0) -> dict[str, float]:
    result = {}
    for charger_id in world.units:
        claims = world.claims(charger_id, since_s)
        if claims:
            last = claims[-1]
            result[charger_id] = float(last["charge_current"]) if last["state"] == "active" else 0.0
    return result


async def test_a_silent_meter_sends_the_chargers_to_the_safe_budget(
    broker: BrokerAddress, tmp_path: Path
) -> None:
    async with home(broker, tmp_path) as world:
        await both_charging(world)
        world.meter.silent = True  # connected, but it reports nothing more
        silent_s = time.monotonic()
        # the site's safe_budget_a is 12 A: 6 A each once the meter is stale
        await eventually(
            lambda: (
                sum(_offers(world, silent_s).values()) <= 12 and len(_offers(world, silent_s)) == 2
            ),
            world.runtime.loop.settings.meter_timeout_s + 3,
            "both units cut to the safe budget",
        )
        await eventually(
            lambda: (world.state("circuit", "service") or {}).get("meter") == "stale",
            3,
            "the circuit's meter published as stale",
        )
        circuit = world.state("circuit", "service")
        assert circuit["ev_budget_a"] == 12.0
        assert circuit["load_a"] <= 12.0
        world.meter.silent = False
        world.meter.report_now()
        await eventually(lambda: sum(_offers(world).values()) > 30, 15, "the chargers raised again")


GARBAGE = ["abc", "NaN", "-inf", "1e12", "", "12 W", '{"power": 5}']


async def test_garbage_payloads_are_logged_once_per_topic_counted_and_ignored(
    broker: BrokerAddress, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="ampshare.devices.mqtt.payloads")
    async with home(broker, tmp_path, meter_period_s=1.0) as world:
        await both_charging(world)
        loop = world.runtime.loop
        meter = loop.meters["house"]
        garbage_s = time.monotonic()
        power_topic = f"{world.meter.base}/emeter/0/power"
        amp_topic = f"{world.units['left'].settings.base}/amp"
        state_topic = f"{world.units['left'].settings.base}/state"
        for payload in GARBAGE:
            await publish(broker, power_topic, payload)
        for payload in ("-5000", "hello", "1e9"):
            await publish(broker, amp_topic, payload)
        await publish(broker, state_topic, "99")

        status_topic = f"{world.prefix}/state"

        def counted() -> dict[str, int]:
            document = world.observer.last_json(status_topic) or {}
            return {t: r["count"] for t, r in document.get("rejected_payloads", {}).items()}

        expected = {power_topic: len(GARBAGE), amp_topic: 3, state_topic: 1}
        await eventually(lambda: counted() == expected, 5, f"the counts {expected}")

        # ignored: every reading the loop was given is one the meter really measured (the
        # house's 2 A and the cars), never a zero, never a garbage value
        def samples() -> list[MeterSample]:
            return [
                e.value
                for e in world.runtime.events
                if e.kind == "sample" and e.at_s >= garbage_s and isinstance(e.value, MeterSample)
            ]

        world.meter.report_now()
        await eventually(lambda: len(samples()) >= 2, 5, "the meter's next readings")
        assert all(2 * 240 <= (s.power_w or 0) <= 45 * 240 for s in samples()), samples()
        warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
        for topic in expected:
            logged = [r for r in warnings if topic in r.getMessage()]
            assert len(logged) == 1, f"{topic} logged {len(logged)} times"
        first = next(r.getMessage() for r in warnings if power_topic in r.getMessage())
        assert "'abc'" in first and "meter 'house'" in first and "not a number" in first
        # and ampshare goes on: a good payload is read
        await publish(broker, power_topic, "1200.00")
        await eventually(
            lambda: meter.sample is not None and meter.sample.power_w == 1200.0,
            5,
            "the good payload read after the garbage",
        )
        assert world.tasks["ampshare"].done() is False


async def test_a_unit_whose_dead_man_switch_is_off_is_held_paused_until_fixed(
    broker: BrokerAddress, tmp_path: Path
) -> None:
    async with home(broker, tmp_path, shaper={"enabled": False}) as world:
        for unit in world.units.values():
            unit.plug_in(hungry_car())
        await eventually(
            lambda: "held" in str((world.state("charger", "left") or {}).get("device")),
            10,
            "the unit published as held",
        )
        state = world.state("charger", "left")
        assert "current_shaper_enabled" in state["device"]["dead_man"]
        assert state["paused_by"] == ["settings"]
        await asyncio.sleep(2)
        assert all(u.drawing_a == 0 for u in world.units.values())
        assert all(c["state"] == "disabled" for c in world.claims("left"))
        # the installer turns the shaper on (the unit republishes its config)
        for unit in world.units.values():
            await publish(
                broker, f"{unit.settings.base}/config/set", '{"current_shaper_enabled": true}'
            )
        await eventually(
            lambda: all(u.drawing_a > 15 for u in world.units.values()),
            20,
            "both cars charging once the shaper is on",
        )
        assert (world.state("charger", "left") or {})["device"]["dead_man"] == "armed"


async def test_when_ampshare_stops_the_units_pause_by_themselves(
    broker: BrokerAddress, tmp_path: Path
) -> None:
    async with home(broker, tmp_path) as world:
        await both_charging(world)
        await world.stop("ampshare")
        await eventually(
            lambda: (
                [m.payload for m in world.observer.on(f"{world.prefix}/status")][-1:] == ["offline"]
            ),
            3,
            "ampshare's status published offline",
        )
        # claims never expire, but the shaper's data timeout does
        await eventually(
            lambda: all(u.drawing_a == 0 for u in world.units.values()),
            DATA_MAXINTERVAL_S + 10,
            "both units paused by their shapers",
        )
        assert all(u.evse_state() == 254 for u in world.units.values())
        for unit in world.units.values():
            # not before their data timeout had passed since ampshare's last feed (timed as
            # both reached the broker: a loaded machine may take seconds to stop ampshare)
            last_feed_s = world.observer.on(unit.settings.live_pwr_topic)[-1].at_s
            paused_s = next(
                m.at_s
                for m in world.observer.on(f"{unit.settings.base}/state", last_feed_s)
                if m.payload == "254"
            )
            assert paused_s - last_feed_s >= DATA_MAXINTERVAL_S - 0.5, "paused too early"
