from __future__ import annotations

import math
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ampshare.sim.car import Car, CarModel

VOLTAGE_V = 240.0
# 60 kWh, 32 A: the taper starts at 48 kWh.
MODEL = CarModel(battery_wh=60_000.0, max_current_a=32.0)


def car_at_soc(soc: float, model: CarModel = MODEL) -> Car:
    return Car(model, energy_wanted_wh=model.battery_wh * (1.0 - soc))


def test_starts_so_that_the_energy_wanted_fills_it() -> None:
    car = Car(MODEL, energy_wanted_wh=15_000.0)
    assert car.soc == pytest.approx(0.75)
    assert car.delivered_wh == 0.0
    assert Car(MODEL, energy_wanted_wh=90_000.0).soc == 0.0  # clamped: starts empty
    assert Car(MODEL, energy_wanted_wh=0.0).full


def test_constant_current_below_taper_soc() -> None:
    for soc in (0.0, 0.5, 0.79):
        assert car_at_soc(soc).accepted_a() == 32.0


def test_accepted_current_falls_linearly_above_taper_soc() -> None:
    assert car_at_soc(0.8).accepted_a() == pytest.approx(32.0)
    assert car_at_soc(0.85).accepted_a() == pytest.approx(24.0)
    assert car_at_soc(0.9).accepted_a() == pytest.approx(16.0)
    assert car_at_soc(0.95).accepted_a() == pytest.approx(8.0)


def test_draws_95_percent_of_the_offer() -> None:
    car = car_at_soc(0.2)
    assert car.draw_a(20.0) == pytest.approx(19.0)
    assert car.draw_a(40.0) == 32.0  # no more than the car accepts
    assert car_at_soc(0.9).draw_a(32.0) == pytest.approx(16.0)  # nor than the taper allows


def test_an_offer_below_6_a_is_a_pause() -> None:
    car = car_at_soc(0.2)
    assert car.draw_a(5.9) == 0.0
    assert car.draw_a(0.0) == 0.0
    assert car.draw_a(6.0) == pytest.approx(5.7)


def test_constant_current_energy() -> None:
    car = car_at_soc(0.2)
    delivered_wh = car.charge(30.4, 3600.0, VOLTAGE_V)
    assert delivered_wh == pytest.approx(30.4 * VOLTAGE_V)
    assert car.delivered_wh == pytest.approx(30.4 * VOLTAGE_V)


def test_taper_follows_the_exponential_of_the_linear_model() -> None:
    # On the taper the missing energy decays with tau = 3600 * B * (1 - taper) / (Imax * V).
    car = car_at_soc(0.8)
    tau_s = 3600.0 * 60_000.0 * 0.2 / (32.0 * VOLTAGE_V)
    car.charge(32.0, tau_s, VOLTAGE_V)
    assert 1.0 - car.soc == pytest.approx(0.2 * math.exp(-1.0))


def test_a_huge_step_charges_to_full_and_never_beyond() -> None:
    car = car_at_soc(0.5)
    delivered_wh = car.charge(40.0, 1e9, VOLTAGE_V)
    assert car.full
    assert car.soc == 1.0
    assert delivered_wh == pytest.approx(30_000.0)
    assert car.accepted_a() == 0.0
    assert car.draw_a(32.0) == 0.0
    assert car.charge(32.0, 3600.0, VOLTAGE_V) == 0.0


def test_one_large_step_equals_many_small_ones() -> None:
    coarse, fine = car_at_soc(0.7), car_at_soc(0.7)
    coarse.charge(24.0, 4 * 3600.0, VOLTAGE_V)
    for _ in range(4 * 60):
        fine.charge(24.0, 60.0, VOLTAGE_V)
    assert coarse.delivered_wh == pytest.approx(fine.delivered_wh, rel=1e-9)
    assert coarse.soc > 0.8  # the step crossed into the taper


def test_a_slow_step_does_not_taper_before_the_taper_reaches_its_current() -> None:
    # 8 A is below what the taper accepts until SoC 0.95, so the current holds until then.
    car = car_at_soc(0.9)
    car.charge(8.0, 3600.0, VOLTAGE_V)
    assert car.delivered_wh == pytest.approx(8.0 * VOLTAGE_V)


def test_the_taper_ends_at_finish_current_then_the_car_fills() -> None:
    car = car_at_soc(0.99)  # the linear taper accepts 1.6 A here
    assert car.accepted_a() == pytest.approx(1.6)
    car.charge(32.0, 1e6, VOLTAGE_V)
    assert car.full
    pure = Car(CarModel(60_000.0, 32.0, finish_current_a=0.0), energy_wanted_wh=600.0)
    pure.charge(32.0, 10 * 3600.0, VOLTAGE_V)
    assert not pure.full  # the pure linear taper approaches full but does not get there
    assert 0.0 < pure.accepted_a() < 0.01


@given(
    soc=st.floats(0.0, 1.0),
    current_a=st.floats(0.0, 40.0),
    first_s=st.floats(0.0, 50_000.0),
    second_s=st.floats(0.0, 50_000.0),
)
def test_splitting_a_step_changes_nothing(
    soc: float, current_a: float, first_s: float, second_s: float
) -> None:
    whole, split = car_at_soc(soc), car_at_soc(soc)
    whole.charge(current_a, first_s + second_s, VOLTAGE_V)
    split.charge(current_a, first_s, VOLTAGE_V)
    split.charge(current_a, second_s, VOLTAGE_V)
    assert whole.energy_wh == pytest.approx(split.energy_wh, rel=1e-9, abs=1e-6)
    assert split.energy_wh <= MODEL.battery_wh


def test_pauses_are_counted() -> None:
    car = car_at_soc(0.2)
    car.note_pause()
    car.note_pause()
    assert car.pauses == 2
    assert not car.gave_up  # an ordinary car resumes as often as it is asked


def test_a_reluctant_car_gives_up_after_resume_limit_pauses() -> None:
    car = car_at_soc(0.2, CarModel(60_000.0, 32.0, resume_limit=3))
    for _ in range(2):
        car.note_pause()
        assert not car.gave_up
        assert car.draw_a(16.0) > 0
    car.note_pause()
    assert car.gave_up
    assert car.draw_a(16.0) == 0.0


@pytest.mark.parametrize(
    "make",
    [
        lambda: CarModel(battery_wh=0.0, max_current_a=32.0),
        lambda: CarModel(60_000.0, max_current_a=-1.0),
        lambda: CarModel(60_000.0, 32.0, taper_soc=1.5),
        lambda: CarModel(60_000.0, 32.0, draw_ratio=0.0),
        lambda: CarModel(60_000.0, 32.0, resume_limit=0),
        lambda: CarModel(60_000.0, 32.0, finish_current_a=40.0),
    ],
)
def test_rejects_nonsense_models(make: Callable[[], CarModel]) -> None:
    with pytest.raises(ValueError):
        make()


def test_a_car_with_a_charge_limit_stops_there_with_what_it_wanted() -> None:
    model = CarModel(battery_wh=60_000, max_current_a=32, charge_limit_soc=0.9)
    car = Car(model, energy_wanted_wh=10_000)
    assert car.soc == pytest.approx(44 / 60)
    delivered_wh = car.charge(32, 6 * 3600, 240)
    assert delivered_wh == pytest.approx(10_000)
    assert car.full and car.soc == pytest.approx(0.9)
    assert car.draw_a(32) == 0  # it stops drawing: the charger sees it suspended


def test_a_charge_limit_above_the_taper_still_slows_the_car_down() -> None:
    model = CarModel(battery_wh=60_000, max_current_a=32, charge_limit_soc=0.9)
    car = Car(model, energy_wanted_wh=3_000)  # from 85 % to 90 %: all on the taper
    assert car.accepted_a() == pytest.approx(32 * 0.15 / 0.2)
    hour_wh = car.charge(32, 3600, 240)
    assert 0 < hour_wh < 3_000 or car.full
    assert hour_wh < 32 * 240  # less than an hour at full current
