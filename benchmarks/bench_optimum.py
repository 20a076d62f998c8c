"""The offline optimum on the Caltech ACN garage with its real sessions of 1-15 March 2019.

Usage: python benchmarks/bench_optimum.py [--step-s 300] [--kw 25 50] [--limits-on-offers]
For each transformer size (its secondary's line limit scaled, the rest of the site as it is):
the most energy any schedule could deliver (kWh, and as a share of what the drivers asked for),
the sessions one optimal schedule serves fully (>= 99 %), the size of the linear programs and
the time HiGHS took (and the time to build them). Cars: 32 A, max(60 kWh, wanted) batteries.
"""

from __future__ import annotations

import argparse
import csv
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from ampshare.config import load_site
from ampshare.domain import Site
from ampshare.domain.network import compile_network
from ampshare.sim.car import CarModel
from ampshare.sim.optimum import offline_optimum
from ampshare.sim.scenario import Session

ROOT = Path(__file__).resolve().parent.parent
SITE_FILE = ROOT / "examples" / "caltech_acn.toml"
SESSIONS_CSV = Path("/work/shared/data/caltech_acn_sessions_2019-03-01_to_15.csv")
SECONDS_PER_DAY = 86_400.0


def caltech_site(transformer_kw: float) -> Site:
    """The garage with its transformer's secondary scaled to transformer_kw (120 V per line)."""
    site = load_site(SITE_FILE)
    line_limit_a = transformer_kw * 1000 / 3 / 120
    circuits = tuple(
        replace(c, limit_a=line_limit_a) if c.id == "transformer" else c for c in site.circuits
    )
    return replace(site, circuits=circuits)


def read_sessions(path: Path, charger_ids: set[str]) -> tuple[list[Session], float]:
    """The sessions at known stations, timed from the midnight before the first arrival;
    and the duration up to the last departure."""
    with path.open(newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["station_id"] in charger_ids]
    arrivals = [datetime.fromisoformat(row["arrival"]) for row in rows]
    origin = min(arrivals).replace(hour=0, minute=0, second=0, microsecond=0)
    sessions = []
    for row, arrival in zip(rows, arrivals, strict=True):
        wanted_wh = float(row["energy_kwh"]) * 1000
        departure = datetime.fromisoformat(row["departure"])
        sessions.append(
            Session(
                id=row["session_id"],
                charger_id=row["station_id"],
                arrival_s=(arrival - origin).total_seconds(),
                departure_s=(departure - origin).total_seconds(),
                energy_wanted_wh=wanted_wh,
                car=CarModel(battery_wh=max(60_000.0, wanted_wh), max_current_a=32.0),
            )
        )
    end_s = max(s.departure_s or 0.0 for s in sessions)
    return sessions, end_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--step-s", type=float, default=300.0)
    parser.add_argument("--kw", type=float, nargs="+", default=[25.0, 50.0])
    parser.add_argument(
        "--limits-on-offers",
        action="store_true",
        help="the bound for a controller that budgets offers, as ampshare (default: draws)",
    )
    args = parser.parse_args()

    base = load_site(SITE_FILE)
    sessions, duration_s = read_sessions(SESSIONS_CSV, {c.id for c in base.chargers})
    requested_kwh = sum(s.energy_wanted_wh for s in sessions) / 1000
    print(
        f"Caltech ACN, {len(sessions)} sessions over {duration_s / SECONDS_PER_DAY:.1f} days, "
        f"{requested_kwh:.0f} kWh requested, steps of {args.step_s:g} s, limits on "
        f"{'offers' if args.limits_on_offers else 'draws'}"
    )
    for kw in args.kw:
        network = compile_network(caltech_site(kw))
        started_s = time.perf_counter()
        result = offline_optimum(
            network,
            sessions,
            duration_s=duration_s,
            step_s=args.step_s,
            limits_on_offers=args.limits_on_offers,
        )
        wall_s = time.perf_counter() - started_s
        size = result.size
        print(
            f"{kw:5.0f} kW: optimum {result.total_wh / 1000:7.1f} kWh "
            f"({result.total_wh / result.requested_wh:6.1%} of requested), "
            f"{result.served}/{len(sessions)} sessions served; "
            f"{result.periods} programs, {size.variables} variables, {size.rows} rows, "
            f"{size.nonzeros} nonzeros; HiGHS {result.solve_s:.2f} s, "
            f"build {wall_s - result.solve_s:.2f} s"
        )


if __name__ == "__main__":
    main()
