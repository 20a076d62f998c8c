"""One OpenEVSE unit over MQTT: its readings in, ampshare's offers out as claims.

Offers go to <base>/claim/set: {"state": "active", "charge_current": A, "max_current": A}, or
{"state": "disabled"} to pause (whole amps, rounded down; below the minimum is a pause). The
shaper's claim sets max_current above every other client, so charge_current is what holds the
unit to ampshare's offer. Each offer is followed by the shaper feed on the live-power topic
(see openevse_dead_man): ampshare's heartbeat, without which the unit pauses by itself.

The unit is attached to the loop once it is available (its retained announce says
"connected") and its settings are known (its retained <base>/config). A unit whose dead-man
switch would not work is held paused until its settings are fixed; nothing is read from it
before its settings are known, so the loop cannot raise it in between. After a reconnection
everything is read anew: its state first, then readings, then offers.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
from typing import Any

from ampshare.config.mqtt_schema import OpenevseTable
from ampshare.config.site_schema import ChargerEntry
from ampshare.control.readings import Command
from ampshare.devices.mqtt import openevse_dead_man as dead_man
from ampshare.devices.mqtt.device import DevicePort
from ampshare.devices.mqtt.errors import PayloadError
from ampshare.devices.mqtt.openevse_status import NO_CAR, READING_KEYS, UnitStatus
from ampshare.devices.mqtt.outbox import Outbox, Outgoing
from ampshare.devices.mqtt.pauses import SETTINGS, PauseRequests
from ampshare.devices.mqtt.payloads import json_object, text

logger = logging.getLogger(__name__)

SETTINGS_TIMEOUT_S = 10.0  # a unit that has not reported its settings by then is held
_COALESCE_S = 0.02  # a state change comes as a burst of topics: read it as one


class OpenevseUnit:
    def __init__(
        self,
        *,
        entry: ChargerEntry,
        table: OpenevseTable,
        prefix: str,
        port: DevicePort,
        outbox: Outbox,
        pauses: PauseRequests,
        refresh_s: float,
        site_voltage_v: float,
    ) -> None:
        self.charger_id = entry.id
        self.name = f"charger {entry.id!r}"
        self.base = table.base_topic
        announce = table.announce()
        if announce is None:  # the site file check refuses this
            raise ValueError(f"{self.name}: no announce topic")
        self.announce_topic = announce
        self.feed_topic = table.live_power(prefix, entry.id)
        self.min_a = entry.min_current_a
        self.start_a = entry.start_current_a if entry.start_current_a is not None else 0.0
        self._port = port
        self._outbox = outbox
        self._pauses = pauses
        self._refresh_s = refresh_s
        self._site_voltage_v = site_voltage_v
        self.last_offer_a: float | None = None  # the loop's last offer, as it gave it
        self._reset()

    def _reset(self) -> None:
        self.status = UnitStatus()
        self.available: bool | None = None
        self.settings: dead_man.ShaperSettings | None = None
        self.problems: list[str] | None = None  # None: not known yet
        self.shaper_on = True  # <base>/shaper: the shaper can be turned off until a reboot
        self.attached = False
        self._claim_held = False  # the unit echoed a claim of ampshare's on this connection
        self._held_sent = False
        self._lease_s: float | None = None
        self._emit_handle: asyncio.TimerHandle | None = None
        self._settings_timer: asyncio.TimerHandle | None = None
        self._announce_timer: asyncio.TimerHandle | None = None

    # Device --------------------------------------------------------------------------------

    def topics(self) -> list[str]:
        return [f"{self.base}/#", self.announce_topic]

    def connected(self) -> None:
        self._cancel_timers()
        self._reset()

    def lost(self) -> None:
        self._cancel_timers()
        if self.attached:
            self._port.detach(self.charger_id, self)
        self.attached = False

    @property
    def armed(self) -> bool:
        return self.problems == [] and self.shaper_on

    def handle(self, topic: str, payload: bytes, retained: bool) -> None:
        if topic == self.announce_topic:
            self._announce(json_object(payload))
            return
        key = topic[len(self.base) + 1 :]
        if key == "config":
            self._config(json_object(payload))
        elif key == "shaper":
            self._shaper(text(payload))
        elif key == "claim":
            self._claim(json_object(payload))
        elif key in READING_KEYS or key == "voltage":
            if self.available is None and self._announce_timer is None:
                self._announce_timer = asyncio.get_running_loop().call_later(
                    SETTINGS_TIMEOUT_S, self._no_announce
                )
            before = self.status.state
            self.status.take_at(key, payload, self._port.now_s())
            if key == "state" and self.status.state == NO_CAR and before != NO_CAR:
                self._car_left()
            if key in READING_KEYS:
                self._emit_soon()
        # every other topic (the unit publishes dozens, and the ones ampshare sets) is not ours

    # what the unit says about itself -------------------------------------------------------

    def _announce(self, doc: dict[str, Any]) -> None:
        state = doc.get("state")
        if state not in ("connected", "disconnected"):
            raise PayloadError("has no state 'connected' or 'disconnected'")
        available = state == "connected"
        if available == self.available:
            return
        self.available = available
        if available:
            logger.info("charger %s: the unit is online (%s)", self.charger_id, self.base)
            if self.problems is None:
                self._settings_timer = asyncio.get_running_loop().call_later(
                    SETTINGS_TIMEOUT_S, self._no_settings
                )
        else:
            logger.warning("charger %s: the unit went offline (its last will)", self.charger_id)
            self.status = UnitStatus()
        self._update()

    def _config(self, doc: dict[str, Any]) -> None:
        try:
            settings = dead_man.parse_settings(doc)
        except PayloadError as exc:
            self._judge(None, [f"its settings on {self.base}/config {exc}"])
            raise
        self._judge(settings, dead_man.problems(settings, self.feed_topic, self._refresh_s))

    def _no_settings(self) -> None:
        if self.problems is None:
            self._judge(
                None,
                [
                    f"it has not reported its settings on {self.base}/config (WiFi firmware "
                    "v4.1 or later does, retained): ampshare cannot check its dead-man switch"
                ],
            )

    def _no_announce(self) -> None:
        if self.available is None:
            logger.warning(
                "charger %s: the unit publishes on %s but nothing came on its announce topic "
                "%s: ampshare counts it as offline until it does; check announce_topic",
                self.charger_id,
                self.base,
                self.announce_topic,
            )

    def _shaper(self, value: str) -> None:
        if value not in ("0", "1"):
            raise PayloadError("is not 0 or 1")
        on = value == "1"
        if on != self.shaper_on:
            self.shaper_on = on
            logger.warning(
                "charger %s: the unit's shaper was turned %s (<base>/shaper)",
                self.charger_id,
                "on" if on else "off",
            )
            self._update()

    def _claim(self, doc: dict[str, Any]) -> None:
        """The unit's echo of the MQTT claim it holds. {"state": "null"} after it held ours:
        it rebooted, or someone released it. (It also publishes this topic when another
        client's claim changes, so a "null" before ours arrived means nothing.)"""
        if doc.get("state") != "null":
            self._claim_held = True
            return
        if self._claim_held and self.last_offer_a is not None:
            self._claim_held = False
            logger.warning(
                "charger %s: the unit lost ampshare's claim: sending it again", self.charger_id
            )
            self._send_claim(self.last_offer_a)

    def _judge(self, settings: dead_man.ShaperSettings | None, problems: list[str]) -> None:
        if self._settings_timer is not None:
            self._settings_timer.cancel()
            self._settings_timer = None
        if problems != self.problems:
            if problems:
                logger.error(
                    "charger %s: its dead-man switch would not work, so ampshare holds it "
                    "paused (its fallback): %s",
                    self.charger_id,
                    "; ".join(problems),
                )
            elif self.problems:
                logger.info("charger %s: its dead-man switch is set up now", self.charger_id)
        self.settings, self.problems = settings, problems
        self._update()

    def _update(self) -> None:
        """Attach, detach, hold or release the unit after what it said of itself."""
        known = self.problems is not None
        held = known and not self.armed
        self._pauses.request(self.charger_id, SETTINGS, held)
        if held and self.available and not self._held_sent:
            # also with no car: the next one must not start on an old claim
            self._held_sent = True
            self._send_claim(0.0)
        elif not held:
            self._held_sent = False
        lease_s = dead_man.lease_s(self.settings) if self.armed and self.settings else None
        if self.available and known and (not self.attached or lease_s != self._lease_s):
            # while held, the unit's claim is "disabled" and stays so: its offer never lapses
            self._port.attach(self.charger_id, self, lease_s)
            self.attached, self._lease_s = True, lease_s
            self._emit_soon()
        elif not self.available and self.attached:
            self._port.detach(self.charger_id, self)
            self.attached = False

    def _car_left(self) -> None:
        """The next car starts at what the site file says (start_current_a), not at the last
        car's offer: claims outlive sessions on an OpenEVSE unit."""
        if self.attached and self.armed:
            self.last_offer_a = self.start_a
            self._send_claim(self.start_a)

    # readings out --------------------------------------------------------------------------

    def _emit_soon(self) -> None:
        if self._emit_handle is None:
            self._emit_handle = asyncio.get_running_loop().call_later(_COALESCE_S, self._emit)

    def _emit(self) -> None:
        self._emit_handle = None
        if not self.attached:
            return
        reading = self.status.reading(self.last_offer_a, self._port.now_s())
        if reading is not None:
            self._port.charger_reading(self.charger_id, reading)

    def _cancel_timers(self) -> None:
        timers = ("_emit_handle", "_settings_timer", "_announce_timer")
        for handle in (getattr(self, name, None) for name in timers):
            if handle is not None:
                handle.cancel()

    # ChargerLink ---------------------------------------------------------------------------

    def deliver(self, command: Command) -> None:
        self.last_offer_a = command.offer_a
        amps_sent = self._send_claim(command.offer_a)
        if self.armed and self.settings is not None:
            voltage_v = self.status.voltage_v or self._site_voltage_v
            feed_w = dead_man.live_power_w(self.settings, amps_sent, self.min_a, voltage_v)
            self._outbox.post(Outgoing(self.feed_topic, str(feed_w)))

    def _send_claim(self, offer_a: float) -> float:
        """Post the claim for an offer; the whole amps it asks for (0: paused)."""
        whole_a = math.floor(offer_a + 1e-9)
        if not self.armed or whole_a < self.min_a:
            claim: dict[str, object] = {"state": "disabled"}
            whole_a = 0
        else:
            claim = {"state": "active", "charge_current": whole_a, "max_current": whole_a}
        self._outbox.post(Outgoing(f"{self.base}/claim/set", json.dumps(claim)))
        return float(whole_a)
