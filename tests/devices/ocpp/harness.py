"""A real OCPP server (SiteRuntime + OcppServer on a free loopback port, real time, short loop
timers) and simulated charge points connected to it over real websockets."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from ampshare.config import Installation, load_installation
from ampshare.control.settings import LoopSettings
from ampshare.devices.ocpp.server import OcppServer
from ampshare.runtime import SiteRuntime
from ampshare.sim.car import CarModel
from ampshare.sim.ocpp import SimulatedChargePoint, StationSpec

PROTOCOLS = ("ocpp1.6", "ocpp2.0.1")

# the loop's timers shrunk so that leases lapse and pauses end within seconds
FAST = LoopSettings(
    confirmation_timeout_s=3.0,
    car_follow_s=1.0,
    min_change_interval_s=1.0,
    min_pause_s=3.0,
    charger_timeout_s=6.0,
    lease_s=5.0,
    lease_refresh_s=2.0,
    overdraw_grace_s=6.0,
)
# a car that takes all it is offered for the whole test
HUNGRY = CarModel(battery_wh=80_000, max_current_a=32, draw_ratio=0.95)

GROUP_TOML = """
[site]
name = "Sunny Lane garage"
voltage_v = 240

[[circuits]]
id = "group"
breaker_a = 40            # 32 A continuous

[[chargers]]
id = "left"
circuit = "group"
max_current_a = 32
protocol = "{protocol}"
{left_ocpp}

[[chargers]]
id = "right"
circuit = "group"
max_current_a = 32
protocol = "{protocol}"
{right_ocpp}

[ocpp]
host = "127.0.0.1"
port = 0
meter_value_sample_interval_s = 1
heartbeat_interval_s = 30
{ocpp}
"""


def group_site(
    tmp_path: Path,
    protocol: str,
    *,
    ocpp: str = "",
    left_ocpp: str = "",
    right_ocpp: str = "",
    extra: str = "",
) -> Installation:
    text = GROUP_TOML.format(
        protocol=protocol, ocpp=ocpp, left_ocpp=left_ocpp, right_ocpp=right_ocpp
    )
    path = tmp_path / "site.toml"
    path.write_text(text + extra, encoding="utf-8")
    return load_installation(path)


class Harness:
    def __init__(self, server: OcppServer, runtime: SiteRuntime) -> None:
        self.server = server
        self.runtime = runtime
        self.sims: list[SimulatedChargePoint] = []

    @property
    def url(self) -> str:
        return f"{self.server.scheme}://127.0.0.1:{self.server.port}"

    async def two_cars_sharing(
        self, protocol: str
    ) -> tuple[SimulatedChargePoint, SimulatedChargePoint]:
        """left and right connected, a hungry car on each, at 16/16 on the 32 A group."""
        left = self.charge_point("left", protocol)
        right = self.charge_point("right", protocol)
        await left.connect()
        await right.connect()
        await left.plug_in(HUNGRY, 60_000)
        await right.plug_in(HUNGRY, 60_000)
        await eventually(
            lambda: (left.station.pilot_a(), right.station.pilot_a()) == (16.0, 16.0),
            what="16/16",
        )
        return left, right

    def charge_point(
        self, charger_id: str, protocol: str, spec: StationSpec | None = None, **kwargs: object
    ) -> SimulatedChargePoint:
        sim = SimulatedChargePoint(
            self.url,
            charger_id,
            protocol,
            spec or StationSpec(max_current_a=32),
            **kwargs,  # type: ignore[arg-type]
        )
        self.sims.append(sim)
        return sim


@contextlib.asynccontextmanager
async def serving(
    installation: Installation, settings: LoopSettings = FAST
) -> AsyncIterator[Harness]:
    runtime = SiteRuntime(installation.site, settings)
    server = OcppServer(installation, runtime, response_timeout_s=5)
    tasks = [asyncio.create_task(runtime.run()), asyncio.create_task(server.run())]
    harness = Harness(server, runtime)
    try:
        await asyncio.wait_for(server.listening.wait(), 10)
        yield harness
    finally:
        for sim in harness.sims:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(sim.close(), 15)
        for task in tasks:
            task.cancel()
        # a server that does not stop when told is a failure, not a hang
        await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 30)


async def eventually(
    condition: Callable[[], bool], timeout_s: float = 20.0, what: str = "condition"
) -> None:
    """Wait until condition() holds (checked every 50 ms), or fail saying what was awaited."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for: {what}")
        await asyncio.sleep(0.05)


def profiles_of(sim: SimulatedChargePoint) -> dict[int, float]:
    """The limits of the profiles the charger holds, by profile id."""
    return {pid: p.periods[0].limit for pid, p in sim.station.store.profiles.items()}
