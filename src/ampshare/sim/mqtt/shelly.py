"""Simulated Shelly meters on a real MQTT broker, speaking as the devices do.

SimShellyEm (Gen1 Shelly EM): shellies/<id>/online "true" (retained; "false" is its last will),
an announce on shellies/announce, and every update period per clamp n
shellies/<id>/emeter/<n>/power, reactive_power, voltage, total, total_returned, energy and
returned_energy as text; "update" on shellies/<id>/command publishes at once, "announce" on
shellies/command announces.

SimShellyPro3Em (Gen2 Pro 3EM, triphase profile): <prefix>/online, NotifyFullStatus then
NotifyStatus deltas (only what changed) of em:0 on <prefix>/events/rpc, the whole em:0 status
on <prefix>/status/em:0 ("generic status update" on), and MQTT RPC on <prefix>/rpc
(EM.GetStatus, Shelly.GetStatus), answered on <src>/rpc.

Each reads the load it measures from a function, so a test can make the house spike.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import aiomqtt

from ampshare.devices.cancellation import stop_if_cancelled
from ampshare.sim.mqtt.broker import DEVICE_MQTT_TIMEOUT_S, BrokerAddress


@dataclass(frozen=True)
class PhaseLoad:
    """What one clamp measures: a current, at a voltage and power factor; negative
    current_a feeds the grid (generation)."""

    current_a: float
    voltage_v: float = 230.0
    power_factor: float = 1.0

    @property
    def act_power_w(self) -> float:
        return self.current_a * self.voltage_v * self.power_factor

    @property
    def aprt_power_w(self) -> float:
        return abs(self.current_a) * self.voltage_v

    @property
    def reactive_var(self) -> float:
        return math.sqrt(max(0.0, self.aprt_power_w**2 - self.act_power_w**2))


Source = Callable[[], list[PhaseLoad]]


class _SimDevice:
    def __init__(self, broker: BrokerAddress, identifier: str, period_s: float) -> None:
        self.broker = broker
        self.identifier = identifier
        self.period_s = period_s
        self.silent = False  # a device that stays connected but reports nothing
        self._client: aiomqtt.Client | None = None
        self._wake = asyncio.Event()

    async def _publish(self, topic: str, payload: str, retain: bool = False) -> None:
        if self._client is not None:
            await self._client.publish(topic, payload, retain=retain)

    @contextlib.asynccontextmanager
    async def _online(self, online_topic: str) -> AsyncIterator[aiomqtt.Client]:
        """Connected with "false" as the last will on online_topic, and "true" said there."""
        will = aiomqtt.Will(online_topic, "false", retain=True)
        async with aiomqtt.Client(
            self.broker.host,
            self.broker.port,
            identifier=self.identifier,
            will=will,
            keepalive=5,
            timeout=DEVICE_MQTT_TIMEOUT_S,
        ) as client:
            self._client = client
            await client.publish(online_topic, "true", retain=True)
            yield client

    async def _serve(self, client: aiomqtt.Client, report: Callable[[], Any]) -> None:
        """Listen to requests and report periodically until the connection ends."""
        listener = asyncio.create_task(self._listen(client))
        try:
            await self._periodically(report)
        finally:
            listener.cancel()
            self._client = None

    async def _listen(self, client: aiomqtt.Client) -> None:
        async for message in client.messages:
            payload = message.payload
            await self._request(payload.decode() if isinstance(payload, bytes) else "")
            stop_if_cancelled()  # its publishes may have returned in place of a cancellation

    async def _request(self, text: str) -> None:
        """One message on a topic the device obeys."""

    def report_now(self) -> None:
        """Report at once instead of at the end of the period (a spike seen sooner)."""
        self._wake.set()

    async def _periodically(self, report: Callable[[], Any]) -> None:
        while True:
            stop_if_cancelled()  # a publish or the wait may have returned in its place
            if not self.silent:
                await report()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.period_s)
            self._wake.clear()


class SimShellyEm(_SimDevice):
    def __init__(
        self,
        device_id: str,
        broker: BrokerAddress,
        source: Source,
        update_period_s: float = 30.0,
    ) -> None:
        super().__init__(broker, device_id, update_period_s)
        self.base = f"shellies/{device_id}"
        self.source = source
        self._total_wh: dict[int, float] = {}
        self._returned_wh: dict[int, float] = {}
        self._last_s = time.monotonic()

    async def run(self) -> None:
        async with self._online(f"{self.base}/online") as client:
            await client.subscribe(f"{self.base}/command")
            await client.subscribe("shellies/command")
            await self._announce()
            await self._serve(client, self.report)

    async def _request(self, text: str) -> None:
        if text == "update":
            self.report_now()
        elif text == "announce":
            await self._announce()

    async def _announce(self) -> None:
        announce = {
            "id": self.identifier,
            "model": "SHEM",
            "mac": "A4CF12F00001",
            "ip": "192.0.2.20",
            "new_fw": False,
            "fw_ver": "20230913-114244/v1.14.0-gcb84623",
        }
        await self._publish("shellies/announce", json.dumps(announce))

    async def report(self) -> None:
        now_s = time.monotonic()
        dt_h = (now_s - self._last_s) / 3600
        self._last_s = now_s
        for n, load in enumerate(self.source()):
            power = load.act_power_w
            if power >= 0:
                self._total_wh[n] = self._total_wh.get(n, 0.0) + power * dt_h
            else:
                self._returned_wh[n] = self._returned_wh.get(n, 0.0) - power * dt_h
            prefix = f"{self.base}/emeter/{n}"
            await self._publish(f"{prefix}/energy", str(round(self._total_wh.get(n, 0) * 60)))
            await self._publish(
                f"{prefix}/returned_energy", str(round(self._returned_wh.get(n, 0) * 60))
            )
            await self._publish(f"{prefix}/power", f"{power:.2f}")
            await self._publish(f"{prefix}/reactive_power", f"{load.reactive_var:.2f}")
            await self._publish(f"{prefix}/voltage", f"{load.voltage_v:.2f}")
            await self._publish(f"{prefix}/total", f"{self._total_wh.get(n, 0):.2f}")
            await self._publish(f"{prefix}/total_returned", f"{self._returned_wh.get(n, 0):.2f}")


class SimShellyPro3Em(_SimDevice):
    def __init__(
        self,
        prefix: str,
        broker: BrokerAddress,
        source: Source,
        period_s: float = 1.0,
        status_ntf: bool = True,
    ) -> None:
        super().__init__(broker, prefix, period_s)
        self.prefix = prefix
        self.device_id = "shellypro3em-a0b1c2d3e4f5"
        self.source = source
        self.status_ntf = status_ntf
        self._last: dict[str, Any] = {}

    def em_status(self) -> dict[str, Any]:
        loads = (self.source() + [PhaseLoad(0.0)] * 3)[:3]
        status: dict[str, Any] = {"id": 0}
        for phase, load in zip("abc", loads, strict=True):
            status[f"{phase}_current"] = round(abs(load.current_a), 3)
            status[f"{phase}_voltage"] = round(load.voltage_v, 1)
            status[f"{phase}_act_power"] = round(load.act_power_w, 1)
            status[f"{phase}_aprt_power"] = round(load.aprt_power_w, 1)
            status[f"{phase}_pf"] = round(load.power_factor, 2)
            status[f"{phase}_freq"] = 50.0
        status["n_current"] = None
        status["total_current"] = round(sum(abs(load.current_a) for load in loads), 3)
        status["total_act_power"] = round(sum(load.act_power_w for load in loads), 3)
        status["total_aprt_power"] = round(sum(load.aprt_power_w for load in loads), 3)
        status["user_calibrated_phase"] = []
        return status

    async def run(self) -> None:
        async with self._online(f"{self.prefix}/online") as client:
            await client.subscribe(f"{self.prefix}/rpc")
            status = self.em_status()
            self._last = status
            await self._notify("NotifyFullStatus", status)
            await self._serve(client, self.report)

    async def _request(self, text: str) -> None:
        try:
            request = json.loads(text)
        except json.JSONDecodeError:
            return
        if not isinstance(request, dict) or not isinstance(request.get("src"), str):
            return
        answer: dict[str, Any] = {"id": request.get("id"), "src": self.device_id}
        answer["dst"] = request["src"]
        method = request.get("method")
        if method == "EM.GetStatus":
            answer["result"] = self.em_status()
        elif method == "Shelly.GetStatus":
            answer["result"] = {"em:0": self.em_status()}
        else:
            answer["error"] = {"code": 404, "message": f"No handler for {method}"}
        await self._publish(f"{request['src']}/rpc", json.dumps(answer))

    async def _notify(self, method: str, em: dict[str, Any]) -> None:
        notice = {
            "src": self.device_id,
            "dst": f"{self.prefix}/events",
            "method": method,
            "params": {"ts": round(time.time(), 2), "em:0": em},
        }
        await self._publish(f"{self.prefix}/events/rpc", json.dumps(notice))

    async def report(self) -> None:
        status = self.em_status()
        delta = {k: v for k, v in status.items() if self._last.get(k) != v}
        self._last = status
        if len(delta) > 0:
            await self._notify("NotifyStatus", {"id": 0, **delta})
        if self.status_ntf:
            await self._publish(f"{self.prefix}/status/em:0", json.dumps(status))
