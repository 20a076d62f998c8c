"""A simulated OpenEVSE unit (WiFi firmware v4/v5) on a real MQTT broker.

It speaks as the firmware does (mqtt.cpp, input.cpp, evse_monitor.cpp): its retained announce
on <announce topic> ({"state": "connected", "id", "name", "mqtt", "http"}, and "disconnected"
as its last will); every value on its own topic <base>/<key>: amp (mA), voltage and power
every second while charging; state, flags, vehicle, colour, pilot (the J1772 pilot *state*:
a firmware quirk), manual_override, status, elapsed, amp, voltage on every state change; the
whole status every status_period_s (30 s on a real unit); pilot (A) when the pilot changes;
<base>/claim, <base>/override and <base>/config retained. It obeys <base>/claim/set (JSON or
"release"), <base>/shaper/set, <base>/config/set and its live-power topic (read with
Arduino's toInt), and its pilot follows the firmware's claims and current shaper
(openevse_firmware.py). A car (ampshare.sim.car) follows the pilot through a SimCharger.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

import aiomqtt

from ampshare.devices.cancellation import stop_if_cancelled
from ampshare.sim.car import Car
from ampshare.sim.evse import SimCharger
from ampshare.sim.mqtt.broker import DEVICE_MQTT_TIMEOUT_S, BrokerAddress
from ampshare.sim.mqtt.openevse_firmware import (
    MQTT_CLIENT,
    PRIORITY_MQTT,
    SHAPER_LOOP_S,
    Claims,
    Props,
    Shaper,
    ShaperConfig,
    merge_mqtt_claim,
    pilot_a,
)

_STEP_S = 0.05
_RECONNECT_S = 0.5  # a unit tries its broker again this soon (every 10 s on a real one)
_MONITOR_S = 1.0  # EVSE_MONITOR_POLL_TIME: amp/voltage/power while charging
_LEADING_INT = re.compile(r"^\s*([+-]?\d+)")


def arduino_to_int(text: str) -> int:
    """String.toInt(): the leading integer, 0 when there is none (garbage reads as 0)."""
    match = _LEADING_INT.match(text)
    return int(match.group(1)) if match else 0


@dataclass
class UnitSettings:
    short_id: str = "1a2b"
    base_topic: str | None = None  # mqtt_topic; default openevse-<short id>
    announce_topic: str | None = None  # mqtt_announce_topic; default openevse/announce/<id>
    live_pwr_topic: str = ""  # mqtt_live_pwr
    shaper: ShaperConfig = field(default_factory=ShaperConfig)
    max_current_a: int = 32  # the unit's configured maximum ("max_current_soft")
    min_current_a: int = 6
    voltage_v: float = 240.0
    status_period_s: float = 30.0
    pause_uses_disabled: bool = False  # pause as 255 disabled rather than 254 sleeping
    follow_delay_s: float = 0.1  # the controller takes a new pilot this long after a claim
    car_response_s: float = 1.0  # cars take up to ~5 s

    @property
    def base(self) -> str:
        return self.base_topic or f"openevse-{self.short_id}"

    @property
    def announce(self) -> str:
        return self.announce_topic or f"openevse/announce/{self.short_id}"


class SimOpenevseUnit:
    def __init__(self, settings: UnitSettings, broker: BrokerAddress) -> None:
        self.settings = settings
        self.broker = broker
        self.long_id = f"c44f330d{settings.short_id}"
        now_s = time.monotonic()
        self.claims = Claims()
        self.shaper = Shaper(settings.shaper, now_s)
        self.charger = SimCharger(
            f"openevse-{settings.short_id}",
            max_current_a=settings.max_current_a,
            start_current_a=0.0,  # the claims decide, from the first moment
            fallback_current_a=settings.max_current_a,
            voltage_v=settings.voltage_v,
            follow_delay_s=settings.follow_delay_s,
            car_response_s=settings.car_response_s,
        )
        self._t0 = now_s
        self._mqtt_props = Props()
        self.pilot_setting_a = settings.max_current_a  # what "pilot" reports
        self.active = True
        self.config_version = 1
        self.received: list[tuple[str, str]] = []  # every message it obeyed, for tests
        self._client: aiomqtt.Client | None = None
        self._claims_seen = -1
        self._published_state: tuple[int, bool] | None = None
        # at boot the shaper has no data yet: its first loop pauses the unit
        self.shaper.loop(self.claims, settings.min_current_a, now_s)
        self._command_pilot(now_s)

    # the car ------------------------------------------------------------------------------

    def plug_in(self, car: Car) -> None:
        self.charger.plug_in(car, self._now())

    def unplug(self) -> None:
        now_s = self._now()
        self.charger.unplug(now_s)
        self._command_pilot(now_s)  # the claims outlive the session

    @property
    def drawing_a(self) -> float:
        return self.charger.drawing_a

    def evse_state(self) -> int:
        if self.charger.car is None:
            return 1
        if not self.active:
            return 255 if self.settings.pause_uses_disabled else 254
        return 3 if self.charger.drawing_a > 0 else 2

    # MQTT ---------------------------------------------------------------------------------

    async def run(self) -> None:
        """Run the unit until cancelled: its controller and shaper always, its MQTT
        connection whenever the broker is there (it reconnects by itself, as units do)."""
        ticking = asyncio.create_task(self._tick_forever())
        try:
            while True:
                stop_if_cancelled()
                try:
                    await self._connection()
                except aiomqtt.MqttError as exc:
                    stop_if_cancelled(exc)
                await asyncio.sleep(_RECONNECT_S)
        finally:
            ticking.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticking

    async def _connection(self) -> None:
        s = self.settings
        will = aiomqtt.Will(
            s.announce,
            json.dumps({"state": "disconnected", "id": self.long_id, "name": s.base}),
            retain=True,
        )
        async with aiomqtt.Client(
            self.broker.host,
            self.broker.port,
            identifier=s.base,
            will=will,
            keepalive=5,
            timeout=DEVICE_MQTT_TIMEOUT_S,
        ) as client:
            try:
                self._client = client
                hello = {"state": "connected", "id": self.long_id, "name": s.base}
                hello.update(mqtt=s.base, http="http://192.0.2.10/")
                await client.publish(s.announce, json.dumps(hello), retain=True)
                for leaf in ("claim/set", "shaper/set", "override/set", "config/set"):
                    await client.subscribe(f"{s.base}/{leaf}")
                await self._subscribe_live_power()
                await self._publish_initial_state()
                await self._listen(client)
            finally:
                self._client = None

    async def _subscribe_live_power(self) -> None:
        if self._client is not None and self.settings.live_pwr_topic:
            await self._client.subscribe(self.settings.live_pwr_topic)

    async def _listen(self, client: aiomqtt.Client) -> None:
        async for message in client.messages:
            payload = message.payload
            text = (
                payload.decode("utf-8", "replace") if isinstance(payload, bytes) else str(payload)
            )
            await self._handle(message.topic.value, text)
            stop_if_cancelled()  # its publishes may have returned in place of a cancellation

    async def _handle(self, topic: str, text: str) -> None:
        s = self.settings
        now_s = self._now()
        if topic == s.live_pwr_topic:
            self.received.append((topic, text))
            amps = round(self.charger.drawing_a, 2) if self.evse_state() == 3 else 0.0
            self.shaper.set_live_pwr(arduino_to_int(text), amps, s.voltage_v, now_s)
        elif topic == f"{s.base}/claim/set":
            self.received.append((topic, text))
            if text == "release":
                self.claims.release(MQTT_CLIENT)
                self._mqtt_props = Props()
                return
            document = _json(text)
            if document is not None:
                self._mqtt_props = merge_mqtt_claim(self._mqtt_props, document)
                self.claims.claim(MQTT_CLIENT, PRIORITY_MQTT, self._mqtt_props)
        elif topic == f"{s.base}/shaper/set":
            if text in ("0", "1"):
                self.shaper.enabled = text == "1"
                await self._publish({"shaper": int(self.shaper.enabled)})
        elif topic == f"{s.base}/config/set":
            document = _json(text)
            if document is not None:
                await self._configure(document)

    async def _configure(self, document: dict[str, Any]) -> None:
        s, cfg = self.settings, self.settings.shaper
        if "current_shaper_enabled" in document:
            cfg.enabled = self.shaper.enabled = bool(document["current_shaper_enabled"])
        for key, attribute in (
            ("current_shaper_max_pwr", "max_pwr_w"),
            ("current_shaper_smoothing_time", "smoothing_time_s"),
            ("current_shaper_min_pause_time", "min_pause_time_s"),
            ("current_shaper_data_maxinterval", "data_maxinterval_s"),
        ):
            if key in document:
                setattr(cfg, attribute, int(document[key]))
        if "mqtt_live_pwr" in document:
            s.live_pwr_topic = str(document["mqtt_live_pwr"])
            await self._subscribe_live_power()
        self.config_version += 1
        await self._publish({"config_version": self.config_version})
        await self._publish_config()

    async def _publish_initial_state(self) -> None:
        await self._publish_claim()
        s = self.settings
        await self._raw(f"{s.base}/override", json.dumps({"state": "null"}), retain=True)
        await self._publish_config()
        await self._raw(f"{s.base}/config_version", str(self.config_version), retain=True)
        await self._publish(self._status())

    async def _publish_config(self) -> None:
        s, cfg = self.settings, self.settings.shaper
        config = {
            "hostname": s.base,
            "mqtt_enabled": True,
            "mqtt_server": self.broker.host,
            "mqtt_port": self.broker.port,
            "mqtt_topic": s.base,
            "mqtt_user": "",
            "mqtt_pass": "_DUMMY_PASSWORD",
            "mqtt_retained": False,
            "mqtt_live_pwr": s.live_pwr_topic,
            "mqtt_announce_topic": s.announce,
            "current_shaper_enabled": cfg.enabled,
            "current_shaper_max_pwr": cfg.max_pwr_w,
            "current_shaper_smoothing_time": cfg.smoothing_time_s,
            "current_shaper_min_pause_time": cfg.min_pause_time_s,
            "current_shaper_data_maxinterval": cfg.data_maxinterval_s,
            "is_threephase": cfg.three_phase,
            "pause_uses_disabled": s.pause_uses_disabled,
            "divert_enabled": False,
        }
        await self._raw(f"{s.base}/config", json.dumps(config), retain=True)

    async def _publish_claim(self) -> None:
        claim = self.claims.by_client.get(MQTT_CLIENT)
        if claim is None:
            document: dict[str, Any] = {"state": "null"}
        else:
            priority, props = claim
            document = {"priority": priority}
            document.update({k: v for k, v in vars(props).items() if v is not None})
            document["auto_release"] = False
        await self._raw(f"{self.settings.base}/claim", json.dumps(document), retain=True)

    # time ---------------------------------------------------------------------------------

    def _now(self) -> float:
        return time.monotonic()

    async def _tick_forever(self) -> None:
        next_shaper_s = next_monitor_s = self._now()
        next_status_s = self._now() + self.settings.status_period_s
        while True:
            stop_if_cancelled()  # a publish may have returned in place of a cancellation
            now_s = self._now()
            if now_s >= next_shaper_s:
                self.shaper.loop(self.claims, self.settings.min_current_a, now_s)
                next_shaper_s += SHAPER_LOOP_S
            if self.claims.version != self._claims_seen:
                self._claims_seen = self.claims.version
                await self._apply_claims()
            self.charger.advance(self._now())
            await self._publish_state_change()
            if now_s >= next_monitor_s:
                next_monitor_s += _MONITOR_S
                if self.evse_state() == 3:
                    await self._publish(self._amp_volt_power())
            if now_s >= next_status_s:
                next_status_s += self.settings.status_period_s
                await self._publish(self._status())
            await asyncio.sleep(_STEP_S)

    def _evaluate(self) -> tuple[bool, int]:
        target = self.claims.target()
        s = self.settings
        return target.state != "disabled", pilot_a(target, s.max_current_a, s.min_current_a)

    def _command_pilot(self, now_s: float) -> bool:
        """Take what the claims leave; True if the pilot (in amps) changed."""
        active, pilot = self._evaluate()
        changed_pilot = pilot != self.pilot_setting_a
        self.active, self.pilot_setting_a = active, pilot
        self.charger.command(float(pilot) if active else 0.0, None, now_s)
        return changed_pilot

    async def _apply_claims(self) -> None:
        changed_pilot = self._command_pilot(self._now())
        await self._publish_claim()
        if changed_pilot:
            await self._publish({"pilot": self.pilot_setting_a})
        shaper = self.shaper
        await self._publish(
            {
                "shaper": int(shaper.enabled),
                "shaper_live_pwr": shaper.live_pwr_w,
                "shaper_smoothed_live_pwr": shaper.smoothed_live_pwr_w,
                "shaper_max_pwr": shaper.config.max_pwr_w,
                "shaper_cur": shaper.max_cur_a,
                "shaper_updated": shaper.updated,
            }
        )

    # what it publishes --------------------------------------------------------------------

    async def _publish_state_change(self) -> None:
        state = (self.evse_state(), self.charger.car is not None)
        if state == self._published_state:
            return
        self._published_state = state
        await self._publish(
            {
                "state": state[0],
                "flags": 0,
                "vehicle": int(state[1]),
                "colour": 2,
                "pilot": {1: 1, 2: 2, 3: 3}.get(state[0], 2),  # the pilot state (A=1, B=2, C=3)
                "manual_override": 0,
                "status": "active" if self.active else "disabled",
                "elapsed": 0,
                **self._amp_volt_power(),
            }
        )

    def _amp_volt_power(self) -> dict[str, Any]:
        amps = round(self.charger.drawing_a, 2) if self.evse_state() == 3 else 0.0
        voltage = self.settings.voltage_v
        return {"amp": round(amps * 1000), "voltage": voltage, "power": round(amps * voltage)}

    def _status(self) -> dict[str, Any]:
        return {
            **self._amp_volt_power(),
            "pilot": self.pilot_setting_a,
            "wh": 0,
            "session_energy": round(self.charger.session_energy_wh, 1),
            "total_energy": 0,
            "temp": 250,
            "state": self.evse_state(),
            "status": "active" if self.active else "disabled",
            "flags": 0,
            "vehicle": int(self.charger.car is not None),
            "colour": 2,
            "manual_override": 0,
            "freeram": 120000,
            "divertmode": 1,
            "srssi": -60,
            "elapsed": 0,
        }

    async def _publish(self, values: dict[str, Any]) -> None:
        """publishData: each key on its own topic, as text (retained only if mqtt_retained)."""
        for key, value in values.items():
            text = json.dumps(value) if isinstance(value, bool) else str(value)
            await self._raw(f"{self.settings.base}/{key}", text)

    async def _raw(self, topic: str, payload: str, retain: bool = False) -> None:
        if self._client is not None:
            with contextlib.suppress(aiomqtt.MqttError):  # lost with the connection
                await self._client.publish(topic, payload, retain=retain)


def _json(text: str) -> dict[str, Any] | None:
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        return None
    return document if isinstance(document, dict) else None
