"""The Caltech ACN garage, two weeks of real sessions, at a reduced transformer capacity:
ampshare's energy against the offline optimum, cars served, seconds over any limit, and how many
simulated days a wall-clock second covers.

    .venv/bin/python benchmarks/bench_simulate.py                 # 25 and 50 kW, two weeks
    .venv/bin/python benchmarks/bench_simulate.py --kw 25 --week  # the first week only
    .venv/bin/python benchmarks/bench_simulate.py --compare       # and every baseline
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from ampshare.config import load_scenario, load_site
from ampshare.domain.scaling import scale_transformer
from ampshare.sim.compare import contenders, scenario_optimum
from ampshare.sim.playback import run_scenario

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "examples" / "caltech_acn.toml"
FULL_KW = 150.0
SECONDS_PER_DAY = 86_400.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kw", type=float, nargs="+", default=[25.0, 50.0])
    parser.add_argument("--week", action="store_true", help="the first week, not both")
    parser.add_argument("--compare", action="store_true", help="also run every baseline")
    args = parser.parse_args()
    name = "caltech_week_scenario.toml" if args.week else "caltech_two_weeks_scenario.toml"
    base = load_site(SITE)
    for kw in args.kw:
        site = scale_transformer(base, "transformer", kw / FULL_KW)
        scenario = load_scenario(ROOT / "examples" / name, site)
        started = time.perf_counter()
        optimum = scenario_optimum(site, scenario)
        optimum_s = time.perf_counter() - started
        days = scenario.duration_s / SECONDS_PER_DAY
        print(
            f"\n{kw:.0f} kW, {len(scenario.sessions)} sessions over {days:.1f} days, "
            f"{scenario.reading_interval_s:.0f} s readings: "
            f"optimum {optimum.total_wh / 1000:,.0f} kWh of {optimum.requested_wh / 1000:,.0f} "
            f"wanted, {optimum.served} served (LP {optimum_s:.1f} s)"
        )
        for contender in contenders(scenario):
            if not contender.name.startswith("ampshare") and not args.compare:
                continue
            run = run_scenario(site, scenario, contender.make, name=contender.name)
            print(
                f"  {contender.name:<26} {run.delivered_wh / 1000:8,.0f} kWh "
                f"{run.delivered_wh / optimum.total_wh:7.1%} of optimum  "
                f"served {run.served:3d}/{len(run.sessions)}  "
                f"over limit {run.over_limit_s:6,.0f} s  "
                f"over breaker {run.over_breaker_s:6,.0f} s  "
                f"{days / run.wall_s:6.2f} sim days/s ({run.wall_s:,.0f} s wall, "
                f"{run.cpu_s:,.0f} s cpu: a week in {7 * run.cpu_s / days:,.0f} s)"
            )


if __name__ == "__main__":
    main()
