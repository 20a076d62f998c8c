"""`ampshare allocate SITE.toml --state STATE.json`: the report as JSON on stdout."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ampshare.cli import app
from tests.config.helpers import EXAMPLES, SEED_SITE, SEED_STATE, SEED_TOML, write

runner = CliRunner()


def allocate_json(*args: str) -> dict[str, Any]:
    result = runner.invoke(app, ["allocate", *args])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def offers_a(report: dict[str, Any]) -> dict[str, float]:
    return {name: charger["offered_a"] for name, charger in report["chargers"].items()}


def test_two_cars_charging_share_the_40_a_circuit() -> None:
    report = allocate_json(str(SEED_SITE), "--state", str(SEED_STATE))
    assert offers_a(report) == {"left": 20.0, "right": 20.0}
    for charger in report["chargers"].values():
        assert charger["limited_by"] == "circuit:garage"
        assert charger["paused"] is False
        assert "circuit 'garage' is fully used (40 A continuous)" in charger["reason"]
    assert report["circuits"]["garage"] == {
        "limit_a": 40.0,
        "load_a": 40.0,
        "other_load_a": 0.0,
        "ev_budget_a": 40.0,
        "meter": "none",
        "overloaded": False,
    }


def test_one_car_charging_alone_gets_the_whole_40_a(tmp_path: Path) -> None:
    state = write(tmp_path, "state.json", '{"chargers": {"left": {"car": "charging"}}}')
    report = allocate_json(str(SEED_SITE), "-s", str(state))
    assert offers_a(report) == {"left": 40.0, "right": 0.0}
    assert report["chargers"]["left"]["limited_by"] == "charger"
    assert report["chargers"]["right"]["limited_by"] == "no_car"


def test_without_a_state_there_are_no_cars() -> None:
    report = allocate_json(str(SEED_SITE))
    assert offers_a(report) == {"left": 0.0, "right": 0.0}
    assert {c["limited_by"] for c in report["chargers"].values()} == {"no_car"}


def test_the_output_is_indented_json(tmp_path: Path) -> None:
    result = runner.invoke(app, ["allocate", str(SEED_SITE), "--state", str(SEED_STATE)])
    assert result.stdout.startswith('{\n  "chargers": {\n    "left": {\n      "offered_a": 20.0,')


def test_a_stale_house_meter_holds_the_chargers_to_the_safe_budget(tmp_path: Path) -> None:
    state = write(
        tmp_path,
        "state.json",
        '{"chargers": {"driveway": {"car": "charging"}}, "meters": {"house": {"stale": true}}}',
    )
    report = allocate_json(str(EXAMPLES / "home_with_meter.toml"), "--state", str(state))
    assert report["chargers"]["driveway"]["offered_a"] == 24.0
    assert report["chargers"]["driveway"]["limited_by"] == "circuit:service"
    assert report["circuits"]["service"]["meter"] == "stale"


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ('"lefty": {"car": "charging"}', "charger 'lefty': no such charger in the site file"),
        ('"left": {"measured_a": -2}', "charger 'left': measured_a must be 0 or more, got -2"),
        (
            '"left": {"measured_a": "abc"}',
            "charger 'left': measured_a must be a number, got the string 'abc'",
        ),
        (
            '"left": {"measured_a": NaN}',
            "charger 'left': measured_a must be a finite number, got nan",
        ),
    ],
)
def test_a_bad_state_exits_1_naming_the_entry(tmp_path: Path, entry: str, expected: str) -> None:
    state = write(tmp_path, "state.json", '{"chargers": {' + entry + "}}")
    result = runner.invoke(app, ["allocate", str(SEED_SITE), "--state", str(state)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f"{state}: {expected}")
    assert "Traceback" not in result.output


def test_every_state_problem_is_listed(tmp_path: Path) -> None:
    text = '{"chargers": {"left": {"measured_a": -2}, "right": {"measured_a": NaN}, "x": {}}}'
    state = write(tmp_path, "state.json", text)
    result = runner.invoke(app, ["allocate", str(SEED_SITE), "--state", str(state)])
    assert result.exit_code == 1
    assert len(result.stderr.splitlines()) == 3


def test_a_bad_site_file_exits_1_before_the_state_is_read(tmp_path: Path) -> None:
    site = write(tmp_path, "site.toml", SEED_TOML.replace("breaker_a = 50", "breaker_a = 60"))
    result = runner.invoke(app, ["allocate", str(site), "--state", str(tmp_path / "none.json")])
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 2  # the breaker is too large for both chargers
    assert all(line.startswith(f"{site}: charger ") for line in lines)


def test_a_missing_state_file_exits_1(tmp_path: Path) -> None:
    missing = tmp_path / "none.json"
    result = runner.invoke(app, ["allocate", str(SEED_SITE), "--state", str(missing)])
    assert result.exit_code == 1
    assert result.stderr == f"{missing}: file not found: check the path\n"


def test_python_dash_m_ampshare_allocates() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ampshare", "allocate", str(SEED_SITE), "--state", str(SEED_STATE)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert offers_a(json.loads(done.stdout)) == {"left": 20.0, "right": 20.0}
