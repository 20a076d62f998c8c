"""`ampshare check SITE.toml`: the circuit tree on stdout, or every problem on stderr."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ampshare.cli import app
from tests.config.helpers import EXAMPLES, SEED_SITE, SEED_TOML, write

runner = CliRunner()


SITE_EXAMPLES = sorted(p for p in EXAMPLES.glob("*.toml") if "scenario" not in p.name)


@pytest.mark.parametrize("path", SITE_EXAMPLES, ids=lambda p: p.name)
def test_every_example_checks_clean(path: Path) -> None:
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert "OK: " in result.stdout


def test_the_seed_shows_its_40_a_continuous_limit_and_chargers() -> None:
    result = runner.invoke(app, ["check", str(SEED_SITE)])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "Two JuiceBoxes on one 50 A circuit — 240 V"
    assert lines[1].endswith("garage — 50 A breaker, 40 A continuous")
    assert lines[2].endswith("charger left — 40 A rating, min 6 A, fallback 6 A")
    assert lines[3].endswith("charger right — 40 A rating, min 6 A, fallback 6 A")
    assert lines[4] == "OK: 1 circuit(s), 2 charger(s), 0 meter(s)"


def test_the_tree_shows_nesting_meters_phases_and_caps() -> None:
    home = runner.invoke(app, ["check", str(EXAMPLES / "home_with_meter.toml")]).stdout
    assert "service — 100 A breaker, 80 A continuous, meter 'house'" in home
    service_indent = next(line for line in home.splitlines() if "service —" in line).index("s")
    panel_indent = next(line for line in home.splitlines() if "ev-panel —" in line).index("e")
    assert panel_indent > service_indent  # nested under the service

    depot = runner.invoke(app, ["check", str(EXAMPLES / "three_phase_depot.toml")]).stdout
    assert "service — 3-phase, 100 A breaker, 80 A continuous per line, power cap 25.0 kW" in depot
    assert "charger a1 — 40 A rating, min 6 A, fallback 6 A, L1-L2" in depot
    assert "charger b2 — 40 A rating, min 6 A, fallback 6 A, start 0 A, L2-L3" in depot


def test_an_operator_limit_is_shown(tmp_path: Path) -> None:
    path = write(
        tmp_path, "site.toml", SEED_TOML.replace("breaker_a = 50", "breaker_a = 50\nlimit_a = 32")
    )
    result = runner.invoke(app, ["check", str(path)])
    assert "garage — 50 A breaker, 32 A continuous (operator limit)" in result.stdout


def test_a_bad_file_lists_every_problem_on_stderr(tmp_path: Path) -> None:
    text = SEED_TOML.replace("max_current_a = 40", "max_curent_a = 40", 1).replace(
        "breaker_a = 50", "breaker_a = 50\nlimit_a = 45"
    )
    path = write(tmp_path, "bad.toml", text)
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines == [
        f"{path}: circuit 'garage' (circuits[0]): limit_a 45 A is above 80% of its 50 A breaker "
        "(40 A): EV charging is a continuous load (NEC 625.41); lower limit_a or leave it out",
        f"{path}: charger 'left' (chargers[0]): missing required key 'max_current_a' "
        "(the charger's own rating in amps): add it",
        f"{path}: charger 'left' (chargers[0]): unknown key 'max_curent_a' "
        "(did you mean 'max_current_a'?)",
    ]
    assert "Traceback" not in result.output


def test_a_syntax_error_and_a_missing_file_exit_1(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.toml", "[site\n")
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{path}: line 1, column ")
    result = runner.invoke(app, ["check", str(tmp_path / "none.toml")])
    assert result.exit_code == 1
    assert result.stderr == f"{tmp_path / 'none.toml'}: file not found: check the path\n"


def test_verbose_logs_to_stderr() -> None:
    result = runner.invoke(app, ["--verbose", "check", str(SEED_SITE)])
    assert result.exit_code == 0
    assert "DEBUG ampshare.config.site_file" in result.stderr


def test_the_installed_command_runs_in_a_subprocess(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "ampshare"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "ampshare"]
    ok = subprocess.run(
        [*command, "check", str(SEED_SITE)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    assert "garage — 50 A breaker, 40 A continuous" in ok.stdout

    bad = write(tmp_path, "bad.toml", SEED_TOML.replace("breaker_a = 50", 'breaker_a = "50"'))
    failed = subprocess.run(
        [sys.executable, "-m", "ampshare", "check", str(bad)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    assert failed.returncode == 1
    assert failed.stdout == ""
    assert failed.stderr == (
        f"{bad}: circuit 'garage' (circuits[0]): breaker_a must be a number, "
        "got the string '50': remove the quotes\n"
    )
