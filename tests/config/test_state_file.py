"""load_state: JSON state files -> domain SiteState, with every problem reported at once."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from ampshare.config import ConfigError, load_site, load_state
from ampshare.domain import CarState, ChargerState, MeterReading, Site
from tests.config.helpers import EXAMPLES, SEED_SITE, SEED_STATE, state_problems, write


@pytest.fixture
def seed() -> Site:
    return load_site(SEED_SITE)


@pytest.fixture
def home() -> Site:
    return load_site(EXAMPLES / "home_with_meter.toml")


def test_the_seed_state_maps_to_the_domain(seed: Site) -> None:
    state = load_state(SEED_STATE, seed)
    assert state.chargers["left"] == ChargerState(
        CarState.CHARGING,
        measured_a=19.2,
        offered_a=20.0,
        plugged_in_at=datetime(2026, 11, 22, 7, 30, tzinfo=UTC),
    )
    assert state.chargers["right"].plugged_in_at == datetime(2026, 11, 22, 8, 5, tzinfo=UTC)
    assert state.meters == {}


def test_absent_keys_take_their_defaults(tmp_path: Path, seed: Site) -> None:
    path = write(
        tmp_path, "state.json", '{"chargers": {"left": {}, "right": {"car": "connected"}}}'
    )
    state = load_state(path, seed)
    assert state.chargers["left"] == ChargerState()
    assert state.chargers["right"] == ChargerState(CarState.CONNECTED)
    assert load_state(write(tmp_path, "empty.json", "{}"), seed).chargers == {}


def test_every_charger_key_reaches_the_domain(tmp_path: Path, seed: Site) -> None:
    text = """{"chargers": {"left": {"car": "offline", "measured_a": 0, "offered_a": 16.5,
        "offer_in_force": false, "ev_max_a": 32, "plugged_in_at": "2026-11-22T09:00:00+01:00"}}}"""
    state = load_state(write(tmp_path, "state.json", text), seed)
    assert state.chargers["left"] == ChargerState(
        CarState.OFFLINE,
        measured_a=0.0,
        offered_a=16.5,
        offer_in_force=False,
        ev_max_a=32.0,
        plugged_in_at=datetime(2026, 11, 22, 8, 0, tzinfo=UTC),
    )


def test_a_meter_reads_one_current_or_one_per_line(tmp_path: Path, home: Site) -> None:
    path = write(
        tmp_path, "state.json", '{"meters": {"house": {"current_a": 31.5, "power_w": -200}}}'
    )
    assert load_state(path, home).meters["house"] == MeterReading((31.5,), power_w=-200.0)
    stale = write(tmp_path, "stale.json", '{"meters": {"house": {"stale": true}}}')
    assert load_state(stale, home).meters["house"] == MeterReading(stale=True)


def test_a_three_phase_meter_reads_three_lines(tmp_path: Path) -> None:
    text = (EXAMPLES / "three_phase_depot.toml").read_text(encoding="utf-8")
    text += '\n[[meters]]\nid = "grid"\ncircuit = "service"\n'
    site = load_site(write(tmp_path, "depot.toml", text))
    path = write(tmp_path, "state.json", '{"meters": {"grid": {"current_a": [10, 12.5, 9]}}}')
    assert load_state(path, site).meters["grid"].current_a == (10.0, 12.5, 9.0)


@pytest.fixture
def depot() -> Site:
    """The depot's service has a 25 kW power cap and a 20 kW demand limit."""
    return load_site(EXAMPLES / "three_phase_depot.toml")


def test_a_circuit_takes_a_power_budget(tmp_path: Path, depot: Site) -> None:
    path = write(tmp_path, "state.json", '{"circuits": {"service": {"power_budget_w": 18000}}}')
    assert load_state(path, depot).power_budget_w == {"service": 18000.0}
    empty = write(tmp_path, "empty.json", '{"circuits": {"service": {}}}')
    assert load_state(empty, depot).power_budget_w == {}


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (
            '"service": {"power_budget_w": -5}',
            "circuit 'service': power_budget_w must be 0 or more, got -5",
        ),
        (
            '"service": {"power_budget_w": NaN}',
            "circuit 'service': power_budget_w must be a finite number, got nan",
        ),
        (
            '"service": {"power_budget_w": "18 kW"}',
            "circuit 'service': power_budget_w must be a number, got the string '18 kW'",
        ),
        (
            '"service": {"power_budget": 1}',
            "circuit 'service': unknown key 'power_budget' (did you mean 'power_budget_w'?)",
        ),
        (
            '"bay-a": {"power_budget_w": 1000}',
            "circuit 'bay-a': power_budget_w applies only to a circuit with a demand limit or a "
            "power cap",
        ),
        (
            '"servce": {"power_budget_w": 1000}',
            "circuit 'servce': no such circuit in the site file (did you mean 'service'?)",
        ),
    ],
)
def test_a_bad_circuit_entry(tmp_path: Path, depot: Site, entry: str, expected: str) -> None:
    path = write(tmp_path, "state.json", '{"circuits": {' + entry + "}}")
    problems = state_problems(path, depot)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{path}: {expected}")


# --- problems --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ('"left": {"measured_a": -3}', "charger 'left': measured_a must be 0 or more, got -3"),
        (
            '"left": {"measured_a": "abc"}',
            "charger 'left': measured_a must be a number, got the string 'abc'",
        ),
        (
            '"left": {"measured_a": NaN}',
            "charger 'left': measured_a must be a finite number, got nan",
        ),
        (
            '"left": {"offered_a": Infinity}',
            "charger 'left': offered_a must be a finite number, got inf",
        ),
        ('"left": {"measured_a": true}', "charger 'left': measured_a must be a number, got true"),
        ('"left": {"measured_a": 20000}', "charger 'left': measured_a must be a number of amps"),
        (
            '"left": {"car": "parked"}',
            "charger 'left': car must be one of 'none', 'connected', 'charging', 'suspended' or "
            "'offline', got the string 'parked'",
        ),
        (
            '"left": {"car": "charging", "mesured_a": 3}',
            "charger 'left': unknown key 'mesured_a' (did you mean 'measured_a'?)",
        ),
        (
            '"left": {"offer_in_force": "yes"}',
            "charger 'left': offer_in_force must be true or false, got the string 'yes'",
        ),
        (
            '"left": {"plugged_in_at": "2026-11-22T08:00:00"}',
            "charger 'left': plugged_in_at '2026-11-22T08:00:00' has no timezone",
        ),
        (
            '"left": {"plugged_in_at": "yesterday"}',
            "charger 'left': plugged_in_at 'yesterday' is not",
        ),
        (
            '"left": {"plugged_in_at": 1700000000}',
            "charger 'left': plugged_in_at must be an ISO-8601",
        ),
        ('"left": 12', "charger 'left': must be a table (object) of keys, got 12"),
        ('"lefft": {}', "charger 'lefft': no such charger in the site file (did you mean 'left'?)"),
    ],
)
def test_a_bad_charger_entry(tmp_path: Path, seed: Site, entry: str, expected: str) -> None:
    path = write(tmp_path, "state.json", '{"chargers": {' + entry + "}}")
    problems = state_problems(path, seed)
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}: {expected}")


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ('"house": {"current_a": -1}', "meter 'house': current_a[0] must be 0 or more, got -1"),
        ('"house": {"current_a": "31"}', "meter 'house': current_a must be a number of amps or"),
        ('"house": {"current_a": [1, 2, 3]}', "meter 'house': current_a needs 1 value or 1"),
        ('"house": {"power_w": NaN}', "meter 'house': power_w must be a finite number, got nan"),
        ('"hose": {"current_a": 1}', "meter 'hose': no such meter in the site file (did you mean"),
    ],
)
def test_a_bad_meter_entry(tmp_path: Path, home: Site, entry: str, expected: str) -> None:
    path = write(tmp_path, "state.json", '{"meters": {' + entry + "}}")
    problems = state_problems(path, home)
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}: {expected}")


def test_every_problem_is_reported(tmp_path: Path, seed: Site) -> None:
    text = """{"chargers": {"left": {"measured_a": -1, "offered_a": "abc"},
                            "right": {"measured_a": NaN},
                            "third": {}},
               "meters": {"house": {}},
               "cars": {}}"""
    path = write(tmp_path, "state.json", text)
    with pytest.raises(ConfigError) as info:
        load_state(path, seed)
    assert [problem.where for problem in info.value.problems] == [
        "top level",
        "charger 'left'",
        "charger 'left'",
        "charger 'right'",
        "charger 'third'",
        "meter 'house'",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[1, 2]", "top level: must be a JSON object"),
        ('{"chargers": []}', "chargers: must be an object keyed by charger id"),
        ('{"chargers": {}, "meters": 3}', "meters: must be an object keyed by meter id"),
        ('{"chargers": {"left": {}}\n,,}', "line 2, column 2: JSON syntax error"),
    ],
)
def test_a_malformed_document(tmp_path: Path, seed: Site, text: str, expected: str) -> None:
    path = write(tmp_path, "state.json", text)
    problems = state_problems(path, seed)
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}: {expected}")


def test_a_missing_state_file(tmp_path: Path, seed: Site) -> None:
    path = tmp_path / "nowhere.json"
    assert state_problems(path, seed) == [f"{path}: file not found: check the path"]
