"""Changes smaller than the least the loop sends are not sent, and the room they would have moved
is not left idle: it goes to a car whose change is sent. Safety comes first: a small cut the
limits need goes out."""

from __future__ import annotations

import pytest

from ampshare.control.loop import ControlLoop
from ampshare.control.readings import ChargerReading, Command, MeterSample
from ampshare.control.settings import LoopSettings
from ampshare.domain import CarState, Charger, Circuit, Meter, Site

SETTINGS = LoopSettings(schedule=None)


def _charging(offer_a: float) -> ChargerReading:
    # a car draws 95 % of its offer: not tapering
    return ChargerReading(CarState.CHARGING, measured_a=round(offer_a * 0.95, 1), offered_a=offer_a)


def _offers(commands: list[Command]) -> dict[str, float]:
    return {c.charger_id: c.offer_a for c in commands}


def test_the_room_a_small_raise_leaves_goes_to_the_car_whose_raise_is_sent() -> None:
    # 40 A for two cars: x has 19.6 A, y has just started at its 6 A minimum; their shares are
    # 20 A each, x's raise of 0.4 A is too small to send, so y gets what x does not take
    site = Site(
        "garage",
        240,
        (Circuit("main", 50),),
        (Charger("x", "main", 32), Charger("y", "main", 32)),
    )
    loop = ControlLoop(site, SETTINGS)
    sent: dict[str, float] = {}
    for second in range(0, 30):
        now_s = float(second)
        readings = {"x": _charging(sent.get("x", 19.6)), "y": _charging(sent.get("y", 6.0))}
        for charger_id, reading in readings.items():  # both heard from before any decision
            loop.observe_charger(charger_id, reading, now_s)
        sent |= _offers(loop.tick(now_s))
    assert "x" not in sent or sent["x"] == 19.6  # never sent a 0.4 A raise
    assert sent["y"] == pytest.approx(20.4)
    allocation = loop.last_allocation
    assert allocation is not None
    assert allocation.chargers["x"].limited_by == "held"
    assert "too small" in allocation.chargers["x"].reason


def test_a_small_cut_the_limit_needs_is_sent_at_once() -> None:
    # the house takes 40.6 A of the 80 A service: the cars' 20 + 20 A pass it by 0.6 A; the
    # cuts of 0.3 A each are small, but the service needs them
    site = Site(
        "home",
        240,
        (Circuit("service", 100), Circuit("ev", 50, parent="service")),
        (Charger("left", "ev", 40), Charger("right", "ev", 40)),
        (Meter("house", "service"),),
    )
    loop = ControlLoop(site, SETTINGS)
    for charger_id in ("left", "right"):
        loop.observe_charger(charger_id, _charging(20.0), 0.0)
    loop.observe_meter("house", MeterSample(current_a=(40.6 + 2 * 19.0,)), 0.0)
    offers = _offers(loop.tick(0.0))
    assert offers.keys() == {"left", "right"}
    assert all(offer_a == pytest.approx(19.7, abs=0.1) for offer_a in offers.values()), offers


def test_a_newcomer_is_not_kept_waiting_by_cuts_too_small_to_send() -> None:
    # 38.4 A: a and b have 16.6 A each; c, which has not started, takes only its 6 A minimum
    # until it draws, and fits only if a and b give up the 0.4 A their small cuts would free
    site = Site(
        "garage",
        240,
        (Circuit("main", 48),),
        (Charger("a", "main", 32), Charger("b", "main", 32), Charger("c", "main", 32)),
    )
    loop = ControlLoop(site, SETTINGS)
    offered = {"a": 16.6, "b": 16.6, "c": 0.0}
    for second in range(0, 40):
        now_s = float(second)
        for charger_id, offer_a in offered.items():
            reading = (
                _charging(offer_a)
                if offer_a
                else ChargerReading(CarState.CONNECTED, measured_a=0.0, offered_a=0.0)
            )
            loop.observe_charger(charger_id, reading, now_s)
        offered |= _offers(loop.tick(now_s))
        if now_s == 2:
            assert offered["c"] == 6, offered  # the cuts went out, and then its minimum
    assert offered["c"] >= 6, offered
    assert sum(offered.values()) <= 38.4 + 1e-9, offered
