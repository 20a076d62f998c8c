"""Load on the OCPP central system: N simulated 1.6J charge points connected at once to a real
`ampshare serve` process, each with a car charging, sending MeterValues every 10 s and
Heartbeats, while the control loop allocates.

Usage: python benchmarks/bench_ocpp_load.py [--chargers 1000] [--seconds 60] [--arrive-s 100]
Prints connections held, messages per second (both ways), p50/p99/max latency of the charge
points' CALLs (CALL sent to CALLRESULT received) and the CPU of the server process and of the
simulator process (both on this machine: the simulator's CPU is not available to the server).
Latency is given twice: as the simulated charge points sharing one Python process see it (that
process's own queueing included), and as ten probe charge points in a process of their own see
it (ocpp_probe.py), which is what a real charger, a device of its own, would see.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil  # type: ignore[import-untyped]  # ships no type information
from ocpp import messages

from ampshare.runtime.heap import settle_heap
from ampshare.sim.ocpp import SimulatedChargePoint
from ocpp_probe import CAR, load_charge_point  # the probes' charge points are the same kind

PANEL_SIZE = 10
PROBES = 10  # of the N charge points, in a process of their own (see ocpp_probe.py)


def site_toml(chargers: int, port: int) -> str:
    """Panels of ten 40 A branch circuits; new cars wait for ampshare (start and fallback 0)."""
    panels = (chargers + PANEL_SIZE - 1) // PANEL_SIZE
    lines = [
        '[site]\nname = "load test"\nvoltage_v = 240\n',
        f'[[circuits]]\nid = "service"\nbreaker_a = {panels * 100}\n',
    ]
    for panel in range(panels):
        lines.append(f'[[circuits]]\nid = "panel-{panel}"\nbreaker_a = 200\nparent = "service"\n')
    for index in range(chargers):
        panel = index // PANEL_SIZE
        lines.append(
            f'[[circuits]]\nid = "branch-{index}"\nbreaker_a = 40\nparent = "panel-{panel}"\n'
            f'[[chargers]]\nid = "cp-{index}"\ncircuit = "branch-{index}"\nmax_current_a = 32\n'
            'fallback_current_a = 0\nstart_current_a = 0\nprotocol = "ocpp1.6"\n'
        )
    lines.append(
        f'[ocpp]\nhost = "127.0.0.1"\nport = {port}\nmeter_value_sample_interval_s = 10\n'
        "heartbeat_interval_s = 60\n"
    )
    return "\n".join(lines)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def wait_for_port(port: int, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)
        else:
            writer.close()
            return


async def connect_all(sims: list[SimulatedChargePoint], batch: int) -> int:
    failed = 0
    for start in range(0, len(sims), batch):
        results = await asyncio.gather(
            *(sim.connect() for sim in sims[start : start + batch]), return_exceptions=True
        )
        failed += sum(isinstance(r, BaseException) for r in results)
    return failed


async def arrive(sims: list[SimulatedChargePoint], over_s: float) -> None:
    """Cars arrive one after another over over_s: each arrival re-allocates the whole site
    at once (as it should), so a thousand at the same instant would queue for seconds."""
    gap_s = over_s / max(1, len(sims))
    tasks = []
    for sim in sims:
        tasks.append(asyncio.create_task(sim.plug_in(CAR, 60_000)))
        await asyncio.sleep(gap_s)
    await asyncio.gather(*tasks, return_exceptions=True)


class LagProbe:
    """How late this process's event loop wakes up: a CALL's latency as the charge points
    measure it includes the simulator's own lag, since both share this machine's two cores."""

    PERIOD_S = 0.05

    def __init__(self) -> None:
        self.lags_s: list[float] = []
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            started = time.perf_counter()
            await asyncio.sleep(self.PERIOD_S)
            self.lags_s.append(time.perf_counter() - started - self.PERIOD_S)

    def stop(self) -> list[float]:
        self._task.cancel()
        return sorted(self.lags_s)


async def run(chargers: int, seconds: float, arrive_s: float) -> None:
    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="ampshare-load-"))
    site = folder / "site.toml"
    site.write_text(site_toml(chargers, port), encoding="utf-8")
    server = subprocess.Popen(
        [sys.executable, "-m", "ampshare", "serve", "--site", str(site)],
        stdout=subprocess.DEVNULL,
        stderr=(folder / "server.log").open("w"),
    )
    try:
        await wait_for_port(port, 60)
        process = psutil.Process(server.pid)
        me = psutil.Process()
        sims = [load_charge_point(port, index) for index in range(chargers - PROBES)]
        began = time.monotonic()
        failed = await connect_all(sims, batch=50)
        connected = [sim for sim in sims if sim.cp is not None]
        await arrive(connected, arrive_s)
        setup_s = time.monotonic() - began
        for sim in connected:
            sim.latencies_s.clear()
        settle_heap()  # as `ampshare serve` does: a full collection here stalls every CALL
        probe = LagProbe()
        received_before = sum(len(sim.station.received) for sim in connected)
        process.cpu_percent(None)
        me.cpu_percent(None)
        probes = await asyncio.create_subprocess_exec(
            sys.executable,
            str(Path(__file__).with_name("ocpp_probe.py")),
            *("--port", str(port), "--first", str(chargers - PROBES)),
            *("--count", str(PROBES), "--seconds", str(seconds)),
            stdout=asyncio.subprocess.PIPE,
        )
        await asyncio.sleep(seconds)
        lags_s = probe.stop()
        server_cpu = process.cpu_percent(None)
        client_cpu = me.cpu_percent(None)
        held = sum(
            1
            for sim in connected
            if sim.connection is not None and sim.connection.state.name == "OPEN"
        )
        latencies = sorted(t for sim in connected for t in sim.latencies_s)
        from_server = sum(len(sim.station.received) for sim in connected) - received_before
        probed, _ = await asyncio.wait_for(probes.communicate(), 60)
        report(chargers, failed, held, setup_s, seconds, latencies, from_server)
        own = sorted(json.loads(probed)["latencies_s"])
        print(
            f"latency as a charger on its own sees it ({PROBES} probes in their own process, "
            f"a Heartbeat every 0.5 s): {percentiles(own)} over {len(own)} CALLs"
        )
        rss_mib = process.memory_info().rss / 2**20
        print(f"server CPU: {server_cpu:.0f} % of one core (RSS {rss_mib:.0f} MiB)")
        print(f"simulator CPU: {client_cpu:.0f} % of one core (the same 2-core machine)")
        print(f"simulator event-loop lag (in each of its latencies): {percentiles(lags_s)}")
        charging = sum(1 for sim in connected if sim.station.drawing_a() > 0)
        print(f"cars charging at the end: {charging} of {len(connected)}")
        for sim in connected:
            with contextlib.suppress(Exception):
                await sim.close()
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()


def report(  # noqa: PLR0917 (the figures, in the order printed)
    chargers: int,
    failed: int,
    held: int,
    setup_s: float,
    seconds: float,
    latencies: list[float],
    from_server: int,
) -> None:
    print(
        f"charge points: {chargers}; connect failures: {failed}; connected and cars "
        f"arrived in {setup_s:.1f} s"
    )
    print(f"connections held after {seconds:.0f} s: {held}")
    calls = len(latencies)
    print(
        f"messages: {calls / seconds:.1f} CALLs/s from the charge points (MeterValues, "
        f"Heartbeat), {from_server / seconds:.1f} CALLs/s from ampshare (offers, refreshes)"
    )
    print(
        f"latency CALL -> CALLRESULT as the {chargers - PROBES} simulated charge points sharing "
        f"one process see it: {percentiles(latencies)} over {calls} CALLs (aim: p99 < 50 ms)"
    )


def percentiles(sorted_s: list[float]) -> str:
    if not sorted_s:
        return "no CALLs"
    p50 = statistics.median(sorted_s)
    p99 = sorted_s[min(len(sorted_s) - 1, int(len(sorted_s) * 0.99))]
    return f"p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, max {sorted_s[-1] * 1000:.1f} ms"


def main() -> None:
    messages.ASYNC_VALIDATION = False  # the simulators check payloads inline, as the server does
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chargers", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=60.0, help="the measured window")
    parser.add_argument(
        "--arrive-s", type=float, default=100.0, help="cars arrive over this long first"
    )
    args = parser.parse_args()
    asyncio.run(run(args.chargers, args.seconds, args.arrive_s))


if __name__ == "__main__":
    main()
