"""A car that stopped drawing (full, or waiting) gets its minimum only from what the cars that
draw leave: at a busy site its minimum would otherwise sit idle all day."""

from __future__ import annotations

from ampshare.domain import CarState, ChargerState, SiteState, allocate
from tests.domain.builders import T0, charging, seed_site

FULL = ChargerState(CarState.SUSPENDED, measured_a=0.0, offered_a=6.0, plugged_in_at=T0)


def test_a_full_car_keeps_its_minimum_while_the_others_cannot_use_it() -> None:
    site = seed_site(breaker_a=50, rating_a=32)  # 40 A continuous, 32 A chargers
    state = SiteState({"left": FULL, "right": charging(30.4, 32.0, minute=5)})
    offers = allocate(site, state).offers_a()
    assert offers == {"left": 6.0, "right": 32.0}


def test_a_full_car_yields_its_minimum_when_the_cars_that_draw_need_it() -> None:
    site = seed_site(breaker_a=50, chargers=3, rating_a=40)
    state = SiteState(
        {"left": FULL, "right": charging(19.0, 20.0, minute=5), "third": charging(minute=9)}
    )
    allocation = allocate(site, state)
    offers = allocation.offers_a()
    assert offers["left"] == 0  # paused: its 6 A go to the cars that draw
    assert offers["right"] == offers["third"] == 20.0
    assert allocation.chargers["left"].paused
