"""allocation_to_dict: the allocation as plain JSON-able data, in file order, rounded."""

from __future__ import annotations

import json

from ampshare.config import allocation_to_dict, load_site
from ampshare.domain import CarState, ChargerState, MeterReading, SiteState, allocate
from tests.config.helpers import EXAMPLES, SEED_SITE

CIRCUIT_KEYS = ["limit_a", "load_a", "other_load_a", "ev_budget_a", "meter", "overloaded"]


def test_the_seed_with_one_car() -> None:
    site = load_site(SEED_SITE)
    state = SiteState({"left": ChargerState(CarState.CHARGING)})
    report = allocation_to_dict(site, allocate(site, state))
    assert report == {
        "chargers": {
            "left": {
                "offered_a": 40.0,
                "limited_by": "charger",
                "reason": "the charger's own rating of 40 A",
                "paused": False,
            },
            "right": {
                "offered_a": 0.0,
                "limited_by": "no_car",
                "reason": report["chargers"]["right"]["reason"],
                "paused": False,
            },
        },
        "circuits": {
            "garage": {
                "limit_a": 40.0,
                "load_a": 40.0,
                "other_load_a": 0.0,
                "ev_budget_a": 40.0,
                "meter": "none",
                "overloaded": False,
            }
        },
    }
    assert json.loads(json.dumps(report)) == report


def test_a_meter_on_a_nested_site_in_file_order() -> None:
    site = load_site(EXAMPLES / "home_with_meter.toml")
    state = SiteState(
        {"garage": ChargerState(CarState.CHARGING, measured_a=10.0, offered_a=10.0)},
        {"house": MeterReading((60.0,))},
    )
    report = allocation_to_dict(site, allocate(site, state))
    assert list(report["chargers"]) == ["driveway", "garage"]
    assert list(report["circuits"]) == ["service", "ev-panel"]
    service = report["circuits"]["service"]
    assert list(service) == CIRCUIT_KEYS  # a 1-phase circuit without power cap: no conductors
    assert service["meter"] == "fresh"
    assert service["other_load_a"] == 50.0  # 60 A on the meter, 10 of them the garage's car
    assert report["chargers"]["garage"]["offered_a"] == 30.0


def test_three_phase_conductors_and_the_power_cap() -> None:
    site = load_site(EXAMPLES / "three_phase_depot.toml")
    cars = {name: ChargerState(CarState.CHARGING) for name in ("a1", "b2", "c3")}
    report = allocation_to_dict(site, allocate(site, SiteState(cars)))
    service = report["circuits"]["service"]
    assert list(service) == [*CIRCUIT_KEYS, "conductors"]
    assert list(service["conductors"]) == ["L1", "L2", "L3", "power"]
    power = service["conductors"]["power"]
    assert power["limit"] == 20000  # without a power budget, the demand limit itself holds
    assert all(isinstance(value, int) for value in power.values())
    offers_a = sum(report["chargers"][name]["offered_a"] for name in cars)
    assert abs(power["load"] - offers_a * 208) <= 1
    for line in ("L1", "L2", "L3"):
        conductor = service["conductors"][line]
        assert list(conductor) == ["limit", "load", "other_load", "ev_budget"]
        assert conductor["limit"] == 80.0
        assert conductor["load"] == round(conductor["load"], 1)
    assert service["load_a"] == max(
        service["conductors"][line]["load"] for line in ("L1", "L2", "L3")
    )


def test_a_power_budget_shows_as_the_power_limit_and_a_transformer_primary_as_conductors() -> None:
    site = load_site(EXAMPLES / "three_phase_depot.toml")
    cars = {name: ChargerState(CarState.CHARGING) for name in ("a1", "b2", "c3")}
    for budget_w, shown_w in ((12_000, 12_000), (30_000, 25_000)):  # never above the 25 kW cap
        state = SiteState(cars, power_budget_w={"service": budget_w})
        report = allocation_to_dict(site, allocate(site, state))
        power = report["circuits"]["service"]["conductors"]["power"]
        assert power["limit"] == shown_w
        assert power["load"] <= shown_w
        if budget_w == 12_000:  # three cars at 40 A would take 25 kW
            assert report["chargers"]["a1"]["limited_by"] == "circuit:service:power"

    caltech = load_site(EXAMPLES / "caltech_acn.toml")
    report = allocation_to_dict(caltech, allocate(caltech, SiteState()))
    transformer = report["circuits"]["transformer"]
    assert list(transformer["conductors"]) == [
        "L1",
        "L2",
        "L3",
        "primary-L1",
        "primary-L2",
        "primary-L3",
    ]
    assert transformer["conductors"]["primary-L1"]["limit"] == 180.5
    assert transformer["limit_a"] == 416.6  # the circuit's own figures: its secondary's
    assert json.loads(json.dumps(report)) == report
