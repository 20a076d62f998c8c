"""The tables `ampshare simulate` prints: one run in detail, or several side by side."""

from __future__ import annotations

import statistics

from rich.console import Console
from rich.table import Table

from ampshare.domain import Site
from ampshare.sim.compare import Comparison
from ampshare.sim.playback import RunResult
from ampshare.sim.scenario import Scenario

MAX_CAR_ROWS = 30


def _kwh(energy_wh: float) -> str:
    return f"{energy_wh / 1000:,.1f}"


def _seconds(value_s: float) -> str:
    return f"{value_s:,.0f} s"


def _top_circuits(site: Site) -> list[str]:
    return [c.id for c in site.circuits if c.parent is None]


def site_demand_kw(site: Site, run: RunResult) -> float:
    """The 15-minute peak of the whole site: of its top circuit(s)."""
    return sum(run.demand_peak_w.get(cid, 0.0) for cid in _top_circuits(site)) / 1000


def print_run(console: Console, site: Site, scenario: Scenario, run: RunResult) -> None:
    sessions = run.sessions
    summary = Table(title=f"{scenario.name} on {site.name}: {run.controller}", show_header=False)
    summary.add_column(style="bold")
    summary.add_column(justify="right")
    share = run.delivered_wh / run.wanted_wh if run.wanted_wh else 1.0
    summary.add_row(
        "energy delivered / wanted",
        f"{_kwh(run.delivered_wh)} / {_kwh(run.wanted_wh)} kWh ({share:.1%})",
    )
    summary.add_row("cars fully served", f"{run.served} of {len(sessions)}")
    summary.add_row("seconds over any continuous limit", _seconds(run.over_limit_s))
    summary.add_row("seconds over any breaker rating", _seconds(run.over_breaker_s))
    summary.add_row("15-minute peak demand", f"{site_demand_kw(site, run):,.1f} kW")
    summary.add_row("commands sent", f"{run.commands:,}")
    speed = run.simulated_s / run.wall_s if run.wall_s > 0 else float("inf")
    summary.add_row(
        "simulated", f"{run.simulated_s / 3600:,.1f} h in {run.wall_s:,.1f} s ({speed:,.0f}x)"
    )
    console.print(summary)
    print_circuits(console, site, run)
    print_cars(console, run)


def print_circuits(console: Console, site: Site, run: RunResult) -> None:
    table = Table(title="circuits (true load, as a clamp meter would read it)")
    for header in (
        "circuit",
        "peak A",
        "limit A",
        "breaker A",
        "s over limit",
        "s over breaker",
        "15-min peak kW",
    ):
        table.add_column(header, justify="left" if header == "circuit" else "right")
    shown = [c for c in run.conductors if c.peak_a > 0 or c.circuit_id in _top_circuits(site)]
    for c in shown:
        demand_kw = run.demand_peak_w.get(c.circuit_id, 0.0) / 1000
        over = "red" if c.over_limit_s > 0 else ""
        table.add_row(
            c.label,
            f"{c.peak_a:.1f}",
            f"{c.limit_a:.1f}",
            f"{c.breaker_a:.0f}",
            f"[{over}]{c.over_limit_s:,.0f}[/]" if over else "0",
            f"[red]{c.over_breaker_s:,.0f}[/]" if c.over_breaker_s > 0 else "0",
            f"{demand_kw:,.1f}",
        )
    console.print(table)


def print_cars(console: Console, run: RunResult, *, every: bool = False) -> None:
    sessions = run.sessions
    if not sessions:
        return
    if len(sessions) > MAX_CAR_ROWS and not every:
        changes = [s.pilot_changes for s in sessions]
        pauses = [s.pauses for s in sessions]
        console.print(
            f"{len(sessions)} cars: pilot changes per car median {statistics.median(changes):.0f}, "
            f"max {max(changes)}; pauses per car median {statistics.median(pauses):.0f}, "
            f"max {max(pauses)} (--cars lists every car)"
        )
        return
    table = Table(title="cars")
    for header in (
        "car",
        "charger",
        "wanted kWh",
        "delivered kWh",
        "served",
        "pilot changes",
        "pauses",
    ):
        table.add_column(header, justify="left" if header in ("car", "charger") else "right")
    for s in sessions:
        table.add_row(
            s.id,
            s.charger_id,
            _kwh(s.wanted_wh),
            _kwh(s.delivered_wh),
            "yes" if s.served else "[yellow]no[/]",
            str(s.pilot_changes),
            str(s.pauses),
        )
    console.print(table)


def print_comparison(
    console: Console, site: Site, scenario: Scenario, comparison: Comparison
) -> None:
    runs, optimum = comparison.runs, comparison.optimum
    table = Table(title=f"{scenario.name} on {site.name}: strategies side by side")
    table.add_column("", style="bold")
    for run in runs:
        table.add_column(run.controller, justify="right")
    if optimum is not None:
        table.add_column("offline optimum", justify="right")
    best_wh = optimum.total_wh if optimum is not None else None

    def row(label: str, values: list[str], best: str | None = None) -> None:
        table.add_row(label, *values, *([best] if optimum is not None else []))

    row("energy delivered (kWh)", [_kwh(r.delivered_wh) for r in runs], _kwh(best_wh or 0.0))
    wanted = runs[0].wanted_wh if runs else 0.0
    row(
        "share of energy wanted",
        [f"{r.delivered_wh / wanted:.1%}" if wanted else "-" for r in runs],
        f"{(best_wh or 0.0) / wanted:.1%}" if wanted else "-",
    )
    if best_wh:
        row("share of the optimum", [f"{r.delivered_wh / best_wh:.1%}" for r in runs], "100%")
    row(
        "cars fully served",
        [f"{r.served} of {len(r.sessions)}" for r in runs],
        f"{optimum.served} of {len(optimum.energy_wh)}" if optimum else None,
    )
    row("seconds over a limit", [_flag(r.over_limit_s) for r in runs], "0")
    row("seconds over a breaker", [_flag(r.over_breaker_s) for r in runs], "0")
    row("15-min peak demand (kW)", [f"{site_demand_kw(site, r):,.1f}" for r in runs], "-")
    row(
        "pilot changes per car (median)",
        [
            f"{statistics.median([s.pilot_changes for s in r.sessions]):.0f}" if r.sessions else "-"
            for r in runs
        ],
        "-",
    )
    row("pauses (all cars)", [str(sum(s.pauses for s in r.sessions)) for r in runs], "-")
    row(
        "wall time (s)",
        [f"{r.wall_s:,.1f}" for r in runs],
        f"{optimum.solve_s:,.1f}" if optimum else None,
    )
    console.print(table)


def _flag(value_s: float) -> str:
    return f"[red]{value_s:,.0f}[/]" if value_s > 0 else "0"
