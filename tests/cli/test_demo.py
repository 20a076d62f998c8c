"""`ampshare demo` tells the story of the seeds, in the right order, with the right numbers."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from ampshare.cli import app


def _demo_output() -> str:
    result = CliRunner().invoke(app, ["demo", "--story"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.output


def test_the_second_car_is_raised_only_after_the_first_car_s_cut() -> None:
    output = _demo_output()
    arrival = output.index("2. Car 2 plugs in")
    cut = output.index("cut 'left' 40 A → 20 A", arrival)
    wait = output.index("wait until it confirms", cut)
    raise_ = output.index("raise 'right' 6 A → 20 A", arrival)
    assert cut < wait < raise_
    assert "worst case while it follows: 46 A" in output[arrival:raise_]


def test_tapering_leaving_and_losing_the_server() -> None:
    output = _demo_output()
    taper = output[output.index("3. ") : output.index("4. ")]
    assert "capped at 10.5 A" in taper
    assert "29.5 A" in taper
    leave = output[output.index("4. ") : output.index("5. ")]
    assert "raise 'right' 29.5 A → 40 A" in leave
    lost = output[output.index("5. ") :]
    assert "at most 12 A of 40 A" in lost


def test_the_live_demo_plays_the_story_in_simulated_time_and_writes_the_plot(
    tmp_path: Path,
) -> None:
    plot = tmp_path / "demo.png"
    result = CliRunner().invoke(
        app, ["demo", "--seconds", "0", "--plot", str(plot)], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    assert "car 2 plugs in at 'right'" in result.output
    assert "seconds over any breaker rating" in result.output
    over_breaker = result.output.split("seconds over any breaker rating")[1].split("\n")[0]
    assert "0 s" in over_breaker
    assert plot.read_bytes().startswith(b"\x89PNG")
