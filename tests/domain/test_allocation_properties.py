"""Invariants of section 1 of DESIGN.md over random sites, states and meter readings."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from ampshare.domain import Allocator, CarState, Site, SiteState
from ampshare.domain.demand import demand
from ampshare.domain.environment import environments
from ampshare.domain.loads import ev_loads, may_draw_a
from ampshare.domain.transition import old_offers_a, transition
from tests.domain.strategies import site_states, sites

TOLERANCE = 1e-6


def _slack(allocator: Allocator, k: int) -> float:
    """How far below full a bound constraint may sit: offers are floored to 0.1 A."""
    constraint = allocator.network.constraints[k]
    return 0.1 * sum(abs(c) for c in constraint.coeffs) + 1e-6


def _offline_only(allocator: Allocator, state: SiteState) -> list[float]:
    draws = may_draw_a(allocator.network, state, {})
    return ev_loads(allocator.network, draws)


@st.composite
def site_and_state(draw: st.DrawFn) -> tuple[Site, SiteState]:
    site = draw(sites())
    return site, draw(site_states(site))


@settings(max_examples=400, deadline=None)
@given(site_and_state())
def test_no_limit_is_ever_exceeded(case: tuple[Site, SiteState]) -> None:
    site, state = case
    allocator = Allocator(site)
    allocation = allocator.allocate(state)
    envs = environments(allocator.network, state)
    loads = ev_loads(allocator.network, may_draw_a(allocator.network, state, allocation.offers_a()))
    fixed = _offline_only(allocator, state)
    for k, constraint in enumerate(allocator.network.constraints):
        if fixed[k] <= envs[k].room + TOLERANCE:
            assert loads[k] <= envs[k].room + TOLERANCE, constraint.label
        else:
            # offline chargers and other loads alone overfill it: every car under it is paused
            for i in constraint.members:
                if site.chargers[i].id in allocation.chargers and i in _online_cars(site, state):
                    assert allocation.chargers[site.chargers[i].id].offered_a == 0


def _online_cars(site: Site, state: SiteState) -> set[int]:
    return {
        i
        for i, charger in enumerate(site.chargers)
        if state.charger(charger.id).car not in (CarState.NONE, CarState.OFFLINE)
    }


@settings(max_examples=400, deadline=None)
@given(site_and_state())
def test_offers_are_zero_or_between_minimum_and_rating(case: tuple[Site, SiteState]) -> None:
    site, state = case
    allocation = Allocator(site).allocate(state)
    for i in _online_cars(site, state):
        charger = site.chargers[i]
        offered_a = allocation.chargers[charger.id].offered_a
        assert offered_a == 0 or charger.min_current_a <= offered_a <= charger.max_current_a
        assert (offered_a == 0) == allocation.chargers[charger.id].paused


@settings(max_examples=400, deadline=None)
@given(site_and_state())
def test_no_spare_capacity_is_left_while_a_car_that_could_use_it_is_capped(
    case: tuple[Site, SiteState],
) -> None:
    site, state = case
    allocator = Allocator(site)
    network = allocator.network
    allocation = allocator.allocate(state)
    envs = environments(network, state)
    draws = may_draw_a(network, state, allocation.offers_a())
    loads = ev_loads(network, draws)
    for i in _online_cars(site, state):
        charger = site.chargers[i]
        result = allocation.chargers[charger.id]
        if result.paused:
            # its minimum would not fit on some constraint it is in
            assert any(
                abs(_phasor(allocator, k, draws) + c * charger.min_current_a)
                > envs[k].room - TOLERANCE
                for k, c in network.terms[i]
            ), charger.id
            continue
        ceiling_a = demand(charger, state.charger(charger.id)).ceiling_a
        if result.offered_a < ceiling_a - 0.1 - TOLERANCE:
            assert any(
                loads[k] >= envs[k].room - _slack(allocator, k) for k, _ in network.terms[i]
            ), (charger.id, result)


def _phasor(allocator: Allocator, k: int, draws: list[float]) -> complex:
    constraint = allocator.network.constraints[k]
    return sum(
        (c * draws[i] for i, c in zip(constraint.members, constraint.coeffs, strict=True)), 0j
    )


@st.composite
def two_moments(draw: st.DrawFn) -> tuple[Site, SiteState, SiteState]:
    """The same site, meters and unreachable chargers at two moments: cars come and go."""
    site = draw(sites())
    before = draw(site_states(site))
    later = dict(before.chargers)
    for charger in site.chargers:
        current = before.charger(charger.id)
        if current.car is not CarState.OFFLINE:
            car = draw(st.sampled_from([c for c in CarState if c is not CarState.OFFLINE]))
            later[charger.id] = replace(current, car=car)
    return site, before, SiteState(later, before.meters)


@settings(max_examples=400, deadline=None)
@given(two_moments())
def test_every_step_of_a_transition_fits_old_and_new_worst_case(
    case: tuple[Site, SiteState, SiteState],
) -> None:
    site, before, later = case
    allocator = Allocator(site)
    network = allocator.network
    old = allocator.allocate(before).offers_a()
    later = SiteState(
        {
            cid: replace(s, offered_a=old[cid]) if s.car is not CarState.OFFLINE else s
            for cid, s in later.chargers.items()
        },
        later.meters,
    )
    old_a = old_offers_a(allocator, later)
    new_a = allocator.allocate(later).offers_a()
    plan = transition(allocator, later, old_a, new_a)
    envs = environments(network, later)
    fixed = _offline_only(allocator, later)
    feasible = [fixed[k] <= envs[k].room + TOLERANCE for k in range(len(envs))]

    current = dict(old_a)
    for step in plan.steps:
        during = {cid: max(current.get(cid, 0.0), step.offers_a.get(cid, 0.0)) for cid in current}
        during.update({cid: a for cid, a in step.offers_a.items() if cid not in current})
        loads = ev_loads(network, may_draw_a(network, later, during))
        for k, load in enumerate(loads):
            if feasible[k] and _old_fits(allocator, later, old_a, k):
                assert load <= envs[k].room + TOLERANCE, network.constraints[k].label
        current.update(step.offers_a)
    if plan.steps:
        assert not plan.steps[-1].await_confirmation or len(plan.steps) == 1
    # a feasible target is always reached once the decreases are done
    assert dict(plan.held_a) == {}
    for cid, target_a in new_a.items():
        if later.charger(cid).car is not CarState.OFFLINE:
            assert current.get(cid, 0.0) == target_a


def _old_fits(allocator: Allocator, state: SiteState, old_a: dict[str, float], k: int) -> bool:
    envs = environments(allocator.network, state)
    loads = ev_loads(allocator.network, may_draw_a(allocator.network, state, old_a))
    return loads[k] <= envs[k].room + TOLERANCE
