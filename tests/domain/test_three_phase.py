"""Three-phase circuits: line currents as phasor sums."""

from __future__ import annotations

import math

import pytest

from ampshare.domain import Charger, Circuit, Site, SiteState, allocate, parse_connection
from tests.domain.builders import charging


def _delta_site(connections: list[str], breaker_a: float = 100) -> Site:
    return Site(
        "depot",
        208,
        (Circuit("service", breaker_a, phases=3),),
        tuple(
            Charger(f"ev{n}", "service", 80, connection=parse_connection(text))
            for n, text in enumerate(connections)
        ),
    )


def test_balanced_line_to_line_chargers_load_each_line_by_sqrt3() -> None:
    site = _delta_site(["L1-L2", "L2-L3", "L3-L1"])
    allocation = allocate(site, SiteState({c.id: charging() for c in site.chargers}))
    # each line carries sqrt(3) x the charger current, not 2 x: 80 / sqrt(3) = 46.19 A each
    for offer in allocation.offers_a().values():
        assert offer == pytest.approx(80 / math.sqrt(3), abs=0.1)
        assert offer > 40
    for line in ("L1", "L2", "L3"):
        load = allocation.circuits["service"].conductors[line].load
        assert 79.8 <= load <= 80.0


def test_a_single_line_to_neutral_charger_loads_only_its_line() -> None:
    site = _delta_site(["L1-N", "L2-N"])
    allocation = allocate(site, SiteState({c.id: charging() for c in site.chargers}))
    assert allocation.offers_a() == {"ev0": 80, "ev1": 80}
    conductors = allocation.circuits["service"].conductors
    assert conductors["L3"].load == 0
    assert conductors["L1"].load == pytest.approx(80)


def test_unbalanced_lines_the_loaded_line_binds_and_the_others_go_on() -> None:
    site = _delta_site(["L1-N", "L1-N", "L1-N", "L2-N"])
    allocation = allocate(site, SiteState({c.id: charging() for c in site.chargers}))
    offers = allocation.offers_a()
    assert offers["ev0"] == offers["ev1"] == offers["ev2"] == pytest.approx(26.6, abs=0.1)
    assert offers["ev3"] == 80
    assert allocation.chargers["ev0"].limited_by == "circuit:service:L1"


def test_a_branch_fed_line_to_line_from_a_three_phase_panel() -> None:
    site = Site(
        "panel",
        208,
        (
            Circuit("panel", 100, phases=3, limit_a=50),
            Circuit("bay", 50, parent="panel", connection=parse_connection("L1-L2")),
        ),
        (
            Charger("a", "bay", 40),
            Charger("b", "bay", 40),
            Charger("c", "panel", 40, connection=parse_connection("L1-L2")),
        ),
    )
    allocation = allocate(site, SiteState({c.id: charging() for c in site.chargers}))
    # the panel's L1 and L2 carry all three, in phase: 50 A among three cars
    assert sum(allocation.offers_a().values()) == pytest.approx(50, abs=0.3)


def test_a_power_cap_bounds_the_sum_of_charger_power() -> None:
    site = Site(
        "office",
        240,
        (Circuit("service", 200, max_power_w=20000),),
        tuple(Charger(f"ev{n}", "service", 48) for n in range(4)),
    )
    allocation = allocate(site, SiteState({c.id: charging() for c in site.chargers}))
    # seed 002: 20 kW over four cars at 240 V is 20.8 A each
    for result in allocation.chargers.values():
        assert result.offered_a == pytest.approx(20000 / 240 / 4, abs=0.1)
        assert result.limited_by == "circuit:service:power"
    assert allocation.circuits["service"].conductors["power"].load <= 20000
