from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ampshare.domain import CarState
from ampshare.sim.car import Car, CarModel
from ampshare.sim.evse import SimCharger

VOLTAGE_V = 240.0
BIG_BATTERY = CarModel(battery_wh=100_000.0, max_current_a=48.0)


def make_charger(start_current_a: float = 8.0) -> SimCharger:
    return SimCharger(
        "c1",
        max_current_a=40.0,
        start_current_a=start_current_a,
        fallback_current_a=6.0,
        voltage_v=VOLTAGE_V,
        follow_delay_s=2.0,
        car_response_s=5.0,
    )


def hungry_car(model: CarModel = BIG_BATTERY) -> Car:
    return Car(model, energy_wanted_wh=80_000.0)  # far below the taper for hours


def charging_at_40(at_s: float = 100.0) -> SimCharger:
    """A charger whose car has drawn 38 A (40 A offered) since well before at_s."""
    charger = make_charger()
    charger.plug_in(hungry_car(), 0.0)
    charger.command(40.0, None, 10.0)
    charger.advance(at_s)
    assert charger.drawing_a == pytest.approx(38.0)
    return charger


def test_no_car() -> None:
    reading = make_charger().reading(0.0)
    assert reading.car is CarState.NONE
    assert reading.measured_a == 0.0
    assert reading.offered_a == 8.0
    assert reading.energy_wh is None


def test_a_plugged_car_starts_at_the_start_current_after_its_response_delay() -> None:
    charger = make_charger(start_current_a=8.0)
    charger.plug_in(hungry_car(), 10.0)
    reading = charger.reading(14.9)
    assert reading.car is CarState.CONNECTED
    assert reading.measured_a == 0.0
    assert reading.offered_a == 8.0
    reading = charger.reading(15.0)
    assert reading.car is CarState.CHARGING
    assert reading.measured_a == pytest.approx(7.6)


def test_a_cut_reaches_the_pilot_after_the_follow_delay_and_the_car_after_its_response() -> None:
    charger = charging_at_40()
    charger.command(20.0, None, 100.0)
    assert charger.reading(101.9).offered_a == 40.0  # the old pilot holds until applied
    assert charger.reading(102.0).offered_a == 20.0  # this is ampshare's confirmation
    assert charger.reading(106.9).measured_a == pytest.approx(38.0)  # the car lags
    assert charger.reading(107.0).measured_a == pytest.approx(19.0)
    assert charger.pilot_a == 20.0
    assert charger.drawing_a == pytest.approx(19.0)


def test_a_raise_is_delayed_the_same_way() -> None:
    charger = make_charger()
    charger.plug_in(hungry_car(), 0.0)
    charger.command(32.0, None, 20.0)
    charger.advance(26.9)
    assert charger.pilot_a == 32.0
    assert charger.drawing_a == pytest.approx(7.6)
    charger.advance(27.0)
    assert charger.drawing_a == pytest.approx(30.4)


def test_a_large_step_processes_the_delays_in_order() -> None:
    # A cut at 100 s seen from 160 s: 2 s of pilot delay and 5 s of car delay at the old draw.
    stepped = charging_at_40()
    jumped = charging_at_40()
    for charger in (stepped, jumped):
        charger.command(20.0, None, 100.0)
    for now_s in range(101, 161):
        stepped.advance(float(now_s))
    jumped.advance(160.0)
    before_wh = charging_at_40().session_energy_wh
    expected_wh = before_wh + (38.0 * 7 + 19.0 * 53) * VOLTAGE_V / 3600
    assert jumped.session_energy_wh == pytest.approx(expected_wh, rel=1e-9)
    assert stepped.session_energy_wh == pytest.approx(expected_wh, rel=1e-9)


def test_offers_are_clamped_to_the_charger_maximum() -> None:
    charger = make_charger()
    charger.command(80.0, None, 0.0)
    assert charger.reading(2.0).offered_a == 40.0


def test_a_lapsed_lease_drops_to_the_fallback() -> None:
    charger = charging_at_40()
    charger.command(40.0, 30.0, 100.0)
    charger.command(40.0, 30.0, 120.0)  # renews the lease to 150 s
    assert charger.reading(149.9).offered_a == 40.0
    assert charger.reading(150.0).offered_a == 6.0  # the charger's own timer: no delay
    assert charger.reading(154.9).measured_a == pytest.approx(38.0)
    assert charger.reading(155.0).measured_a == pytest.approx(5.7)


def test_a_command_without_a_lease_ends_the_lease() -> None:
    charger = charging_at_40()
    charger.command(40.0, 30.0, 100.0)
    charger.command(40.0, None, 110.0)
    assert charger.reading(1000.0).offered_a == 40.0


def test_a_disconnected_charger_keeps_its_pilot_and_its_lease_still_lapses() -> None:
    charger = charging_at_40()
    charger.command(40.0, 30.0, 100.0)
    charger.disconnect()
    assert not charger.connected_to_ampshare
    charger.command(20.0, 30.0, 110.0)  # lost: neither applied nor renewing the lease
    assert charger.reading(129.0).offered_a == 40.0
    assert charger.reading(130.0).offered_a == 6.0
    charger.reconnect()
    charger.command(20.0, None, 140.0)
    assert charger.reading(142.0).offered_a == 20.0


def test_a_charger_ignoring_commands_keeps_its_pilot() -> None:
    charger = charging_at_40()
    charger.ignore_commands = True
    charger.command(20.0, None, 100.0)
    reading = charger.reading(200.0)
    assert reading.offered_a == 40.0
    assert reading.measured_a == pytest.approx(38.0)


@pytest.mark.parametrize("step_s", [1.0, 60.0, 3600.0])
def test_energy_integrates_over_an_hour_whatever_the_step(step_s: float) -> None:
    charger = make_charger(start_current_a=32.0)
    charger.plug_in(hungry_car(), 0.0)
    now_s = 0.0
    while now_s < 3600.0:
        now_s = min(now_s + step_s, 3600.0)
        charger.advance(now_s)
    energy_wh = charger.reading(3600.0).energy_wh
    assert energy_wh == pytest.approx(32.0 * 0.95 * VOLTAGE_V, rel=0.01)
    # Exactly: the car starts drawing car_response_s after plugging in.
    assert energy_wh == pytest.approx(30.4 * VOLTAGE_V * (3600.0 - 5.0) / 3600.0, rel=1e-9)


@given(st.lists(st.floats(0.0, 400.0), max_size=20))
def test_any_steps_give_the_same_energy(step_times_s: list[float]) -> None:
    # Commands at fixed times; the simulator advances at arbitrary times in between.
    script = [(10.0, 40.0, 60.0), (50.0, 20.0, 60.0), (200.0, 0.0, None), (230.0, 32.0, 100.0)]

    def run(advance_at_s: list[float]) -> SimCharger:
        charger = make_charger()
        charger.plug_in(hungry_car(), 0.0)
        times = sorted([*advance_at_s, *(t for t, _, _ in script)])
        commands = iter(script)
        command = next(commands, None)
        for now_s in times:
            charger.advance(now_s)
            while command is not None and command[0] == now_s:
                charger.command(command[1], command[2], now_s)
                command = next(commands, None)
        charger.advance(400.0)
        return charger

    reference = run([float(t) for t in range(401)])
    trial = run(step_times_s)
    assert trial.session_energy_wh == pytest.approx(reference.session_energy_wh, rel=1e-9)
    assert trial.pilot_a == reference.pilot_a == 6.0  # the last lease lapsed at 330 s
    assert trial.car is not None
    assert reference.car is not None
    assert trial.car.pauses == reference.car.pauses == 1


def test_unplug_resets_the_pilot_to_the_start_current() -> None:
    charger = charging_at_40()
    charger.command(20.0, 30.0, 100.0)
    charger.unplug(101.0)  # the offer in flight and the lease went with the session
    reading = charger.reading(500.0)
    assert reading.car is CarState.NONE
    assert reading.offered_a == 8.0
    charger.plug_in(hungry_car(), 500.0)
    reading = charger.reading(600.0)
    assert reading.measured_a == pytest.approx(7.6)
    assert reading.energy_wh == pytest.approx(7.6 * VOLTAGE_V * 95.0 / 3600.0)


def test_an_idle_charger_obeys_and_the_next_car_starts_at_that_offer() -> None:
    charger = make_charger()
    charger.command(0.0, None, 0.0)  # ampshare holds idle chargers at 0 A
    charger.plug_in(hungry_car(), 10.0)
    reading = charger.reading(100.0)
    assert (reading.car, reading.offered_a, reading.measured_a) == (CarState.CONNECTED, 0.0, 0.0)


def test_a_full_car_is_suspended_while_offered_current() -> None:
    charger = make_charger()
    charger.plug_in(Car(BIG_BATTERY, energy_wanted_wh=0.0), 0.0)
    assert charger.reading(60.0).car is CarState.SUSPENDED
    charger.command(0.0, None, 60.0)
    assert charger.reading(70.0).car is CarState.CONNECTED  # a pause is not a suspension


def test_a_car_that_fills_stops_drawing() -> None:
    charger = make_charger(start_current_a=32.0)
    charger.plug_in(Car(CarModel(10_000.0, 32.0), energy_wanted_wh=1_000.0), 0.0)
    reading = charger.reading(100_000.0)
    assert reading.car is CarState.SUSPENDED
    assert reading.measured_a == 0.0
    assert reading.energy_wh == pytest.approx(1_000.0)


def test_pauses_are_counted_and_a_reluctant_car_gives_up() -> None:
    charger = make_charger(start_current_a=16.0)
    car = hungry_car(CarModel(100_000.0, 32.0, resume_limit=2))
    charger.plug_in(car, 0.0)
    charger.command(0.0, None, 10.0)
    charger.command(3.0, None, 20.0)  # below 6 A: still a pause, not a new one
    charger.command(16.0, None, 30.0)
    assert charger.reading(40.0).car is CarState.CHARGING
    assert car.pauses == 1
    charger.command(0.0, None, 50.0)
    charger.command(16.0, None, 60.0)
    reading = charger.reading(70.0)
    assert car.pauses == 2
    assert car.gave_up
    assert (reading.car, reading.measured_a) == (CarState.SUSPENDED, 0.0)


def test_time_may_not_go_backwards() -> None:
    charger = make_charger()
    charger.advance(10.0)
    with pytest.raises(ValueError, match="backwards"):
        charger.advance(9.0)


def test_plug_in_twice_or_unplug_nothing_is_a_scenario_error() -> None:
    charger = make_charger()
    with pytest.raises(ValueError):
        charger.unplug(0.0)
    charger.plug_in(hungry_car(), 0.0)
    with pytest.raises(ValueError):
        charger.plug_in(hungry_car(), 1.0)
