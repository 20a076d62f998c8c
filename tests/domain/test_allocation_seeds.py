"""The behaviours the seeds promise, as a table: site, state -> offers."""

from __future__ import annotations

import pytest

from ampshare.domain import (
    CarState,
    Charger,
    ChargerState,
    Circuit,
    Meter,
    MeterReading,
    Site,
    SiteState,
    allocate,
    validate_site,
)
from tests.domain.builders import T0, charging, seed_site

GARAGE = seed_site()


@pytest.mark.parametrize(
    ("title", "chargers", "expected"),
    [
        ("one car alone gets the whole 40 A group", {"left": charging()}, {"left": 40, "right": 0}),
        (
            "two cars split 50/50",
            {"left": charging(), "right": charging()},
            {"left": 20, "right": 20},
        ),
        (
            "a second car that has not started holds its 6 A minimum",
            {"left": charging(38, 40), "right": ChargerState(CarState.CONNECTED)},
            {"left": 34, "right": 6},
        ),
        (
            "once it draws, the second car ramps to 50/50",
            {"left": charging(38, 40), "right": charging(5.7, 6, minute=5)},
            {"left": 20, "right": 20},
        ),
        (
            "a car that leaves returns its share at once",
            {"left": charging(19, 20), "right": ChargerState(CarState.NONE, offered_a=20)},
            {"left": 40, "right": 0},
        ),
    ],
)
def test_seed_behaviour(
    title: str, chargers: dict[str, ChargerState], expected: dict[str, float]
) -> None:
    allocation = allocate(GARAGE, SiteState(chargers))
    assert allocation.offers_a() == expected, title


def test_a_tapering_car_gives_its_unused_amps_to_the_other() -> None:
    state = SiteState({"left": charging(8, 20), "right": charging(19, 20)})
    allocation = allocate(GARAGE, state)
    left, right = allocation.chargers["left"], allocation.chargers["right"]
    # capped a little above its 8 A draw (so it can show it wants more again), the rest to right
    assert 8 < left.offered_a <= 11
    assert left.limited_by == "car"
    assert "draws 8 A" in left.reason
    assert right.offered_a == pytest.approx(40 - left.offered_a)
    assert right.limited_by == "circuit:garage"


def test_a_capped_car_that_draws_near_its_cap_gets_its_share_back() -> None:
    capped = allocate(GARAGE, SiteState({"left": charging(8, 20), "right": charging(19, 20)}))
    cap_a = capped.chargers["left"].offered_a
    again = SiteState({"left": charging(cap_a * 0.95, cap_a), "right": charging(28, 29)})
    assert allocate(GARAGE, again).offers_a() == {"left": 20, "right": 20}


def test_a_capped_car_stays_capped_while_it_draws_the_same() -> None:
    capped = allocate(GARAGE, SiteState({"left": charging(8, 20), "right": charging(19, 20)}))
    cap_a = capped.chargers["left"].offered_a
    same = allocate(GARAGE, SiteState({"left": charging(8, cap_a), "right": charging(28, 29)}))
    assert same.chargers["left"].offered_a == cap_a


def test_three_cars_on_16_a_two_fit_at_their_minimum_the_latest_is_paused() -> None:
    site = Site(
        "small",
        240,
        (Circuit("branch", 20),),
        tuple(
            Charger(name, "branch", 16, fallback_current_a=0, start_current_a=0)
            for name in ("a", "b", "c")
        ),
    )
    assert validate_site(site) == []
    state = SiteState({"a": charging(minute=0), "b": charging(minute=2), "c": charging(minute=1)})
    allocation = allocate(site, state)
    assert allocation.offers_a() == {"a": 8, "b": 0, "c": 8}
    paused = allocation.chargers["b"]
    assert paused.paused
    assert paused.limited_by == "circuit:branch"
    assert "6 A minimum" in paused.reason


def test_higher_priority_is_kept_when_not_everyone_fits() -> None:
    site = Site(
        "small",
        240,
        (Circuit("branch", 20),),
        (
            Charger("a", "branch", 16, fallback_current_a=0),
            Charger("b", "branch", 16, fallback_current_a=0, priority=1),
            Charger("c", "branch", 16, fallback_current_a=0),
        ),
    )
    state = SiteState({"a": charging(minute=0), "b": charging(minute=9), "c": charging(minute=1)})
    assert allocate(site, state).offers_a() == {"a": 6, "b": 10, "c": 0}


def test_nested_circuits_the_parent_binds() -> None:
    site = Site(
        "nested",
        240,
        (
            Circuit("service", 100, limit_a=60),
            Circuit("north", 50, parent="service"),
            Circuit("south", 50, parent="service"),
        ),
        tuple(Charger(f"{side}{n}", side, 40) for side in ("north", "south") for n in (1, 2)),
    )
    state = SiteState({charger.id: charging() for charger in site.chargers})
    allocation = allocate(site, state)
    assert set(allocation.offers_a().values()) == {15}
    assert {a.limited_by for a in allocation.chargers.values()} == {"circuit:service"}
    assert allocation.circuits["north"].load_a == 30
    assert allocation.circuits["service"].load_a == 60


def test_nested_circuits_a_child_binds_and_the_rest_goes_to_the_other_branch() -> None:
    site = Site(
        "nested",
        240,
        (
            Circuit("service", 100),
            Circuit("north", 20, parent="service"),
            Circuit("south", 100, parent="service"),
        ),
        (
            Charger("n1", "north", 16),
            Charger("s1", "south", 80),
            Charger("s2", "south", 80),
        ),
    )
    state = SiteState({charger.id: charging() for charger in site.chargers})
    assert allocate(site, state).offers_a() == {"n1": 16, "s1": 32, "s2": 32}


def house_site() -> Site:
    return Site(
        "home",
        240,
        (Circuit("service", 100), Circuit("ev", 50, parent="service")),
        (Charger("left", "ev", 40), Charger("right", "ev", 40)),
        (Meter("house", "service"),),
    )


def test_house_load_of_30_a_on_a_100_a_service_leaves_50_a_for_the_cars() -> None:
    # the meter sees the house and the two cars, which draw 10 A each now
    state = SiteState(
        {"left": charging(10, 12), "right": charging(10, 12)},
        {"house": MeterReading(current_a=(50.0,))},
    )
    allocation = allocate(house_site(), state)
    service = allocation.circuits["service"]
    assert service.other_load_a == 30
    assert service.ev_budget_a == 50
    # the 40 A EV subcircuit binds before the 50 A left on the service
    assert allocation.offers_a() == {"left": 20, "right": 20}
    assert service.load_a == 70


def test_a_big_house_load_makes_the_service_bind() -> None:
    state = SiteState(
        {"left": charging(19, 20), "right": charging(19, 20)},
        {"house": MeterReading(current_a=(98.0,))},  # 60 A of oven, dryer and heat pump
    )
    allocation = allocate(house_site(), state)
    assert allocation.offers_a() == {"left": 10, "right": 10}
    assert allocation.chargers["left"].limited_by == "circuit:service"
    assert "60 A of it other load" in allocation.chargers["left"].reason


def test_a_stale_meter_is_never_read_as_zero_load() -> None:
    state = SiteState(
        {"left": charging(19, 20), "right": charging(19, 20)},
        {"house": MeterReading(current_a=(40.0,), stale=True)},
    )
    allocation = allocate(house_site(), state)
    # the safe budget: the sum of the fallbacks, 6 A each
    assert allocation.offers_a() == {"left": 6, "right": 6}
    assert allocation.circuits["service"].meter == "stale"
    assert "no fresh reading" in allocation.chargers["left"].reason


def test_a_meter_that_never_reported_is_stale() -> None:
    state = SiteState({"left": charging(), "right": charging()})
    assert allocate(house_site(), state).offers_a() == {"left": 6, "right": 6}


def test_an_offline_charger_counts_at_its_last_offer_while_it_may_be_in_force() -> None:
    state = SiteState({"left": ChargerState(CarState.OFFLINE, offered_a=30), "right": charging()})
    allocation = allocate(GARAGE, state)
    assert allocation.offers_a() == {"left": 30, "right": 10}
    assert allocation.chargers["left"].limited_by == "offline"


def test_an_offline_charger_whose_offer_lapsed_counts_at_its_fallback() -> None:
    state = SiteState(
        {
            "left": ChargerState(CarState.OFFLINE, offered_a=30, offer_in_force=False),
            "right": charging(),
        }
    )
    assert allocate(GARAGE, state).offers_a() == {"left": 6, "right": 34}


def test_the_car_s_own_maximum_caps_it_and_the_rest_goes_to_the_other() -> None:
    state = SiteState({"left": ChargerState(CarState.CHARGING, ev_max_a=16), "right": charging()})
    allocation = allocate(GARAGE, state)
    assert allocation.offers_a() == {"left": 16, "right": 24}
    assert allocation.chargers["left"].reason == "the car takes at most 16 A"


def test_a_suspended_car_yields_its_minimum_to_a_car_that_would_draw_it() -> None:
    site = Site(
        "small",
        240,
        (Circuit("branch", 15, limit_a=10),),
        (
            Charger("a", "branch", 12, fallback_current_a=0),
            Charger("b", "branch", 12, fallback_current_a=0),
        ),
    )
    state = SiteState(
        {
            "a": ChargerState(CarState.SUSPENDED, measured_a=0, offered_a=6, plugged_in_at=T0),
            "b": charging(minute=30),
        }
    )
    allocation = allocate(site, state)
    # plugged in first, but not drawing: its 6 A goes to the car that would use it
    assert allocation.offers_a() == {"a": 0, "b": 10}
    assert allocation.chargers["a"].paused
