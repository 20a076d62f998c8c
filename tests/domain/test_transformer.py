"""A 3-phase circuit fed by a delta-wye transformer: its primary's lines are constraints too."""

from __future__ import annotations

import cmath
import math

import pytest

from ampshare.domain import (
    Charger,
    ChargerState,
    Circuit,
    Meter,
    MeterReading,
    Site,
    SiteState,
    allocate,
    parse_connection,
    validate_site,
)
from ampshare.domain.environment import ConstraintEnvironment, environments
from ampshare.domain.network import Constraint, ConstraintKind, compile_network
from ampshare.domain.scaling import scale_transformer
from tests.domain.builders import charging

RATIO = 480 / (208 / math.sqrt(3))  # 480 V primary over 120 V secondary line to neutral


def _site(
    connection: str = "L1-L2",
    count: int = 3,
    metered: bool = False,
    primary_limit_a: float | None = 50,
    primary_breaker_a: float | None = None,
) -> Site:
    """count 40 A chargers on branch circuits of their own, all on the same lines, under a
    3-phase circuit "xfmr" fed by a 480 V primary; a meter "grid" on "xfmr" if metered."""
    xfmr = Circuit(
        "xfmr",
        200,
        phases=3,
        primary_voltage_v=480,
        primary_limit_a=primary_limit_a,
        primary_breaker_a=primary_breaker_a,
    )
    branches = tuple(
        Circuit(f"b{n}", 50, parent="xfmr", connection=parse_connection(connection))
        for n in range(count)
    )
    chargers = tuple(
        Charger(f"ev{n}", f"b{n}", 40, fallback_current_a=0, start_current_a=0)
        for n in range(count)
    )
    meters = (Meter("grid", "xfmr"),) if metered else ()
    return Site("depot", 208, (xfmr, *branches), chargers, meters)


def _environments(site: Site, state: SiteState) -> dict[str, ConstraintEnvironment]:
    network = compile_network(site)
    labels = [constraint.label for constraint in network.constraints]
    return dict(zip(labels, environments(network, state), strict=True))


def test_the_primary_lines_are_differences_of_the_secondary_lines_over_the_ratio() -> None:
    site = _site(connection="L1-L2", count=2)
    # a second car on L2-L3, so that the three primary lines differ
    site = Site(
        site.name,
        208,
        (
            *site.circuits[:2],
            Circuit("b1", 50, parent="xfmr", connection=parse_connection("L2-L3")),
        ),
        site.chargers,
    )
    network = compile_network(site)
    primary = [c for c in network.constraints if c.is_primary]
    assert [c.label for c in primary] == [
        "xfmr:primary-L1",
        "xfmr:primary-L2",
        "xfmr:primary-L3",
    ]
    draws_a = [10.0, 25.0]
    lines = {c.line: _sum(c, draws_a) for c in network.constraints if c.circuit_id == "xfmr"}
    expected = [lines["L1"] - lines["L3"], lines["L2"] - lines["L1"], lines["L3"] - lines["L2"]]
    for constraint, current in zip(primary, expected, strict=True):
        assert constraint.kind is ConstraintKind.CURRENT
        assert constraint.members == (0, 1)
        assert abs(_sum(constraint, draws_a)) == pytest.approx(abs(current) / RATIO)
        assert constraint.limit == 50
        assert constraint.breaker_a == pytest.approx(62.5)  # the breaker 50 A continuous implies


def _sum(constraint: Constraint, draws_a: list[float]) -> complex:
    return sum(
        (c * draws_a[i] for i, c in zip(constraint.members, constraint.coeffs, strict=True)), 0j
    )


def test_a_car_on_two_lines_loads_one_primary_line_twice_as_much() -> None:
    network = compile_network(_site(count=1))
    magnitudes = [abs(c.coeffs[0]) for c in network.constraints if c.is_primary]
    assert magnitudes == pytest.approx([1 / RATIO, 2 / RATIO, 1 / RATIO])


@pytest.mark.parametrize("connection", ["L1-N", "L2-N", "L3-N", "L1-L2", "L2-L3", "L3-L1"])
def test_every_primary_contribution_lies_within_60_degrees_of_the_real_axis(
    connection: str,
) -> None:
    # the filling solves a sum whose imaginary parts cancel as a positive real one
    for constraint in compile_network(_site(connection, count=1)).constraints:
        if constraint.is_primary:
            for coeff in constraint.coeffs:
                assert abs(cmath.phase(coeff)) <= math.radians(60) + 1e-9, constraint.label


def test_every_current_constraint_knows_its_breaker() -> None:
    network = compile_network(_site(count=1, primary_breaker_a=100))
    breakers = {c.label: c.breaker_a for c in network.constraints}
    assert breakers["xfmr:L1"] == 200
    assert breakers["b0"] == 50
    assert breakers["xfmr:primary-L2"] == 100  # the primary breaker itself when it is given
    limits = {c.label: c.limit for c in network.constraints}
    assert limits["xfmr:primary-L2"] == 50  # the lower of primary_limit_a and 80 % of 100 A


def test_the_primary_limit_defaults_to_80_percent_of_its_breaker() -> None:
    circuit = Circuit("xfmr", 200, phases=3, primary_voltage_v=480, primary_breaker_a=100)
    assert circuit.primary_continuous_limit_a == 80
    assert circuit.primary_breaker_rating_a == 100


def test_the_primary_binds_when_it_is_the_smaller_limit() -> None:
    site = _site()
    allocation = allocate(site, SiteState({c.id: charging() for c in site.chargers}))
    # P2 carries 2 I / n for each car on L1-L2: 50 A there is 99.9 A on the secondary
    per_car_a = 50 * RATIO / 2 / 3
    for result in allocation.chargers.values():
        assert result.offered_a == pytest.approx(per_car_a, abs=0.1)
        assert result.offered_a <= per_car_a
        assert result.limited_by == "circuit:xfmr:primary-L2"
        assert "transformer primary of circuit 'xfmr', line L2" in result.reason
    conductors = allocation.circuits["xfmr"].conductors
    assert list(conductors) == ["L1", "L2", "L3", "primary-L1", "primary-L2", "primary-L3"]
    assert conductors["primary-L2"].load <= 50 + 1e-6
    # the circuit's own figures stay those of its secondary lines
    assert allocation.circuits["xfmr"].limit_a == 160
    assert allocation.circuits["xfmr"].ev_budget_a == 160


def test_cars_on_one_phase_with_neutral_share_the_primary_fully() -> None:
    # L1-N loads put I / n on the primary's lines L1 and L2 (with opposite signs)
    site = _site(connection="L1-N", primary_limit_a=20)
    allocation = allocate(site, SiteState({c.id: charging() for c in site.chargers}))
    per_car_a = 20 * RATIO / 3
    for result in allocation.chargers.values():
        assert result.offered_a == pytest.approx(per_car_a, abs=0.1)
        assert result.limited_by in ("circuit:xfmr:primary-L1", "circuit:xfmr:primary-L2")


def test_a_meter_adds_the_other_load_of_two_secondary_lines_to_each_primary_line() -> None:
    site = _site(count=1, metered=True)
    state = SiteState(meters={"grid": MeterReading((30.0, 10.0, 20.0))})
    envs = _environments(site, state)
    assert envs["xfmr:primary-L1"].other_load == pytest.approx((30 + 20) / RATIO)  # L1, L3
    assert envs["xfmr:primary-L2"].other_load == pytest.approx((10 + 30) / RATIO)  # L2, L1
    assert envs["xfmr:primary-L3"].other_load == pytest.approx((20 + 10) / RATIO)  # L3, L2
    assert envs["xfmr:primary-L1"].room == pytest.approx(50 - 50 / RATIO)


def test_a_charger_that_draws_is_not_counted_as_other_load_on_the_primary() -> None:
    site = _site(count=1, metered=True)
    # the meter sees only the car: 20 A on L1 and L2
    state = SiteState(
        {"ev0": ChargerState(charging().car, measured_a=20.0)},
        {"grid": MeterReading((20.0, 20.0, 0.0))},
    )
    network = compile_network(site)
    for constraint, env in zip(network.constraints, environments(network, state), strict=True):
        if constraint.is_primary:
            assert env.other_load == pytest.approx(0.0, abs=1e-9), constraint.label


def test_a_stale_meter_holds_the_primary_to_the_chargers_fallbacks() -> None:
    site = _site(count=2, metered=True)
    site = Site(
        site.name,
        site.voltage_v,
        site.circuits,
        tuple(Charger(c.id, c.circuit, 40, fallback_current_a=6) for c in site.chargers),
        site.meters,
    )
    envs = _environments(site, SiteState(meters={"grid": MeterReading(stale=True)}))
    assert envs["xfmr:primary-L2"].room == pytest.approx(2 * 6 * 2 / RATIO)  # |coeff| 2/n
    assert envs["xfmr:primary-L1"].room == pytest.approx(2 * 6 / RATIO)


def test_a_configured_safe_budget_reaches_the_primary_scaled_by_the_ratio() -> None:
    base = _site(count=1, metered=True)
    xfmr = Circuit(
        "xfmr", 200, phases=3, primary_voltage_v=480, primary_limit_a=50, safe_budget_a=12
    )
    site = Site(base.name, 208, (xfmr, *base.circuits[1:]), base.chargers, base.meters)
    network = compile_network(site)
    state = SiteState(meters={"grid": MeterReading(stale=True)})
    for constraint, env in zip(network.constraints, environments(network, state), strict=True):
        if constraint.is_primary:
            # each of the two secondary lines may carry 12 A: at most 24 A / n on the primary
            assert env.room == pytest.approx(24 / RATIO), constraint.label


# --- validation --------------------------------------------------------------------------------


def _messages(site: Site) -> list[str]:
    return [str(problem) for problem in validate_site(site)]


def test_a_sound_primary_is_valid() -> None:
    assert validate_site(_site()) == []


@pytest.mark.parametrize(
    ("circuit", "expected"),
    [
        (
            Circuit("xfmr", 200, phases=3, primary_voltage_v=480),
            "a transformer primary needs primary_breaker_a",
        ),
        (
            Circuit("xfmr", 200, phases=3, primary_breaker_a=100),
            "add primary_voltage_v",
        ),
        (
            Circuit("xfmr", 200, primary_voltage_v=480, primary_breaker_a=100),
            "a transformer primary feeds a 3-phase circuit",
        ),
        (
            Circuit("xfmr", 200, phases=3, primary_voltage_v=480, primary_breaker_a=-5),
            "primary_breaker_a must be positive",
        ),
        (
            Circuit("xfmr", 200, phases=3, primary_voltage_v=0, primary_breaker_a=100),
            "primary_voltage_v must be positive",
        ),
        (
            Circuit(
                "xfmr",
                200,
                phases=3,
                primary_voltage_v=480,
                primary_breaker_a=100,
                primary_limit_a=90,
            ),
            "primary_limit_a 90 A is above 80% of its 100 A primary breaker (80 A)",
        ),
        (
            Circuit("xfmr", 200, phases=3, primary_voltage_v=math.nan, primary_breaker_a=100),
            "primary_voltage_v must be a finite number",
        ),
    ],
)
def test_a_bad_primary_is_refused(circuit: Circuit, expected: str) -> None:
    site = Site("x", 208, (circuit,), (Charger("a", "xfmr", 160, start_current_a=0),))
    messages = _messages(site)
    assert len(messages) == 1, messages
    assert messages[0].startswith("circuit 'xfmr': ")
    assert expected in messages[0]


def test_fallbacks_must_fit_the_primary() -> None:
    site = _site(primary_limit_a=10)
    site = Site(
        site.name,
        208,
        site.circuits,
        tuple(
            Charger(c.id, c.circuit, 40, fallback_current_a=8, start_current_a=0)
            for c in site.chargers
        ),
        site.meters,
    )
    (message,) = _messages(site)
    # three cars at 8 A on L1-L2 put 2 * 24 / n on the primary's line L2
    assert message.startswith(
        f"circuit 'xfmr': its 3 chargers fall back to {round(48 / RATIO, 1):g} A on the "
        "transformer primary's line L2 together"
    )
    assert "above its limit of 10 A" in message


def test_start_currents_must_fit_the_primary_breaker() -> None:
    # the secondary's 200 A breaker has room for the surge, the primary's lines L1 and L3
    # (a quarter of each car) too; its line L2 (half of each car) does not
    site = _site(count=4, primary_limit_a=20)
    site = Site(
        site.name,
        208,
        site.circuits,
        tuple(
            Charger(c.id, c.circuit, 40, fallback_current_a=0, start_current_a=6)
            for c in site.chargers
        ),
        site.meters,
    )
    messages = _messages(site)
    assert len(messages) == 1, messages
    assert "on the transformer primary's line L2" in messages[0]
    assert "29 A on a 25 A primary breaker" in messages[0]


# --- scaling -----------------------------------------------------------------------------------


def test_scale_transformer_scales_the_breakers_and_limits_of_both_sides() -> None:
    site = _site(primary_breaker_a=100)
    half = scale_transformer(site, "xfmr", 0.5)
    xfmr = half.circuits_by_id["xfmr"]
    assert (xfmr.breaker_a, xfmr.limit_a) == (100, None)
    assert (xfmr.primary_breaker_a, xfmr.primary_limit_a) == (50, 25)
    assert half.circuits[1:] == site.circuits[1:]
    assert half.chargers == site.chargers
    limits = {c.label: c.limit for c in compile_network(half).constraints}
    assert limits["xfmr:L1"] == 80
    assert limits["xfmr:primary-L3"] == 25


def test_scale_transformer_refuses_an_unknown_circuit_or_a_bad_factor() -> None:
    with pytest.raises(ValueError, match="'nowhere'"):
        scale_transformer(_site(), "nowhere", 0.5)
    with pytest.raises(ValueError, match="positive"):
        scale_transformer(_site(), "xfmr", 0)
