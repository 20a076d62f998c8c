"""Two chargers on a 32 A group, over real websockets: each car gets its share, cuts land
before raises, a tapering car's amps go to the other, a lost charger is counted at its last
offer until its lease lapses (and it falls back to its baseline by itself)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from ampshare.devices.ocpp import profiles
from ampshare.sim.car import CarModel
from ampshare.sim.ocpp import SimulatedChargePoint
from tests.devices.ocpp.harness import HUNGRY, PROTOCOLS, eventually, group_site, serving

LIMIT_A = 32.0


def _offers(sim: SimulatedChargePoint) -> list[tuple[float, float]]:
    """(arrival, limit) of each offer the charger was sent."""
    return [
        (r.at_s, _limit(r.payload))
        for r in sim.station.received
        if r.action == "SetChargingProfile"
        and _profile_id(r.payload) in (profiles.OFFER_TX_ID, profiles.OFFER_DEFAULT_ID)
    ]


def _profile_id(payload: dict[str, object]) -> object:
    return payload.get("charging_profile_id", payload.get("id"))


def _limit(payload: dict[str, object]) -> float:
    schedule = payload["charging_schedule"]
    if isinstance(schedule, list):
        schedule = schedule[0]
    assert isinstance(schedule, dict)
    return float(schedule["charging_schedule_period"][0]["limit"])


class Pilots:
    """Samples what both chargers enforce, every 20 ms."""

    def __init__(self, *sims: SimulatedChargePoint) -> None:
        self.sims = sims
        self.samples: list[tuple[float, tuple[float, ...]]] = []
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            self.samples.append((time.monotonic(), tuple(s.station.pilot_a() for s in self.sims)))
            await asyncio.sleep(0.02)

    def stop(self) -> None:
        self._task.cancel()

    def first_time(self, index: int, at_most_a: float) -> float:
        return next(t for t, pilots in self.samples if pilots[index] <= at_most_a)


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_two_cars_share_16_16_with_the_cut_confirmed_before_the_raise(
    tmp_path: Path, protocol: str
) -> None:
    async with serving(group_site(tmp_path, protocol)) as harness:
        left = harness.charge_point("left", protocol)
        right = harness.charge_point("right", protocol)
        await left.connect()
        await right.connect()
        pilots = Pilots(left, right)
        await left.plug_in(HUNGRY, 60_000)
        await eventually(lambda: left.station.pilot_a() == LIMIT_A, what="left alone at 32 A")
        await right.plug_in(HUNGRY, 60_000)
        await eventually(
            lambda: (left.station.pilot_a(), right.station.pilot_a()) == (16.0, 16.0),
            what="16/16",
        )
        pilots.stop()
        cut_s = pilots.first_time(0, 16.0)
        raises = [at for at, limit in _offers(right) if limit > 6.0]
        assert raises and raises[0] >= cut_s, "right was raised before left's cut took effect"
        # never more than the breaker (40 A) even while right started at its default 6 A,
        # and never above the 32 A limit once the raise was sent
        assert all(sum(p) <= 40.0 for _, p in pilots.samples), [
            p for _, p in pilots.samples if sum(p) > 40
        ][:5]
        assert all(sum(p) <= LIMIT_A for t, p in pilots.samples if t >= raises[0])
        # the loop saw both confirmed through Current.Offered
        state = harness.runtime.loop.last_state
        assert state is not None
        assert state.chargers["left"].offered_a == 16.0


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_tapering_car_gives_its_unused_amps_to_the_other(
    tmp_path: Path, protocol: str
) -> None:
    async with serving(group_site(tmp_path, protocol)) as harness:
        left = harness.charge_point("left", protocol)
        right = harness.charge_point("right", protocol)
        await left.connect()
        await right.connect()
        # a nearly full car: it draws ever less (its battery tapers above 10 %)
        tapering = CarModel(battery_wh=400, max_current_a=32, taper_soc=0.1, finish_current_a=3)
        await left.plug_in(tapering, 40)
        await right.plug_in(HUNGRY, 60_000)
        await eventually(
            lambda: right.station.pilot_a() >= 20.0,
            timeout_s=30,
            what="right raised above its half as left tapers",
        )
        assert left.station.pilot_a() + right.station.pilot_a() <= LIMIT_A
        assert left.station.drawing_a() < 16.0


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_lost_charger_counts_at_its_offer_until_its_lease_lapses(
    tmp_path: Path, protocol: str
) -> None:
    async with serving(group_site(tmp_path, protocol)) as harness:
        left, right = await harness.two_cars_sharing(protocol)
        await left.disconnect()
        pilots = Pilots(left, right)
        # left keeps 16 A by its profile until the lease lapses; then its baseline, 6 A
        await eventually(lambda: left.station.pilot_a() == 6.0, timeout_s=20, what="fallback")
        await eventually(
            lambda: right.station.pilot_a() == 26.0, timeout_s=20, what="right gets 32 - 6"
        )
        pilots.stop()
        assert all(sum(p) <= LIMIT_A for _, p in pilots.samples), "over the limit"
        lapsed_s = pilots.first_time(0, 6.0)
        assert all(p[1] <= 16.0 for t, p in pilots.samples if t < lapsed_s)
