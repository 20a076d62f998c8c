"""The live part of `ampshare demo`: the seed story played in simulated time on two JuiceBoxes
sharing one 50 A circuit, with a table that updates as it goes, then the summary and a plot."""

from __future__ import annotations

import time
from pathlib import Path

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table

from ampshare.cli.simulate_report import print_run
from ampshare.domain import Site
from ampshare.sim.car import CarModel
from ampshare.sim.playback import Playback
from ampshare.sim.plot import plot_run
from ampshare.sim.scenario import Fault, FaultKind, Scenario, Session

_MINUTE_S = 60.0
_HOUR_S = 3600.0
# a car whose 8 kWh end on the taper: it leaves amps to the other before it is done
_CAR_1 = CarModel(battery_wh=40_000, max_current_a=32, charge_limit_soc=0.95)
_CAR_2 = CarModel(battery_wh=75_000, max_current_a=40, charge_limit_soc=0.9)

DEMO_SCENARIO = Scenario(
    "The seed story, simulated",
    duration_s=3 * _HOUR_S,
    sessions=(
        Session("car 1", "left", 1 * _MINUTE_S, 2 * _HOUR_S + 15 * _MINUTE_S, 8_000, _CAR_1),
        Session("car 2", "right", 10 * _MINUTE_S, None, 40_000, _CAR_2),
    ),
    faults=(Fault(2 * _HOUR_S + 30 * _MINUTE_S, FaultKind.AMPSHARE_DOWN),),
)

_EVENTS = {
    1 * _MINUTE_S: "car 1 plugs in at 'left'",
    10 * _MINUTE_S: "car 2 plugs in at 'right': car 1 is cut first, then car 2 raised",
    60 * _MINUTE_S: "car 1's battery tapers: the amps it leaves go to car 2",
    2 * _HOUR_S + 15 * _MINUTE_S: "car 1, full, leaves",
    2 * _HOUR_S + 30 * _MINUTE_S: "ampshare stops: each charger falls back when its lease lapses",
}


def play_live(out: Console, site: Site, plot_path: Path, wall_s: float) -> None:
    """Play the scenario in about wall_s seconds of real time (0: as fast as it goes)."""
    scenario = DEMO_SCENARIO
    playback = Playback(site, scenario, trace_period_s=10.0)
    chunk_s = _MINUTE_S
    chunks = int(scenario.duration_s / chunk_s)
    news = "waiting for the first car"
    with Live(_view(playback, news), console=out, auto_refresh=False) as live:
        for chunk in range(1, chunks + 1):
            end_s = chunk * chunk_s
            for at_s, text in _EVENTS.items():
                if end_s - chunk_s < at_s <= end_s:
                    news = f"{_clock(at_s)}  {text}"
                    live.console.print(news)  # above the table: the story so far
            playback.run_until(end_s)
            live.update(_view(playback, news), refresh=True)
            if wall_s > 0:
                time.sleep(wall_s / chunks)
    out.print()
    result = playback.run()
    print_run(out, site, scenario, result)
    plot_run(result, plot_path, f"{scenario.name} on {site.name}")
    out.print(f"plot written to {plot_path}")


def _clock(at_s: float) -> str:
    return f"{int(at_s // _HOUR_S)}:{int(at_s % _HOUR_S // _MINUTE_S):02d}"


def _view(playback: Playback, news: str) -> Group:
    sim = playback.sim
    table = Table(title=f"{playback.site.name} at {_clock(sim.now_s)} (simulated)")
    for header in ("charger", "car", "pilot A", "draws A", "energy kWh"):
        table.add_column(header, justify="left" if header in ("charger", "car") else "right")
    for charger_id, charger in sim.chargers.items():
        plugged = playback.plugged.get(charger_id)
        car = charger.car
        table.add_row(
            charger_id,
            plugged[0].id if plugged else "-",
            f"{charger.pilot_a:.1f}",
            f"{charger.drawing_a:.1f}",
            f"{car.delivered_wh / 1000:.1f}" if car else "-",
        )
    lines = []
    for record in sim.records:
        load_a = sim.circuit_current_a(record.circuit_id, sim.now_s)
        lines.append(
            f"circuit {record.label}: {load_a:.1f} A of {record.limit_a:.0f} A continuous "
            f"(breaker {record.breaker_a:.0f} A); peak so far {record.peak_a:.1f} A"
        )
    state = "running" if sim.ampshare_up else "[red]stopped[/]"
    return Group(table, *lines, f"ampshare: {state}", f"[bold]{news}[/]")
