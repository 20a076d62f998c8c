"""How long one allocation takes: the 54-station Caltech site (3-phase), and 1,000 and 10,000
chargers in a 4-level tree (service -> feeders -> panels -> branch circuits).

Usage: python benchmarks/bench_allocate.py [--repeat N]
Prints the median and 90th percentile wall time per allocation, with the site compiled once
(as the control loop does), and the one-off compile time.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from dataclasses import replace
from pathlib import Path

from ampshare.config import load_site
from ampshare.domain import (
    Allocator,
    CarState,
    Charger,
    ChargerState,
    Circuit,
    Meter,
    MeterReading,
    Site,
    SiteState,
    parse_connection,
)
from ampshare.domain.scaling import scale_transformer

ROOT = Path(__file__).resolve().parent.parent
LINE_PAIRS = ("L1-L2", "L2-L3", "L3-L1")


FULL_KW = 150.0  # the transformer of examples/caltech_acn.toml


def caltech_site(transformer_kw: float) -> Site:
    """The Caltech garage with its transformer scaled down, as the published studies do."""
    site = load_site(ROOT / "examples" / "caltech_acn.toml")
    site = scale_transformer(site, "transformer", transformer_kw / FULL_KW)
    # a transformer this small cannot carry 54 fallbacks: they pause while ampshare is away
    chargers = tuple(replace(c, fallback_current_a=0) for c in site.chargers)
    return replace(site, chargers=chargers)


def tree_site(fanout: int, per_branch: int, seed: int = 1) -> Site:
    """service (3-phase) -> fanout feeders (3-phase) -> fanout panels (3-phase) -> fanout
    branch circuits (1-phase, line to line) -> per_branch 32 A chargers each.

    Each circuit's limit is drawn around what its chargers would take at 12 A each, so that
    some branches, panels, feeders and the service bind, as on a real congested site.
    """
    rng = random.Random(seed)

    def circuit(cid: str, chargers_below: int, **kwargs: object) -> Circuit:
        limit_a = round(
            chargers_below * 12 * rng.uniform(0.6, 1.4) / (3 if chargers_below > per_branch else 1)
        )
        return Circuit(cid, breaker_a=limit_a / 0.8, limit_a=limit_a, **kwargs)  # type: ignore[arg-type]

    circuits = [circuit("service", fanout**3 * per_branch, phases=3)]
    chargers = []
    meters = [Meter("service-meter", "service")]
    for f in range(fanout):
        feeder = f"feeder{f}"
        circuits.append(circuit(feeder, fanout**2 * per_branch, parent="service", phases=3))
        meters.append(Meter(f"{feeder}-meter", feeder))
        for p in range(fanout):
            panel = f"{feeder}-panel{p}"
            circuits.append(circuit(panel, fanout * per_branch, parent=feeder, phases=3))
            for b in range(fanout):
                branch = f"{panel}-branch{b}"
                connection = parse_connection(LINE_PAIRS[(f + p + b) % 3])
                circuits.append(circuit(branch, per_branch, parent=panel, connection=connection))
                for c in range(per_branch):
                    chargers.append(Charger(f"{branch}-ev{c}", branch, 32, fallback_current_a=0))
    return Site("tree", 208, tuple(circuits), tuple(chargers), tuple(meters))


def busy_state(site: Site, seed: int) -> SiteState:
    """Most chargers have a car, some tapering, some just plugged in, a few unreachable."""
    rng = random.Random(seed)
    chargers = {}
    for charger in site.chargers:
        roll = rng.random()
        if roll < 0.1:
            continue
        if roll < 0.15:
            chargers[charger.id] = ChargerState(CarState.CONNECTED)
        elif roll < 0.17:
            chargers[charger.id] = ChargerState(CarState.OFFLINE, offered_a=8)
        else:
            offered = rng.choice([8.0, 12.0, 16.0, 32.0])
            measured = offered * rng.choice([0.95, 0.95, 0.95, 0.4])
            chargers[charger.id] = ChargerState(CarState.CHARGING, measured, offered)
    meters = {
        meter.id: MeterReading(current_a=tuple(rng.uniform(20, 60) for _ in range(3)))
        for meter in site.meters
    }
    return SiteState(chargers, meters)


def measure(name: str, site: Site, repeat: int) -> None:
    started = time.perf_counter()
    allocator = Allocator(site)
    compile_s = time.perf_counter() - started
    states = [busy_state(site, seed) for seed in range(5)]
    times = []
    for n in range(repeat):
        state = states[n % len(states)]
        started = time.perf_counter()
        allocation = allocator.allocate(state)
        times.append(time.perf_counter() - started)
    times.sort()
    paused = sum(a.paused for a in allocation.chargers.values())
    print(
        f"{name:<34} {len(site.chargers):>6} chargers {len(site.circuits):>5} circuits  "
        f"median {statistics.median(times) * 1000:8.3f} ms  "
        f"p90 {times[int(len(times) * 0.9)] * 1000:8.3f} ms  "
        f"compile {compile_s * 1000:7.1f} ms  ({paused} paused)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=0, help="allocations per case")
    args = parser.parse_args()
    measure("Caltech ACN, 3-phase, 25 kW", caltech_site(25), args.repeat or 2000)
    measure("Caltech ACN, 3-phase, 150 kW", caltech_site(150), args.repeat or 2000)
    measure("4-level tree, 1,000 chargers", tree_site(5, 8), args.repeat or 100)
    measure("4-level tree, 10,000 chargers", tree_site(10, 10), args.repeat or 20)


if __name__ == "__main__":
    main()
