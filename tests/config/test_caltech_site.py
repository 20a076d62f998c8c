"""examples/caltech_acn.toml against the constraints the Caltech ACN research publishes for
its garage (pods, transformer secondary and primary, examples/data/caltech_acn_site.json)."""

from __future__ import annotations

import cmath
import json
import math
from pathlib import Path
from typing import Any

import pytest

from ampshare.config import load_site
from ampshare.domain import CarState, Charger, ChargerState, Site, SiteState, allocate
from ampshare.domain.network import Constraint, Network, compile_network
from ampshare.domain.scaling import scale_transformer
from tests.config.helpers import EXAMPLES

PUBLISHED = Path(__file__).resolve().parents[2] / "examples" / "data" / "caltech_acn_site.json"
TOLERANCE = 0.005  # 0.5 %


@pytest.fixture(scope="module")
def published() -> dict[str, Any]:
    layout: dict[str, Any] = json.loads(PUBLISHED.read_text(encoding="utf-8"))
    return layout


@pytest.fixture(scope="module")
def network() -> Network:
    return compile_network(load_site(EXAMPLES / "caltech_acn.toml"))


def _published_phasors(layout: dict[str, Any], constraint: dict[str, Any]) -> dict[str, complex]:
    """The published convention: coefficient * exp(j * the station's phase angle)."""
    angle = {s["id"]: math.radians(s["phase_angle_deg"]) for s in layout["stations"]}
    return {
        station: coeff * cmath.exp(1j * angle[station])
        for station, coeff in constraint["coefficients"].items()
    }


def _ours(network: Network, constraint: Constraint) -> dict[str, complex]:
    ids = network.charger_ids
    return {ids[i]: c for i, c in zip(constraint.members, constraint.coeffs, strict=True)}


def _rotation(ours: dict[str, complex], theirs: dict[str, complex]) -> complex | None:
    """The one rotation that takes their phasors onto ours (within 0.5 %), if there is one."""
    station = next(iter(theirs))
    turn = ours[station] / theirs[station]
    rotation = turn / abs(turn)
    for name, phasor in theirs.items():
        if abs(ours[name] - phasor * rotation) > TOLERANCE * abs(phasor):
            return None
    return rotation


def test_every_published_constraint_is_one_of_ours(
    published: dict[str, Any], network: Network
) -> None:
    found: dict[str, tuple[str, float]] = {}
    for constraint in published["constraints"]:
        theirs = _published_phasors(published, constraint)
        for candidate in network.constraints:
            ours = _ours(network, candidate)
            if set(ours) != set(theirs):
                continue
            rotation = _rotation(ours, theirs)
            limit_a = constraint["limit_a"]
            if rotation is not None and abs(candidate.limit - limit_a) <= TOLERANCE * limit_a:
                found[constraint["name"]] = (candidate.label, math.degrees(cmath.phase(rotation)))
                break
    assert {name: label for name, (label, _) in found.items()} == {
        "CC Pod": "cc-pod",
        "AV Pod": "av-pod",
        "Secondary A": "transformer:L1",
        "Secondary B": "transformer:L2",
        "Secondary C": "transformer:L3",
        "Primary A": "transformer:primary-L1",
        "Primary B": "transformer:primary-L2",
        "Primary C": "transformer:primary-L3",
    }
    # The secondary's lines use the published phase angles as they are (L1 is A). A pod, a
    # 1-phase circuit, sums its stations in phase: 30 degrees from their L1-L2 angle. Each
    # primary line is (I_L1 - I_L3) / n and so on, as published, turned to centre its
    # contributions on the real axis (network.py): by 30, 150 and -90 degrees.
    rotations = {name: round(degrees, 6) + 0.0 for name, (_, degrees) in found.items()}
    assert rotations == {
        "CC Pod": -30.0,
        "AV Pod": -30.0,
        "Secondary A": 0.0,
        "Secondary B": 0.0,
        "Secondary C": 0.0,
        "Primary A": 30.0,
        "Primary B": 150.0,
        "Primary C": -90.0,
    }


def test_the_primary_breaker_is_the_primary_limit_over_80_percent(network: Network) -> None:
    primary = [c for c in network.constraints if c.is_primary]
    assert len(primary) == 3
    for constraint in primary:
        assert constraint.limit == pytest.approx(150_000 / 3 / 277, rel=TOLERANCE)
        assert constraint.breaker_a == pytest.approx(constraint.limit / 0.8)


def _at_kw(transformer_kw: float) -> Site:
    site = scale_transformer(
        load_site(EXAMPLES / "caltech_acn.toml"), "transformer", transformer_kw / 150
    )
    # a transformer this small cannot carry 54 fallbacks: they pause while ampshare is away
    chargers = tuple(
        Charger(c.id, c.circuit, c.max_current_a, fallback_current_a=0, start_current_a=0)
        for c in site.chargers
    )
    return Site(site.name, site.voltage_v, site.circuits, chargers, site.meters)


@pytest.mark.parametrize("transformer_kw", [25, 50, 150])
def test_the_garage_scaled_down_keeps_every_published_limit(
    published: dict[str, Any], transformer_kw: float
) -> None:
    site = _at_kw(transformer_kw)
    network = compile_network(site)
    state = SiteState({c.id: ChargerState(CarState.CHARGING) for c in site.chargers})
    allocation = allocate(site, state)
    offers = allocation.offers_a()
    scale = transformer_kw / published["transformer_kw"]
    for constraint in published["constraints"]:
        limit_a = constraint["limit_a"] * (1 if "Pod" in constraint["name"] else scale)
        theirs = _published_phasors(published, constraint)
        load_a = abs(sum(phasor * offers[station] for station, phasor in theirs.items()))
        # their 120 V and 4:1 against our 208 / sqrt(3) V and 3.997:1: within 0.5 %
        assert load_a <= limit_a * (1 + TOLERANCE), constraint["name"]
    # and it binds: cars on L1-L2 load the primary's line L2 twice as much as a secondary line
    # (over the ratio), so with every car charging that line fills up first
    primary = [c for c in network.constraints if c.is_primary]
    limited_by = {result.limited_by for result in allocation.chargers.values()}
    assert "circuit:transformer:primary-L2" in limited_by
    loads_a = [abs(sum(c * offers[network.charger_ids[i]] for i, c in _terms(k))) for k in primary]
    assert max(loads_a) >= 0.95 * primary[0].limit


def _terms(constraint: Constraint) -> list[tuple[int, complex]]:
    return list(zip(constraint.members, constraint.coeffs, strict=True))
