"""`ampshare check` and `ampshare allocate` on demand limits, power budgets and a transformer
primary."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from ampshare.cli import app
from tests.config.helpers import EXAMPLES, write

runner = CliRunner()


def test_check_shows_the_demand_limit_and_the_transformer_primary() -> None:
    depot = runner.invoke(app, ["check", str(EXAMPLES / "three_phase_depot.toml")])
    assert depot.exit_code == 0, depot.output
    assert "power cap 25.0 kW, demand limit 20.0 kW (15-minute average)" in depot.stdout
    caltech = runner.invoke(app, ["check", str(EXAMPLES / "caltech_acn.toml")], terminal_width=300)
    assert caltech.exit_code == 0, caltech.output
    assert (
        "480 V transformer primary (225.6 A breaker, 180.5 A continuous per line)" in caltech.stdout
    )


def test_allocate_holds_the_chargers_to_the_power_budget_of_the_state(tmp_path: Path) -> None:
    state = write(
        tmp_path,
        "state.json",
        json.dumps(
            {
                "chargers": {name: {"car": "charging"} for name in ("a1", "b2", "c3")},
                "circuits": {"service": {"power_budget_w": 12480}},
            }
        ),
    )
    result = runner.invoke(
        app, ["allocate", str(EXAMPLES / "three_phase_depot.toml"), "--state", str(state)]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    power = report["circuits"]["service"]["conductors"]["power"]
    assert power["limit"] == 12480
    for name in ("a1", "b2", "c3"):
        charger = report["chargers"][name]
        assert charger["offered_a"] == 20.0  # 12.48 kW over three cars at 208 V
        assert charger["limited_by"] == "circuit:service:power"
        assert "power budget of 12.5 kW" in charger["reason"]


def test_allocate_refuses_a_budget_for_a_circuit_without_a_power_limit(tmp_path: Path) -> None:
    state = write(tmp_path, "state.json", '{"circuits": {"bay-a": {"power_budget_w": 5000}}}')
    result = runner.invoke(
        app, ["allocate", str(EXAMPLES / "three_phase_depot.toml"), "--state", str(state)]
    )
    assert result.exit_code == 1
    assert "circuit 'bay-a': power_budget_w applies only to a circuit with" in result.stderr
