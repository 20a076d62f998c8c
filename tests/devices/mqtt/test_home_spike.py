"""Seed 004's home on a real broker: two OpenEVSE units sharing a 40 A service with the house,
a Shelly EM on the service. ampshare shares the service between the cars, and when the house
spikes by 30 A it cuts them within one tick so that the service stays within its limit."""

from __future__ import annotations

import time
from pathlib import Path

from ampshare.sim.mqtt.broker import BrokerAddress
from tests.devices.mqtt.harness import Home, both_charging, eventually, home

LIMIT_A = 40.0


def _active_amps(world: Home, charger_id: str, since_s: float = 0.0) -> float | None:
    claims = world.claims(charger_id, since_s)
    if not claims:
        return None
    last = claims[-1]
    return float(last["charge_current"]) if last["state"] == "active" else 0.0


async def test_two_units_share_the_service_and_a_house_spike_cuts_them_within_one_tick(
    broker: BrokerAddress, tmp_path: Path
) -> None:
    async with home(broker, tmp_path) as world:
        await both_charging(world)
        # 40 A less the house's 2 A: 19 A each, whole amps on the units
        await eventually(
            lambda: (_active_amps(world, "left"), _active_amps(world, "right")) == (19.0, 19.0),
            10,
            "an even split of the 38 A left by the house",
        )
        assert world.total_a() <= LIMIT_A

        world.house_a = 32.0  # the oven and the dryer
        spike_s = time.monotonic()
        world.meter.report_now()
        tick_s = world.runtime.loop.settings.tick_s

        def cut() -> bool:
            offers = [_active_amps(world, c, spike_s) for c in ("left", "right")]
            return all(o is not None for o in offers) and sum(o or 0 for o in offers) <= 8.0

        await eventually(cut, tick_s + 1.0, "cuts to the 8 A the house leaves")
        claims = [m for m in world.observer.messages if m.topic.endswith("/claim/set")]
        first_cut_s = min(m.at_s for m in claims if m.at_s >= spike_s)
        assert first_cut_s - spike_s < tick_s, "the cut came later than one tick"

        # the cars follow their pilots: the service is within its limit again, as the meter
        # reads it and as ampshare counts it
        await eventually(lambda: world.total_a() <= LIMIT_A, 10, "the service back within 40 A")
        await eventually(
            lambda: (world.state("circuit", "service") or {}).get("load_a", 99) <= LIMIT_A,
            5,
            "ampshare's count of the service within 40 A",
        )
        state = world.state("circuit", "service")
        assert state["meter"] == "fresh"
        assert state["other_load_a"] >= 30
