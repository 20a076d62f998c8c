from __future__ import annotations

import pytest

from ampshare.control.readings import MeterSample
from ampshare.sim.household import HouseholdProfile, SimMeter, Spike, typical_evening

OVEN = Spike(start_s=100.0, duration_s=50.0, current_a=18.0, name="oven")
DRYER = Spike(start_s=120.0, duration_s=100.0, current_a=22.0, name="dryer")


def test_spikes_add_to_the_base_while_they_run() -> None:
    profile = HouseholdProfile(base_a=5.0, spikes=(OVEN, DRYER))
    assert profile.current_a(0.0) == 5.0
    assert profile.current_a(99.9) == 5.0
    assert profile.current_a(100.0) == 23.0
    assert profile.current_a(130.0) == 45.0
    assert profile.current_a(150.0) == 27.0  # the oven is off at its end time
    assert profile.current_a(220.0) == 5.0


def test_a_typical_evening_is_plausible_and_reproducible() -> None:
    start_s, hours = 18 * 3600.0, 5.0
    profile = typical_evening(seed=7, start_s=start_s, hours=hours)
    assert profile == typical_evening(seed=7, start_s=start_s, hours=hours)
    assert profile != typical_evening(seed=8, start_s=start_s, hours=hours)
    assert 3.0 <= profile.base_a <= 8.0
    by_name: dict[str, list[Spike]] = {}
    for spike in profile.spikes:
        by_name.setdefault(spike.name, []).append(spike)
    [oven] = by_name["oven"]
    [dryer] = by_name["dryer"]
    assert (oven.duration_s, 15.0 <= oven.current_a <= 20.0) == (45 * 60.0, True)
    assert (dryer.duration_s, 20.0 <= dryer.current_a <= 24.0) == (3600.0, True)
    heat_pump = by_name["heat pump"]
    assert len(heat_pump) >= 5  # cycles through the evening
    assert all(10.0 <= s.current_a <= 15.0 for s in heat_pump)
    end_s = start_s + hours * 3600.0
    for spike in profile.spikes:
        assert spike.start_s < end_s
        assert spike.start_s + spike.duration_s > start_s
    peak_a = max(profile.current_a(start_s + t) for t in range(0, 5 * 3600, 60))
    assert peak_a >= profile.base_a + dryer.current_a


def make_meter(period_s: float = 2.0) -> SimMeter:
    return SimMeter("m1", update_period_s=period_s, sources=lambda now_s: 10.0 + now_s / 100)


def test_samples_come_every_update_period() -> None:
    meter = make_meter(period_s=2.0)
    got = {t / 2: meter.sample(t / 2) for t in range(0, 21)}  # every 0.5 s for 10 s
    due = [t for t, sample in got.items() if sample is not None]
    assert due == [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
    sample = got[4.0]
    assert sample is not None
    assert sample.current_a == (10.04,)
    assert sample.power_w == pytest.approx(10.04 * 240.0)


def test_a_late_caller_gets_the_latest_value_not_a_backlog() -> None:
    meter = make_meter(period_s=2.0)
    assert meter.sample(0.0) is not None
    sample = meter.sample(61.0)
    assert sample is not None
    assert sample.current_a == (10.61,)
    assert meter.sample(61.5) is None
    assert meter.sample(62.0) is not None


def test_a_silent_meter_sends_nothing_until_its_silence_ends() -> None:
    meter = make_meter(period_s=2.0)
    meter.go_silent(until_s=10.0)
    assert [meter.sample(float(t)) for t in range(0, 10)] == [None] * 10
    assert meter.sample(10.0) is not None
    meter.go_silent(None)  # until further notice
    assert meter.sample(1000.0) is None
    meter.speak()
    assert meter.sample(1002.0) is not None


def test_meter_voltage_sets_power() -> None:
    meter = SimMeter("m1", update_period_s=1.0, sources=lambda now_s: -4.0, voltage_v=230.0)
    assert meter.sample(0.0) == MeterSample(current_a=(-4.0,), power_w=-920.0)
