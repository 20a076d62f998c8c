"""The dead-man switch ampshare builds from an OpenEVSE unit's own current shaper.

OpenEVSE claims never expire: a unit keeps ampshare's last offer for as long as it runs. Its
current shaper (WiFi firmware v4/v5, src/current_shaper.cpp) is what can stop it by itself:

- every message on its live-power topic (mqtt_live_pwr, read with toInt) sets the shaper's
  limit to (current_shaper_max_pwr - live_pwr) / voltage + amps the unit draws now (divided
  by 3 more on a three-phase unit), claimed as max_current at the highest priority but errors;
- when no message has come for current_shaper_data_maxinterval seconds (default 120; the
  shaper looks every 2 s), it claims "disabled" above every other client: the unit pauses.

So ampshare sends, with every offer (and the loop re-sends offers every lease_refresh_s), a
live power that puts the shaper's limit at the offer plus what the car draws, never below the
offer: the shaper then never pauses a car ampshare lets charge, and a unit that has lost
ampshare's claim (it rebooted) comes back at no more than the offer. The offer itself is the
claim's charge_current, which the shaper's max_current cannot raise. When ampshare stops,
the feed stops and the unit pauses: its fallback is 0 A, reached within the lease below.

The unit's settings come from its retained <base>/config topic: ampshare checks them before it
lets a unit charge, and holds a unit whose switch would not work at its fallback.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ampshare.devices.mqtt.errors import PayloadError

SHAPER_LOOP_S = 2.0  # EVSE_SHAPER_LOOP_TIME: how often the shaper looks at its data
_DELIVERY_SLACK_S = 1.0  # a message takes this long at most to reach the unit and be read
# the feed puts the shaper's limit this much above the offer: the unit's own voltage reading
# may differ from the one ampshare last heard, and the shaper rounds its limit down
FEED_MARGIN_A = 0.5


@dataclass(frozen=True)
class ShaperSettings:
    """What the unit reports of its shaper on <base>/config."""

    enabled: bool
    max_pwr_w: int
    data_maxinterval_s: int
    live_pwr_topic: str
    smoothing_time_s: int | None
    three_phase: bool


def parse_settings(config: dict[str, Any]) -> ShaperSettings:
    """The shaper settings in a unit's config document; PayloadError naming a missing key."""

    def key(name: str, kind: type) -> Any:
        value = config.get(name)
        if value is None:
            raise PayloadError(f"has no {name!r}: firmware older than v4.1 has no shaper")
        if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            raise PayloadError(f"has {name} = {value!r}, not a whole number")
        if not isinstance(value, kind):
            raise PayloadError(f"has {name} = {value!r}, not a {kind.__name__}")
        return value

    smoothing = config.get("current_shaper_smoothing_time")
    return ShaperSettings(
        enabled=key("current_shaper_enabled", bool),
        max_pwr_w=key("current_shaper_max_pwr", int),
        data_maxinterval_s=key("current_shaper_data_maxinterval", int),
        live_pwr_topic=key("mqtt_live_pwr", str),
        smoothing_time_s=smoothing if isinstance(smoothing, int) else None,
        three_phase=config.get("is_threephase") is True,
    )


def problems(settings: ShaperSettings, feed_topic: str, refresh_s: float) -> list[str]:
    """Why the switch would not work, in the unit's own setting names; [] when it would."""
    found = []
    if not settings.enabled:
        found.append("its current shaper is off (current_shaper_enabled is false): turn it on")
    if settings.live_pwr_topic != feed_topic:
        found.append(
            f"its shaper reads live power from {settings.live_pwr_topic!r} (mqtt_live_pwr), "
            f"not from ampshare's feed: set it to {feed_topic!r}"
        )
    if settings.max_pwr_w <= 0:
        found.append(
            f"its shaper's max power is {settings.max_pwr_w} W (current_shaper_max_pwr): set it "
            "to the circuit's continuous limit times its voltage"
        )
    least_s = least_data_maxinterval_s(refresh_s)
    if settings.data_maxinterval_s < least_s:
        found.append(
            f"its shaper's data timeout is {settings.data_maxinterval_s} s "
            f"(current_shaper_data_maxinterval), shorter than two of ampshare's offer refreshes "
            f"({refresh_s:g} s each): set it to {least_s} s or more (the default 120 s works)"
        )
    return found


def least_data_maxinterval_s(refresh_s: float) -> int:
    """A unit must survive one lost refresh: two refreshes and the shaper's own look."""
    return math.ceil(2 * refresh_s + 2 * SHAPER_LOOP_S)


def lease_s(settings: ShaperSettings) -> float:
    """After an offer is sent, the longest the unit can go on enforcing it by itself."""
    return settings.data_maxinterval_s + 2 * SHAPER_LOOP_S + _DELIVERY_SLACK_S


def live_power_w(settings: ShaperSettings, offer_a: float, min_a: float, voltage_v: float) -> int:
    """The live power that puts the shaper's limit at max(offer, min) + FEED_MARGIN_A plus what
    the car draws. A paused unit is fed its minimum: the claim pauses it, and a shaper that
    paused it itself would smooth its way out of the pause slowly (current_shaper.cpp)."""
    target_a = max(offer_a, min_a) + FEED_MARGIN_A
    per_amp_w = voltage_v * (3 if settings.three_phase else 1)
    return math.floor(settings.max_pwr_w - target_a * per_amp_w)
