"""Chargers that refuse offers, need a remote start to resume, take only watts, tell what
the driver needs (2.0.1), or speak 2.1's maxOfflineDuration."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ampshare.devices.ocpp import profiles
from ampshare.sim.ocpp import StationSpec
from tests.devices.ocpp.harness import FAST, HUNGRY, PROTOCOLS, eventually, group_site, serving


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_refused_offer_counts_the_charger_at_its_rating_and_is_retried(
    tmp_path: Path, protocol: str
) -> None:
    async with serving(group_site(tmp_path, protocol)) as harness:
        left, right = await harness.two_cars_sharing(protocol)
        # left's firmware starts refusing every profile: it may draw its full 32 A
        left.station.spec.accepts_profiles = False
        await right.disconnect()  # right's lease lapses; ampshare re-allocates
        await right.connect()
        await eventually(
            lambda: harness.runtime.loop.chargers["left"].refused_a is not None,
            what="the refusal reported to the loop",
        )
        await eventually(lambda: right.station.pilot_a() == 0.0, what="right cut to 0")

        def tries() -> int:
            return len([r for r in left.station.received if r.action == "SetChargingProfile"])

        refused = tries()
        left.station.spec.accepts_profiles = True
        await eventually(lambda: tries() > refused, timeout_s=30, what="the offer sent again")
        await eventually(lambda: right.station.pilot_a() > 0, timeout_s=30, what="right back")


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_charger_that_ends_its_transaction_at_0_a_is_resumed_with_a_remote_start(
    tmp_path: Path, protocol: str
) -> None:
    site = group_site(
        tmp_path, protocol, left_ocpp="[chargers.ocpp]\nresume_with_remote_start = true"
    )
    async with serving(site) as harness:
        left = harness.charge_point("left", protocol, StationSpec(stop_on_zero=True))
        await left.connect()
        await left.plug_in(HUNGRY, 60_000)
        await eventually(lambda: left.station.drawing_a() > 15, what="charging")
        harness.runtime.set_paused("left", True)
        await eventually(lambda: left.station.transaction_id is None, what="transaction ended")
        harness.runtime.set_paused("left", False)
        start = "RemoteStartTransaction" if protocol == "ocpp1.6" else "RequestStartTransaction"
        await eventually(
            lambda: any(r.action == start for r in left.station.received),
            timeout_s=20,
            what="a remote start",
        )
        await eventually(lambda: left.station.drawing_a() > 15, timeout_s=20, what="resumed")


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_charger_that_takes_only_watts_gets_its_offer_in_watts(
    tmp_path: Path, protocol: str
) -> None:
    async with serving(group_site(tmp_path, protocol)) as harness:
        spec = StationSpec(rate_units=frozenset({"W"}))
        left = harness.charge_point("left", protocol, spec)
        await left.connect()
        await harness.charge_point("right", protocol).connect()  # idle: left may have all
        await eventually(lambda: profiles.BASELINE_ID in left.station.store.profiles)
        baseline = left.station.store.profiles[profiles.BASELINE_ID]
        assert (baseline.unit, baseline.periods[0].limit) == ("W", 6 * 240)
        await left.plug_in(HUNGRY, 60_000)
        await eventually(lambda: left.station.pilot_a() == 32.0, what="32 A as 7680 W")
        offer = left.station.store.profiles[profiles.OFFER_TX_ID]
        assert (offer.unit, offer.periods[0].limit) == ("W", 32 * 240)


async def test_notify_ev_charging_needs_gives_the_loop_departure_and_energy(
    tmp_path: Path,
) -> None:
    async with serving(group_site(tmp_path, "ocpp2.0.1")) as harness:
        left = harness.charge_point("left", "ocpp2.0.1")
        await left.connect()
        leaves = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=3)
        await left.plug_in(HUNGRY, 20_000, departure=leaves)
        track = harness.runtime.loop.chargers["left"]
        await eventually(
            lambda: track.reading is not None and track.reading.energy_wanted_wh == 20_000,
            what="the energy wanted",
        )
        assert track.reading is not None and track.reading.departure_s == leaves.timestamp()


async def test_an_ocpp_21_charger_gets_max_offline_duration_as_its_lease(
    tmp_path: Path,
) -> None:
    site = group_site(
        tmp_path,
        "ocpp2.0.1",
        left_ocpp="[chargers.ocpp]\nsupports_max_offline_duration = true",
    )
    settings = replace(FAST, lease_s=8.0)
    async with serving(site, settings) as harness:
        left = harness.charge_point("left", "ocpp2.1")
        await left.connect()
        await harness.charge_point("right", "ocpp2.0.1").connect()
        await left.plug_in(HUNGRY, 60_000)
        await eventually(lambda: left.station.pilot_a() == 32.0, what="charging")
        offer = left.station.store.profiles[profiles.OFFER_TX_ID]
        assert offer.max_offline_duration_s == 8.0
        await left.disconnect()
        # offline, it falls back to its baseline by itself once maxOfflineDuration has passed
        await eventually(lambda: left.station.pilot_a() == 6.0, timeout_s=20, what="fallback")
