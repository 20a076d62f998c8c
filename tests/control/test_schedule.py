"""The schedule by drivers' needs: what a plan gives cars now, and how the allocation uses it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ampshare.control.schedule import PlanCar, ScheduleSettings, Taper, plan_currents
from ampshare.domain import Allocator, SiteState
from ampshare.domain.network import compile_network
from tests.domain.builders import charging, seed_site

HOUR_S = 3600.0
NOW_S = 1_000_000.0


def _plan(cars: list[PlanCar], breaker_a: float = 50) -> dict[int, float]:
    network = compile_network(seed_site(breaker_a))
    room = [constraint.limit for constraint in network.constraints]
    return plan_currents(network, room, cars, NOW_S)


def _car(
    charger: int, hours: float | None, wanted_kwh: float | None, delivered_kwh: float = 0.0
) -> PlanCar:
    wanted_wh = None if wanted_kwh is None else wanted_kwh * 1000
    remaining_wh = None if wanted_wh is None else wanted_wh - delivered_kwh * 1000
    departure_s = None if hours is None else NOW_S + hours * HOUR_S
    return PlanCar(charger, 40.0, departure_s, remaining_wh, wanted_wh)


def test_two_cars_alike_share_the_circuit_evenly() -> None:
    planned = _plan([_car(0, 8, 30), _car(1, 8, 30)], breaker_a=40)  # 32 A continuous
    assert planned == {0: 16.0, 1: 16.0}


def test_a_car_that_leaves_soon_gets_what_it_needs_before_one_that_stays() -> None:
    # 40 A at 240 V: the car leaving in 2 h needs more than all of it (20 kWh in 2 h is 44 A
    # at 95 %); the other has 10 h for its 18 kWh and waits
    planned = _plan([_car(0, 2, 20), _car(1, 10, 18)])
    assert planned == {0: 40.0, 1: 0.0}


def test_a_car_with_time_to_spare_lets_the_other_keep_its_minimum() -> None:
    # 15 kWh in 2 h less its tenth is 36.5 A: the car leaving soon can spare the other's 6 A
    planned = _plan([_car(0, 2, 15), _car(1, 10, 18)])
    assert planned[1] >= 6
    assert planned[0] + planned[1] >= 40 - 1e-6


def test_a_car_is_planned_to_be_done_a_tenth_of_its_stay_early() -> None:
    # 18 kWh in 2 h is 39.5 A, so it could just spare the other's minimum; in 1.8 h it is
    # 43.9 A, more than the circuit: it gets all of it now, the other waits
    cars = [_car(0, 2, 18), _car(1, 10, 18)]
    assert _plan(cars) == {0: 40.0, 1: 0.0}
    network = compile_network(seed_site(50))
    room = [constraint.limit for constraint in network.constraints]
    to_the_minute = ScheduleSettings(ready_early_share=0.0)
    assert plan_currents(network, room, cars, NOW_S, to_the_minute)[1] >= 6


def test_when_both_can_be_served_neither_is_paused_for_the_plan() -> None:
    # 10 h for 18 kWh each: enough for both at any split, so each keeps at least its minimum
    planned = _plan([_car(0, 10, 18), _car(1, 10, 20)])
    assert min(planned.values()) >= 6
    assert sum(planned.values()) >= 40 - 1e-6  # and nothing is left unused now


def test_a_car_that_has_what_it_wanted_is_planned_nothing() -> None:
    planned = _plan([_car(0, 5, 10, delivered_kwh=10), _car(1, 5, 30)])
    assert planned[0] == 0
    assert planned[1] == 40


def test_a_car_whose_driver_said_nothing_gets_its_part() -> None:
    planned = _plan([_car(0, 8, 10), _car(1, None, None)])
    assert planned[1] >= 6
    assert sum(planned.values()) >= 40 - 1e-6


def test_a_car_past_its_departure_is_still_served_at_once() -> None:
    planned = _plan([_car(0, -1, 10), _car(1, 10, 10)])
    assert planned[0] >= 20


def test_the_plan_keeps_within_the_room_it_is_given() -> None:
    network = compile_network(seed_site(50))
    cars = [_car(0, 3, 20), _car(1, 3, 20)]
    planned = plan_currents(network, [25.0], cars, NOW_S)
    assert sum(planned.values()) <= 25 * 1.001


def test_the_allocation_gives_planned_amounts_first_and_shares_the_rest() -> None:
    site = seed_site()  # 40 A continuous
    allocator = Allocator(site)
    left = replace(charging(30, 32), planned_a=28.0)
    right = replace(charging(30, 32), planned_a=4.0)  # below its minimum: admitted after
    offers = allocator.allocate(SiteState({"left": left, "right": right})).offers_a()
    # left gets its 28 A; right its minimum from what is left, then the rest is shared
    assert offers == {"left": 28.0, "right": 12.0}
    # with no plan the two share evenly
    plain = allocator.allocate(SiteState({"left": charging(30, 32), "right": charging(30, 32)}))
    assert plain.offers_a() == {"left": 20.0, "right": 20.0}


def test_a_plan_never_takes_a_car_past_its_ceiling_or_the_circuit() -> None:
    site = seed_site()
    allocator = Allocator(site)
    state = SiteState(
        {
            "left": replace(charging(30, 32), planned_a=40.0),
            "right": replace(charging(30, 32), planned_a=40.0),
        }
    )
    offers = allocator.allocate(state).offers_a()
    assert offers == {"left": 20.0, "right": 20.0}


def test_default_settings_plan_in_growing_steps_up_to_two_days() -> None:
    settings = ScheduleSettings()
    ends = settings.step_ends_s
    assert ends[0] == 300 and list(ends) == sorted(ends)
    assert settings.horizon_s == 2 * 24 * HOUR_S


def test_a_car_alone_in_the_plan_on_a_shared_circuit_is_held_to_that_circuit() -> None:
    network = compile_network(seed_site(50))
    planned = plan_currents(network, [12.0], [_car(0, 3, 20)], NOW_S)
    assert planned == {0: 12.0}


def test_the_first_step_gives_each_car_its_minimum_or_nothing() -> None:
    # 15 A for three cars that want the same: shared as fractions, one would get 3 A, which
    # a car cannot draw (J1772: 6 A or nothing); whole, two cars share all 15 A
    network = compile_network(seed_site(50, chargers=3))
    room = [15.0] * len(network.constraints)
    cars = [_car(i, 8, 30) for i in range(3)]
    fractions = plan_currents(network, room, cars, NOW_S, ScheduleSettings(whole_minimums=False))
    assert any(0 < a < 6 for a in fractions.values())
    planned = plan_currents(network, room, cars, NOW_S)
    assert all(a == 0 or a >= 6 for a in planned.values())
    assert sorted(planned.values())[0] == 0
    assert sum(planned.values()) == pytest.approx(15.0)


def test_a_car_that_tapers_is_planned_no_more_than_it_can_draw() -> None:
    network = compile_network(seed_site(50))
    room = [constraint.limit for constraint in network.constraints]
    # 3 kWh to go, drawing 17 A now and 2.67 A less for each kWh more
    free = _car(0, 8, 10, delivered_kwh=7)
    tapering = replace(free, taper=Taper(17.0, 32 / 12_000))
    assert plan_currents(network, room, [free], NOW_S)[0] > 30
    assert plan_currents(network, room, [tapering], NOW_S)[0] == pytest.approx(17 / 0.95)
