"""Leases are renewed in time, and offers made together are not all renewed in one tick."""

from __future__ import annotations

import itertools
import math
from collections import defaultdict

from ampshare.control.loop import ControlLoop
from ampshare.control.readings import ChargerReading, Command
from ampshare.control.settings import LoopSettings
from ampshare.domain import CarState, Charger, Circuit, Site

CHARGERS = 90


def _site() -> Site:
    return Site(
        "garage",
        240,
        (Circuit("main", 1_000),),
        tuple(Charger(f"c{i}", "main", 32, start_current_a=0) for i in range(CHARGERS)),
    )


def test_offers_made_together_are_renewed_a_few_per_tick_and_none_lapses() -> None:
    settings = LoopSettings(schedule=None)
    loop = ControlLoop(_site(), settings)
    offers = {f"c{i}": 0.0 for i in range(CHARGERS)}
    sent: dict[str, list[float]] = defaultdict(list)
    per_tick: list[int] = []

    def take(commands: list[Command], now_s: float) -> int:
        for command in commands:
            offers[command.charger_id] = command.offer_a
            sent[command.charger_id].append(now_s)
        return len(commands)

    now_s = 0.0
    for charger_id in offers:  # every car arrives at once: every offer is made at once
        take(loop.charger_reading(charger_id, ChargerReading(CarState.CONNECTED), now_s), now_s)
    for second in range(1, 400):
        now_s = float(second)
        for charger_id, offer_a in offers.items():  # each charger reports what it enforces
            reading = ChargerReading(CarState.CHARGING, measured_a=offer_a, offered_a=offer_a)
            take(loop.charger_reading(charger_id, reading, now_s), now_s)
        per_tick.append(take(loop.tick(now_s), now_s))
    assert all(offer_a >= 6 for offer_a in offers.values()), offers  # 800 A shared by 90
    share = math.ceil(2 * CHARGERS * settings.tick_s / settings.lease_refresh_s)
    # after the arrival, ticks send nothing but renewals: a few at a time
    assert max(per_tick[30:]) <= share, per_tick
    assert sum(per_tick[30:]) >= CHARGERS * 5, "leases were not renewed"
    lease_s = settings.lease_s
    assert lease_s is not None
    for charger_id, times_s in sent.items():
        gaps_s = [b - a for a, b in itertools.pairwise(times_s)] + [now_s - times_s[-1]]
        assert max(gaps_s) < lease_s, f"{charger_id}'s lease lapsed: {times_s}"
