"""SimulatedChargePoint: one simulated OCPP charger run against a central system in real
time: connect (and boot), plug a car in, unplug it, lose the connection, reconnect. Its
Station (profiles, configuration) outlives connections, as a real charger's memory does."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from datetime import UTC, datetime
from typing import Any

from websockets.asyncio.client import ClientConnection

from ampshare.sim.car import CarModel
from ampshare.sim.ocpp.client import Ticker, open_connection
from ampshare.sim.ocpp.sim16 import SimChargePoint16
from ampshare.sim.ocpp.sim201 import SimChargePoint21, SimChargePoint201
from ampshare.sim.ocpp.station import Station, StationSpec

_CLIENTS: dict[str, type[SimChargePoint16] | type[SimChargePoint201]] = {
    "ocpp1.6": SimChargePoint16,
    "ocpp2.0.1": SimChargePoint201,
    "ocpp2.1": SimChargePoint21,
}


class SimulatedChargePoint:
    def __init__(
        self,
        url: str,
        charger_id: str,
        protocol: str,
        spec: StationSpec | None = None,
        *,
        password: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
        tick_s: float = 0.1,
    ) -> None:
        self.url = url
        self.protocol = protocol
        self.password = password
        self.ssl_context = ssl_context
        self.station = Station(spec or StationSpec(), charger_id)
        self.tick_s = tick_s
        self.cp: SimChargePoint16 | SimChargePoint201 | None = None
        self.connection: ClientConnection | None = None
        self._receiver: asyncio.Task[None] | None = None
        self._ticker = Ticker(tick_s, self._step, f"sim {charger_id}")
        # the electrics run on while the connection is down: profiles lapse by themselves
        self._physics = Ticker(tick_s, self._follow, f"sim {charger_id} physics")
        self._physics_running = False
        self._last_meter_s = 0.0
        self._last_heartbeat_s = 0.0
        self.latencies_s: list[float] = []  # of its own CALLs (the load benchmark reads them)

    @property
    def charger_id(self) -> str:
        return self.station.charger_id

    async def connect(self, boot: bool = True) -> None:
        self.connection = await open_connection(
            self.url,
            self.protocol,
            charger_id=self.charger_id,
            password=self.password,
            ssl_context=self.ssl_context,
        )
        self.cp = _CLIENTS[self.protocol](self.station, self.connection)
        self._receiver = asyncio.create_task(self.cp.start(), name=f"sim {self.charger_id} rx")
        self.station.offline_since = None
        if boot:
            await self.cp.boot()
        self._last_heartbeat_s = self._last_meter_s = time.monotonic()
        self._ticker.start()
        if not self._physics_running:
            self._physics_running = True
            self._physics.start()

    async def disconnect(self) -> None:
        """The connection drops (the charger keeps running on its profiles)."""
        await self._ticker.stop()
        if self.connection is not None:
            await self.connection.close()
        if self._receiver is not None:
            self._receiver.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._receiver
        self.station.offline_since = datetime.now(UTC)
        self.cp = None

    async def close(self) -> None:
        """Disconnect and switch the charger off."""
        await self.disconnect()
        await self._physics.stop()
        self._physics_running = False

    async def __aenter__(self) -> SimulatedChargePoint:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _follow(self) -> None:
        self.station.follow_profiles()

    def _client(self) -> SimChargePoint16 | SimChargePoint201:
        if self.cp is None:
            raise RuntimeError(f"{self.charger_id} is not connected")
        return self.cp

    async def plug_in(
        self,
        model: CarModel,
        energy_wanted_wh: float,
        departure: datetime | None = None,
    ) -> None:
        self.station.plug_in(model, energy_wanted_wh)
        cp = self._client()
        if isinstance(cp, SimChargePoint201):
            cp.energy_wanted_wh, cp.departure = energy_wanted_wh, departure
        await cp.plug_in()

    async def unplug(self) -> None:
        self.station.unplug()
        await self._client().unplug()

    async def call(self, payload: Any) -> Any:
        """One CALL of the charger's own, timed."""
        started = time.perf_counter()
        result = await self._client().call(payload, suppress=False)
        self.latencies_s.append(time.perf_counter() - started)
        return result

    async def _step(self) -> None:
        cp = self._client()
        await cp.step()
        now_s = time.monotonic()
        if now_s - self._last_meter_s >= cp.meter_interval_s:
            self._last_meter_s = now_s
            started = time.perf_counter()
            await cp.meter_values()
            if self.station.transaction_id is not None:
                self.latencies_s.append(time.perf_counter() - started)
        if now_s - self._last_heartbeat_s >= cp.heartbeat_interval_s:
            self._last_heartbeat_s = now_s
            started = time.perf_counter()
            await cp.heartbeat()
            self.latencies_s.append(time.perf_counter() - started)
