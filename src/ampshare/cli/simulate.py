"""`ampshare simulate SITE.toml SCENARIO.toml`: play a scenario in simulated time and report
energy, cars served, loads against limits and demand; optionally plot it, or compare ampshare
with the ways people share circuits today and with the offline optimum."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ampshare.cli.output import console, fail
from ampshare.cli.simulate_report import MAX_CAR_ROWS, print_cars, print_comparison, print_run
from ampshare.config import ConfigError, load_scenario, load_site
from ampshare.sim.compare import compare
from ampshare.sim.playback import Playback
from ampshare.sim.plot import plot_run

_TRACE_POINTS = 4000  # samples kept for a plot, whatever the scenario's length


def simulate_command(
    site_file: Annotated[
        Path, typer.Argument(metavar="SITE.toml", help="The site file.", show_default=False)
    ],
    scenario_file: Annotated[
        Path,
        typer.Argument(
            metavar="SCENARIO.toml",
            help="Cars, faults and household load to play.",
            show_default=False,
        ),
    ],
    plot: Annotated[
        Path | None,
        typer.Option(
            "--plot",
            metavar="OUT.png",
            help="Draw charger currents and circuit loads against their limits.",
            show_default=False,
        ),
    ] = None,
    compare_strategies: Annotated[
        bool,
        typer.Option(
            "--compare",
            help="Also run static split, equal split, primary/secondary and first come first "
            "served, and solve the offline optimum; print them side by side.",
        ),
    ] = False,
    cars: Annotated[bool, typer.Option("--cars", help="List every car, however many.")] = False,
) -> None:
    """Play a scenario on a site with ampshare deciding, and report what happened."""
    try:
        site = load_site(site_file)
        scenario = load_scenario(scenario_file, site)
    except ConfigError as exc:
        fail(exc)
    out = console()
    trace_period_s = max(1.0, scenario.duration_s / _TRACE_POINTS) if plot else None
    with out.status(f"simulating {scenario.duration_s / 3600:,.1f} h with ampshare..."):
        run = Playback(site, scenario, trace_period_s=trace_period_s).run()
    print_run(out, site, scenario, run)
    if cars and len(run.sessions) > MAX_CAR_ROWS:
        print_cars(out, run, every=True)
    if plot is not None:
        plot_run(run, plot, f"{scenario.name} on {site.name}: ampshare")
        out.print(f"plot written to {plot}")
    if compare_strategies:
        with out.status("comparing...") as status:
            comparison = compare(
                site,
                scenario,
                progress=lambda name: status.update(f"simulating with {name}..."),
            )
        print_comparison(out, site, scenario, comparison)
