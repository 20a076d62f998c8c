"""The electrical rules a site must meet before ampshare runs it."""

from __future__ import annotations

from ampshare.domain import Charger, Circuit, Meter, Site, parse_connection, validate_site
from tests.domain.builders import seed_site


def _messages(site: Site) -> list[str]:
    return [str(problem) for problem in validate_site(site)]


def test_the_seed_site_is_valid() -> None:
    assert validate_site(seed_site()) == []


def test_a_limit_above_80_percent_of_the_breaker_is_refused() -> None:
    site = Site("x", 240, (Circuit("garage", 50, limit_a=45),), (Charger("a", "garage", 40),))
    (message,) = _messages(site)
    assert message.startswith("circuit 'garage': limit_a 45 A is above 80% of its 50 A breaker")


def test_a_lower_operator_limit_is_accepted_and_used() -> None:
    circuit = Circuit("garage", 50, limit_a=32)
    assert circuit.continuous_limit_a == 32
    assert validate_site(Site("x", 240, (circuit,), (Charger("a", "garage", 40),))) == []


def test_a_breaker_larger_than_the_charger_model_allows_is_refused() -> None:
    site = Site("x", 240, (Circuit("garage", 60),), (Charger("a", "garage", 40),))
    (message,) = _messages(site)
    assert "rated 40 A may sit behind a breaker of at most 50 A" in message


def test_fallbacks_that_could_trip_the_circuit_on_a_server_outage_are_refused() -> None:
    site = Site(
        "x",
        240,
        (Circuit("garage", 50),),
        tuple(Charger(n, "garage", 40, fallback_current_a=16, start_current_a=0) for n in "abc"),
    )
    (message,) = _messages(site)
    assert "fall back to 48 A together" in message
    assert "above its limit of 40 A" in message


def test_nested_fallbacks_are_summed_on_every_ancestor() -> None:
    site = Site(
        "x",
        240,
        (
            Circuit("service", 100, limit_a=20),
            Circuit("north", 50, parent="service"),
            Circuit("south", 50, parent="service"),
        ),
        (
            Charger("a", "north", 40, fallback_current_a=12),
            Charger("b", "south", 40, fallback_current_a=12),
        ),
    )
    (message,) = _messages(site)
    assert message.startswith("circuit 'service': its 2 chargers fall back to 24 A")


def test_new_cars_at_idle_chargers_must_fit_within_the_breaker() -> None:
    site = seed_site(chargers=3)
    (message,) = _messages(site)
    assert "52 A on a 50 A breaker" in message
    assert "start_current_a = 0" in message
    held = Site(
        "x",
        240,
        (Circuit("garage", 50),),
        tuple(Charger(n, "garage", 40, start_current_a=0) for n in ("a", "b", "c")),
    )
    assert validate_site(held) == []


def test_every_problem_is_reported_not_only_the_first() -> None:
    site = Site(
        "x",
        240,
        (Circuit("garage", 50), Circuit("loft", 30, parent="attic")),
        (
            Charger("a", "garage", 40, min_current_a=48),
            Charger("b", "nowhere", 40),
        ),
        (Meter("m", "garage"), Meter("n", "garage")),
    )
    messages = _messages(site)
    assert any("parent 'attic' is not a circuit" in m for m in messages)
    assert any("min_current_a 48 A is above its rating" in m for m in messages)
    assert any("charger 'b': circuit 'nowhere' is not a circuit" in m for m in messages)
    assert any("already has meter 'm'" in m for m in messages)


def test_a_cycle_of_parents_is_refused() -> None:
    site = Site("x", 240, (Circuit("a", 50, parent="b"), Circuit("b", 50, parent="a")), ())
    messages = _messages(site)
    assert messages and all("loop" in m for m in messages)


def test_a_branch_fed_from_three_phase_must_say_which_lines() -> None:
    site = Site(
        "x",
        400,
        (Circuit("panel", 63, phases=3), Circuit("bay", 32, parent="panel")),
        (Charger("a", "bay", 32),),
    )
    (message,) = _messages(site)
    assert "say which lines it uses" in message
    fixed = Site(
        "x",
        400,
        (
            Circuit("panel", 63, phases=3),
            Circuit("bay", 32, parent="panel", connection=parse_connection("L2-N")),
        ),
        (Charger("a", "bay", 32),),
    )
    assert validate_site(fixed) == []


def test_minimum_below_6_a_cannot_be_offered_on_a_j1772_pilot() -> None:
    site = Site("x", 240, (Circuit("g", 50),), (Charger("a", "g", 40, min_current_a=4),))
    assert any("below 6 A" in m for m in _messages(site))
