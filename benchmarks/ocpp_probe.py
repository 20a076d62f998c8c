"""Probe charge points for bench_ocpp_load.py, in a process of their own: a real charger is a
device of its own, while the benchmark's thousand simulated ones share one Python process,
whose own queueing shows up in every latency they measure. Each probe connects, plugs a car in
(so it is load-managed like the others) and times a Heartbeat every PERIOD_S; the latencies are
printed as JSON on stdout.

Usage: python benchmarks/ocpp_probe.py --port P --first 990 --count 10 --seconds 50
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import time

from ocpp import messages
from ocpp.v16 import call

from ampshare.sim.car import CarModel
from ampshare.sim.ocpp import SimulatedChargePoint, StationSpec

PERIOD_S = 0.5
SETTLE_S = 5.0  # connected and plugged in: let the arrival's allocation pass before timing
CAR = CarModel(battery_wh=80_000, max_current_a=32)


def load_charge_point(port: int, index: int) -> SimulatedChargePoint:
    """One of the load benchmark's charge points: cp-<index>, 1.6J, 32 A, stepping every 1 s."""
    return SimulatedChargePoint(
        f"ws://127.0.0.1:{port}",
        f"cp-{index}",
        "ocpp1.6",
        StationSpec(max_current_a=32),
        tick_s=1.0,
    )


async def probe(sim: SimulatedChargePoint, until: float, latencies_s: list[float]) -> None:
    while time.monotonic() < until:
        cp = sim.cp
        if cp is None:
            return
        started = time.perf_counter()
        await cp.call(call.Heartbeat(), suppress=False)
        latencies_s.append(time.perf_counter() - started)
        await asyncio.sleep(PERIOD_S)


async def run(port: int, first: int, count: int, seconds: float) -> list[float]:
    until = time.monotonic() + seconds
    sims = [load_charge_point(port, index) for index in range(first, first + count)]
    for sim in sims:
        await sim.connect()
        await sim.plug_in(CAR, 60_000)
    await asyncio.sleep(SETTLE_S)
    latencies_s: list[float] = []
    await asyncio.gather(*(probe(sim, until, latencies_s) for sim in sims))
    for sim in sims:
        with contextlib.suppress(Exception):
            await sim.close()
    return latencies_s


def main() -> None:
    messages.ASYNC_VALIDATION = False  # as the server and the other simulators do
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--first", type=int, required=True, help="the first probe's index")
    parser.add_argument("--count", type=int, default=10)
    parser.add_argument("--seconds", type=float, required=True)
    args = parser.parse_args()
    latencies_s = asyncio.run(run(args.port, args.first, args.count, args.seconds))
    print(json.dumps({"latencies_s": latencies_s}))


if __name__ == "__main__":
    main()
