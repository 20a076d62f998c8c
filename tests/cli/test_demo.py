"""`ampshare demo` tells the story of the seeds, in the right order, with the right numbers."""

from __future__ import annotations

from typer.testing import CliRunner

from ampshare.cli import app


def _demo_output() -> str:
    result = CliRunner().invoke(app, ["demo"], env={"COLUMNS": "200"})
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
