"""A demand limit (15-minute average power, as utilities bill it) and the power budget the
control loop derives from it, tick by tick."""

from __future__ import annotations

import math
from collections.abc import Mapping

import pytest

from ampshare.domain import (
    Charger,
    ChargerState,
    Circuit,
    Meter,
    MeterReading,
    Site,
    SiteState,
    StateError,
    allocate,
    validate_site,
    validate_state,
)
from ampshare.domain.network import ConstraintKind, compile_network
from tests.domain.builders import charging


def _office(
    demand_limit_w: float | None = 10_000,
    max_power_w: float | None = None,
    fallback_a: float = 6,
) -> Site:
    """Four 48 A chargers at 240 V, each on a 60 A branch of a 200 A service with a demand
    limit (seed 002)."""
    service = Circuit("service", 200, demand_limit_w=demand_limit_w, max_power_w=max_power_w)
    branches = tuple(Circuit(f"b{n}", 60, parent="service") for n in range(4))
    chargers = tuple(
        Charger(f"ev{n}", f"b{n}", 48, fallback_current_a=fallback_a, start_current_a=0)
        for n in range(4)
    )
    return Site("office", 240, (service, *branches), chargers)


def _all_charging(
    site: Site,
    meters: Mapping[str, MeterReading] | None = None,
    power_budget_w: Mapping[str, float] | None = None,
) -> SiteState:
    return SiteState({c.id: charging() for c in site.chargers}, meters or {}, power_budget_w or {})


def test_a_demand_limit_alone_is_a_power_constraint_without_an_instant_cap() -> None:
    (current, power, *branches) = compile_network(_office()).constraints
    assert len(branches) == 4
    assert current.kind is ConstraintKind.CURRENT
    assert power.kind is ConstraintKind.POWER
    assert power.limit == math.inf
    assert power.label == "service:power"
    assert power.breaker_a is None
    assert power.coeffs == (240, 240, 240, 240)


def test_a_power_cap_and_a_demand_limit_make_one_power_constraint_at_the_cap() -> None:
    constraints = compile_network(_office(10_000, 20_000)).constraints
    assert [c.limit for c in constraints if c.kind is ConstraintKind.POWER] == [20_000]


def test_without_a_budget_the_demand_limit_itself_holds() -> None:
    site = _office()
    allocation = allocate(site, _all_charging(site))
    # a steady 10 kW averages to 10 kW over any interval: 10.4 A each at 240 V
    for result in allocation.chargers.values():
        assert result.offered_a == pytest.approx(10_000 / 240 / 4, abs=0.1)
        assert result.limited_by == "circuit:service:power"
    assert allocation.circuits["service"].conductors["power"].limit == 10_000


def test_a_budget_raises_or_lowers_what_the_chargers_may_use_now() -> None:
    site = _office()
    # early in an interval that began quietly, the rest of it may take more than the limit
    early = allocate(site, _all_charging(site, power_budget_w={"service": 19_200}))
    for result in early.chargers.values():
        assert result.offered_a == pytest.approx(20.0)
        assert result.limited_by == "circuit:service:power"
        assert "circuit 'service' is at its power budget of 19.2 kW for now" in result.reason
    assert early.circuits["service"].conductors["power"].limit == 19_200
    late = allocate(site, _all_charging(site, power_budget_w={"service": 5_760}))
    assert set(late.offers_a().values()) == {6.0}


def test_a_budget_of_nothing_pauses_every_car() -> None:
    site = _office()
    allocation = allocate(site, _all_charging(site, power_budget_w={"service": 0}))
    assert all(result.paused for result in allocation.chargers.values())
    assert allocation.chargers["ev0"].limited_by == "circuit:service:power"


def test_the_power_cap_still_holds_above_a_larger_budget() -> None:
    site = _office(10_000, 12_000)
    allocation = allocate(site, _all_charging(site, power_budget_w={"service": 50_000}))
    assert sum(allocation.offers_a().values()) * 240 == pytest.approx(12_000, abs=4 * 24)
    assert allocation.circuits["service"].conductors["power"].limit == 12_000
    assert "at its power cap of 12.0 kW" in allocation.chargers["ev0"].reason


def test_the_other_load_on_a_meter_comes_out_of_the_budget() -> None:
    base = _office()
    site = Site(base.name, 240, base.circuits, base.chargers, (Meter("main", "service"),))
    state = _all_charging(
        site,
        meters={"main": MeterReading(power_w=4_800)},
        power_budget_w={"service": 14_400},
    )
    allocation = allocate(site, state)
    # 14.4 kW less 4.8 kW of house: 9.6 kW for four cars, 10 A each
    assert set(allocation.offers_a().values()) == {10.0}
    power = allocation.circuits["service"].conductors["power"]
    assert (power.limit, power.other_load, power.ev_budget) == (14_400, 4_800, 9_600)


# --- validation --------------------------------------------------------------------------------


def test_fallbacks_must_fit_the_demand_limit() -> None:
    site = _office(demand_limit_w=5_000, fallback_a=8)
    (problem,) = validate_site(site)
    assert str(problem).startswith(
        "circuit 'service': its 4 chargers fall back to 7.7 kW together if ampshare is lost, "
        "above its demand limit of 5.0 kW (15-minute average)"
    )
    assert "Lower fallback_current_a" in problem.message
    # fallbacks that fit are fine
    assert validate_site(_office(demand_limit_w=7_680)) == []


@pytest.mark.parametrize(
    ("demand_limit_w", "expected"),
    [
        (0, "demand_limit_kw must be positive, got 0 kW"),
        (-2_000, "demand_limit_kw must be positive, got -2 kW"),
        (math.inf, "demand_limit_kw must be a finite number, got inf"),
        (math.nan, "demand_limit_kw must be a finite number, got nan"),
    ],
)
def test_a_demand_limit_must_be_positive_and_finite(demand_limit_w: float, expected: str) -> None:
    messages = [str(p) for p in validate_site(_office(demand_limit_w))]
    assert messages == [f"circuit 'service': {expected}"]


def test_a_power_cap_is_named_by_its_site_file_key() -> None:
    messages = [str(p) for p in validate_site(_office(None, -1_500))]
    assert messages == ["circuit 'service': max_power_kw must be positive, got -1.5 kW"]


@pytest.mark.parametrize(
    ("budgets", "expected"),
    [
        ({"service": -1.0}, "circuit 'service': power_budget_w must be a number of watts"),
        ({"service": math.nan}, "circuit 'service': power_budget_w must be a number of watts"),
        ({"garage": 1_000.0}, "circuit 'garage': no such circuit in the site file"),
        ({"b1": 1_000.0}, "circuit 'b1': power_budget_w applies only to a circuit with"),
    ],
)
def test_a_bad_power_budget_is_refused(budgets: dict[str, float], expected: str) -> None:
    site = _office()
    with pytest.raises(StateError) as info:
        validate_state(site, SiteState(power_budget_w=budgets))
    (problem,) = info.value.problems
    assert str(problem).startswith(expected)


def test_a_sound_power_budget_is_accepted() -> None:
    validate_state(_office(), SiteState(power_budget_w={"service": 0.0}))
    validate_state(_office(None, 9_000), SiteState(power_budget_w={"service": 8_000.0}))
    validate_state(_office(), SiteState({"ev0": ChargerState()}))
