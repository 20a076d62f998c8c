"""The dead-man switch's arithmetic against the firmware's own (as simulated), and how a
unit's topics become a reading. No broker: plain functions on an explicit clock."""

from __future__ import annotations

import math

import pytest

from ampshare.devices.mqtt import openevse_dead_man as dead_man
from ampshare.devices.mqtt.errors import PayloadError
from ampshare.devices.mqtt.openevse_status import STOPPED_AFTER_S, UnitStatus
from ampshare.devices.mqtt.payloads import amps, at_path, json_document, number
from ampshare.domain import CarState
from ampshare.sim.mqtt.openevse_firmware import (
    MQTT_CLIENT,
    PRIORITY_LIMIT,
    PRIORITY_MQTT,
    SHAPER_CLIENT,
    Claims,
    Props,
    Shaper,
    ShaperConfig,
    pilot_a,
)
from ampshare.sim.mqtt.openevse_unit import arduino_to_int

FEED = "ampshare/charger/left/live_pwr"


def _settings(**changes: object) -> dead_man.ShaperSettings:
    config: dict[str, object] = {
        "current_shaper_enabled": True,
        "current_shaper_max_pwr": 9600,
        "current_shaper_data_maxinterval": 120,
        "current_shaper_smoothing_time": 0,
        "mqtt_live_pwr": FEED,
        "is_threephase": False,
    }
    config.update(changes)
    return dead_man.parse_settings(config)


@pytest.mark.parametrize("three_phase", [False, True])
@pytest.mark.parametrize(("offer_a", "draw_a"), [(6, 0.0), (16, 0.0), (16, 15.2), (32, 30.4)])
def test_the_feed_puts_the_shapers_limit_at_the_offer_plus_what_the_car_draws(
    offer_a: int, draw_a: float, three_phase: bool
) -> None:
    settings = _settings(is_threephase=three_phase)
    shaper = Shaper(ShaperConfig(max_pwr_w=9600, smoothing_time_s=0, three_phase=three_phase), 0)
    feed_w = dead_man.live_power_w(settings, offer_a, 6, 240.0)
    shaper.set_live_pwr(arduino_to_int(str(feed_w)), draw_a, 240.0, 1.0)
    claims = Claims()
    shaper.loop(claims, 6, 2.0)
    props = claims.by_client[SHAPER_CLIENT][1]
    assert props.state is None, "the shaper paused a car ampshare lets charge"
    assert props.max_current is not None and props.max_current >= offer_a
    assert shaper.max_cur_a == pytest.approx(offer_a + dead_man.FEED_MARGIN_A + draw_a, abs=0.01)
    # ampshare's claim holds the pilot at the offer under the shaper's higher max_current
    claims.claim(MQTT_CLIENT, PRIORITY_MQTT, Props("active", offer_a, offer_a))
    assert pilot_a(claims.target(), 40, 6) == offer_a


def test_a_paused_unit_is_fed_its_minimum_so_its_shaper_never_pauses_it_itself() -> None:
    settings = _settings()
    shaper = Shaper(ShaperConfig(smoothing_time_s=0), 0)
    shaper.set_live_pwr(dead_man.live_power_w(settings, 0, 6, 240.0), 0.0, 240.0, 1.0)
    claims = Claims()
    shaper.loop(claims, 6, 2.0)
    assert claims.by_client[SHAPER_CLIENT][1].state is None


def test_without_feed_the_unit_pauses_within_ampshares_lease_and_not_before_its_timeout() -> None:
    settings = _settings(current_shaper_data_maxinterval=120)
    shaper = Shaper(ShaperConfig(data_maxinterval_s=120, smoothing_time_s=0), 0)
    claims = Claims()
    claims.claim(MQTT_CLIENT, PRIORITY_MQTT, Props("active", 20, 20))
    fed_s = 10.0
    shaper.set_live_pwr(dead_man.live_power_w(settings, 20, 6, 240.0), 0.0, 240.0, fed_s)
    paused_s = None
    now_s = fed_s + 0.7  # the shaper's own 2 s loop, at some phase
    while now_s < fed_s + 200:
        shaper.loop(claims, 6, now_s)
        if claims.target().state == "disabled":
            paused_s = now_s
            break
        now_s += 2.0
    assert paused_s is not None
    assert paused_s > fed_s + 120, "paused before its data timeout"
    assert paused_s <= fed_s + dead_man.lease_s(settings), "paused after ampshare's lease"
    assert claims.by_client[SHAPER_CLIENT][0] == PRIORITY_LIMIT


def test_the_settings_that_break_the_switch_are_named_as_the_unit_names_them() -> None:
    assert dead_man.problems(_settings(), FEED, 45.0) == []
    cases = {
        "current_shaper_enabled": (False, "turn it on"),
        "mqtt_live_pwr": ("shellies/shellyem-B164B8/emeter/0/power", f"set it to {FEED!r}"),
        "current_shaper_max_pwr": (0, "continuous limit"),
        "current_shaper_data_maxinterval": (60, "94 s or more"),
    }
    for key, (value, words) in cases.items():
        found = dead_man.problems(_settings(**{key: value}), FEED, 45.0)
        assert len(found) == 1 and key in found[0] and words in found[0], found
    with pytest.raises(PayloadError, match="current_shaper_max_pwr"):
        dead_man.parse_settings({"current_shaper_enabled": True})


def test_a_units_topics_become_a_reading() -> None:
    status = UnitStatus()
    assert status.reading(None, 0.0) is None  # nothing known yet
    for key, value in (("state", "3"), ("amp", "15230"), ("pilot", "16"), ("vehicle", "1")):
        status.take_at(key, value.encode(), 0.0)
    reading = status.reading(16.7, 0.0)
    assert reading is not None
    assert (reading.car, reading.measured_a) == (CarState.CHARGING, 15.23)
    assert reading.offered_a == 16.7, "16 A is the unit's whole-amp form of the 16.7 A offer"
    status.take_at("pilot", b"2", 1.0)  # the pilot state a state change carries: not 2 A
    assert status.pilot_a == 16
    status.take_at("state", b"254", 2.0)  # paused
    paused = status.reading(16.7, 2.0)
    assert paused is not None and (paused.car, paused.offered_a) == (CarState.CONNECTED, 0.0)
    status.take_at("state", b"2", 3.0)
    early = status.reading(16.0, 3.0 + STOPPED_AFTER_S / 2)
    late = status.reading(16.0, 3.0 + STOPPED_AFTER_S)
    assert early is not None and early.car is CarState.CONNECTED
    assert late is not None and late.car is CarState.SUSPENDED
    for key, bad in (("state", "99"), ("amp", "-1"), ("pilot", "120"), ("vehicle", "yes")):
        with pytest.raises(PayloadError):
            status.take_at(key, bad.encode(), 4.0)


def test_payloads_are_read_strictly() -> None:
    assert number(b" 12.5 ") == 12.5
    for bad in (b"nan", b"inf", b"", b"12 W", b"\xff"):
        with pytest.raises(PayloadError):
            number(bad)
    with pytest.raises(PayloadError, match="not a number"):
        json_document(b'{"power": NaN}')
    assert at_path({"a": [{"b": 3}]}, "a.0.b") == 3
    with pytest.raises(PayloadError, match=r"'a\.1'"):
        at_path({"a": [1]}, "a.1.b")
    with pytest.raises(PayloadError, match="negative"):
        amps(-0.5)
    assert math.isclose(amps(9999.0), 9999.0)
