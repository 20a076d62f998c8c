"""The broker goes away and comes back. Meanwhile ampshare counts every MQTT charger at what
it may still draw and every MQTT meter as stale; the units, unfed, pause by themselves before
ampshare stops counting them at their last offer; after the broker is back ampshare reads
every device anew before it raises anything."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from ampshare.control.readings import Command
from ampshare.domain import CarState
from ampshare.sim.mqtt.broker import LocalBroker
from tests.devices.mqtt.harness import DATA_MAXINTERVAL_S, Home, both_charging, eventually, home

CHARGERS = ("left", "right")


def _counted_a(world: Home, charger_id: str) -> float:
    """What ampshare counts an unreachable charger at: its offer while it may hold, else its
    fallback (0 A for an OpenEVSE unit)."""
    state = world.runtime.loop.last_state
    assert state is not None
    charger = state.chargers[charger_id]
    if charger.offer_in_force and charger.offered_a is not None:
        return charger.offered_a
    return 0.0


async def test_broker_stopped_and_restarted(own_broker: LocalBroker, tmp_path: Path) -> None:
    async with home(own_broker.address, tmp_path) as world:
        await both_charging(world)
        loop = world.runtime.loop

        own_broker.stop()
        stopped_s = time.monotonic()

        def all_unreachable() -> bool:
            state = loop.last_state
            return (
                state is not None
                and all(state.chargers[c].car is CarState.OFFLINE for c in CHARGERS)
                and state.meters["house"].stale
            )

        await eventually(all_unreachable, 5, "every MQTT charger offline and the meter stale")
        allocation = loop.last_allocation
        assert allocation is not None
        assert {allocation.chargers[c].limited_by for c in CHARGERS} == {"offline"}
        circuit = allocation.circuits["service"]
        assert circuit.meter.value == "stale"

        # while the broker is away, the units lose ampshare's feed: their shapers pause them,
        # and never after ampshare stopped counting them at their last offer
        while time.monotonic() - stopped_s < DATA_MAXINTERVAL_S + 9:
            for charger_id in CHARGERS:
                unit = world.units[charger_id]
                if _counted_a(world, charger_id) == 0:
                    assert unit.evse_state() in (254, 255), (
                        f"{charger_id}: counted at 0 A while the unit still offers "
                        f"{unit.pilot_setting_a} A"
                    )
            await asyncio.sleep(0.1)
        assert all(not u.active and u.drawing_a == 0 for u in world.units.values())
        assert all(_counted_a(world, c) == 0 for c in CHARGERS)

        own_broker.start()
        back_s = time.monotonic()
        await eventually(
            lambda: all(u.drawing_a > 15 for u in world.units.values()),
            30,
            "both cars charging again after the broker came back",
        )
        events = [e for e in world.runtime.events if e.at_s >= back_s]
        first_sample = min(e.at_s for e in events if e.kind == "sample")
        offers: dict[str, float] = {}
        for event in events:
            if event.kind != "command" or not isinstance(event.value, Command):
                continue
            charger_id = event.device
            first_reading = min(
                e.at_s for e in events if e.kind == "reading" and e.device == charger_id
            )
            assert event.at_s > first_reading, f"{charger_id} sent an offer before it was read"
            offers[charger_id] = event.value.offer_a
            if event.at_s < first_sample:
                # the meter not read yet: stale, its circuit's chargers get the safe budget
                assert sum(offers.values()) <= 12.0, f"{offers} above the safe budget"
        assert all(offers.get(c, 0) > 6 for c in CHARGERS), offers
