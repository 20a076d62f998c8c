"""Seed 003: a new car is granted current only after the others confirm their cut."""

from __future__ import annotations

from ampshare.domain import Allocator, CarState, ChargerState, MeterReading, SiteState
from ampshare.domain.transition import old_offers_a, transition
from tests.domain.builders import charging, seed_site
from tests.domain.test_allocation_seeds import house_site


def test_a_second_car_is_raised_only_after_the_first_confirms_its_cut() -> None:
    allocator = Allocator(seed_site())
    # right's car just plugged in and draws the charger's own 6 A start current
    state = SiteState({"left": charging(38, 40), "right": charging(5.7, None, minute=5)})
    old = old_offers_a(allocator, state)
    assert old == {"left": 40, "right": 6}
    new = allocator.allocate(state).offers_a()
    assert new == {"left": 20, "right": 20}

    plan = transition(allocator, state, old, new)
    cut, grant = plan.steps
    assert cut.offers_a == {"left": 20}
    assert cut.await_confirmation
    assert grant.offers_a == {"right": 20}
    assert plan.held_a == {}


def test_without_cuts_the_increases_go_at_once() -> None:
    allocator = Allocator(seed_site())
    state = SiteState({"left": charging(19, 20)})
    plan = transition(allocator, state, {"left": 20, "right": 0}, {"left": 40, "right": 0})
    (only,) = plan.steps
    assert only.offers_a == {"left": 40}
    assert not only.await_confirmation


def test_an_unreachable_charger_is_never_sent_anything() -> None:
    allocator = Allocator(seed_site())
    state = SiteState({"left": ChargerState(CarState.OFFLINE, offered_a=20), "right": charging()})
    new = allocator.allocate(state).offers_a()
    plan = transition(allocator, state, {"right": 6}, new)
    assert [step.offers_a for step in plan.steps] == [{"right": 20}]


def test_an_increase_that_does_not_fit_after_the_cuts_is_held() -> None:
    # the house jumped to 80 A since the target was computed: granting it would overload
    allocator = Allocator(house_site())
    state = SiteState(
        {"left": charging(19, 20), "right": charging(5.7, 6)},
        {"house": MeterReading(current_a=(80.0 + 24.7,))},
    )
    plan = transition(allocator, state, {"left": 20, "right": 6}, {"left": 10, "right": 20})
    assert [step.offers_a for step in plan.steps] == [{"left": 10}]
    assert plan.held_a == {"right": 20}
