"""The loop decides again when a timer it depends on falls due, and only then: a charger heard
from again has not timed out, and an idle charger's heartbeat changes nothing."""

from __future__ import annotations

from ampshare.control.loop import ControlLoop
from ampshare.control.readings import ChargerReading
from ampshare.control.settings import LoopSettings
from ampshare.domain import CarState, Charger, Circuit, Site

SETTINGS = LoopSettings(schedule=None)


def _site() -> Site:
    return Site(
        "home",
        240,
        (Circuit("main", 40),),
        (Charger("a", "main", 32, start_current_a=0), Charger("b", "main", 32, start_current_a=0)),
    )


def _idle() -> ChargerReading:
    return ChargerReading(CarState.NONE, measured_a=0.0, offered_a=0.0)


def test_heartbeats_that_keep_a_charger_online_start_no_decision() -> None:
    loop = ControlLoop(_site(), SETTINGS)
    for charger_id in ("a", "b"):
        loop.charger_reading(charger_id, _idle(), 0.0)
    decided_s = None
    for second in range(1, 600):
        now_s = float(second)
        if second % 30 == 0:  # heartbeats, well within the 60 s timeout
            for charger_id in ("a", "b"):
                assert loop.charger_reading(charger_id, _idle(), now_s) == []
        assert loop.tick(now_s) == []
        if second == 130:  # past the lease an offer from before a restart may hold
            decided_s = loop.last_evaluation_s
        elif second > 130:
            # each heartbeat moves the timeout it was timed by: no decision falls due
            assert loop.last_evaluation_s == decided_s, f"decided again at {now_s} s"


def test_a_charger_that_falls_silent_is_offline_at_its_timeout() -> None:
    loop = ControlLoop(_site(), SETTINGS)
    for charger_id in ("a", "b"):
        loop.charger_reading(charger_id, _idle(), 0.0)
    last_heard_s = 0.0
    for second in range(1, 300):
        now_s = float(second)
        if second % 30 == 0:
            loop.charger_reading("a", _idle(), now_s)
            if second <= 90:  # b says nothing after 90 s
                loop.charger_reading("b", _idle(), now_s)
                last_heard_s = now_s
        loop.tick(now_s)
        state = loop.last_state
        assert state is not None
        offline = state.charger("b").car is CarState.OFFLINE
        timed_out = now_s - last_heard_s > SETTINGS.charger_timeout_s
        # decided on the first tick past the timeout, not a tick later
        assert offline == timed_out, f"at {now_s} s: offline {offline}"
        assert state.charger("a").car is CarState.NONE


def test_a_car_drawing_steadily_keeps_its_offer_and_its_lease() -> None:
    loop = ControlLoop(_site(), SETTINGS)
    loop.charger_reading("b", _idle(), 0.0)
    commands = loop.charger_reading("a", ChargerReading(CarState.CONNECTED, offered_a=0.0), 0.0)
    offer_a = commands[-1].offer_a  # its minimum first, then its share
    sent_s = [0.0]
    for second in range(1, 400):
        now_s = float(second)
        if second % 10 == 0:
            reading = ChargerReading(
                CarState.CHARGING, measured_a=offer_a * 0.95, offered_a=offer_a, energy_wh=0.0
            )
            assert loop.charger_reading("a", reading, now_s) == []
            loop.charger_reading("b", _idle(), now_s)
        for command in loop.tick(now_s):
            if now_s > 60:
                assert command.offer_a == offer_a  # the same offer, renewed
            offer_a = command.offer_a
            sent_s.append(now_s)
    assert offer_a == 32  # the whole rating: b has no car
    renewals_s = [t for t in sent_s if t > 60]
    gaps_s = [b - a for a, b in zip([60.0, *renewals_s], [*renewals_s, 400.0], strict=True)]
    assert SETTINGS.lease_s is not None
    assert len(renewals_s) >= 6 and max(gaps_s) < SETTINGS.lease_s, sent_s
