"""Playing scenarios: sessions come and go, faults happen, and jumping over quiet stretches
decides exactly what stepping every second decides."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ampshare.control.loop import ControlLoop
from ampshare.control.readings import Command
from ampshare.domain import Site
from ampshare.sim.car import CarModel
from ampshare.sim.controller import Controller
from ampshare.sim.household import HouseholdProfile, Spike
from ampshare.sim.playback import Playback, RunResult, run_scenario
from ampshare.sim.scenario import Fault, FaultKind, Scenario, Session
from tests.domain.builders import seed_site
from tests.domain.test_allocation_seeds import house_site

CAR = CarModel(battery_wh=40_000, max_current_a=32, charge_limit_soc=0.9)


class EveryTickLoop(ControlLoop):
    """ampshare's loop deciding at every tick, never skipping one."""

    def tick(self, now_s: float) -> list[Command]:
        return self.evaluate(now_s)


def _every_tick(site: Site) -> Controller:
    return EveryTickLoop(site)


def _evening() -> Scenario:
    oven = Spike(1_800, 2_700, 18, "oven")
    dryer = Spike(4_000, 3_600, 22, "dryer")
    return Scenario(
        "evening",
        duration_s=4 * 3600,
        sessions=(
            Session("car 1", "left", 60, 3 * 3600, 25_000, CAR),
            Session("car 2", "right", 900, None, 8_000, CAR),
        ),
        faults=(
            Fault(2_000, FaultKind.METER_SILENT, "house"),
            Fault(2_100, FaultKind.METER_BACK, "house"),
            Fault(6_000, FaultKind.AMPSHARE_DOWN),
            Fault(6_300, FaultKind.AMPSHARE_UP),
            Fault(8_000, FaultKind.CHARGER_DISCONNECT, "right"),
            Fault(8_200, FaultKind.CHARGER_RECONNECT, "right"),
        ),
        households={"service": HouseholdProfile(6, (oven, dryer))},
    )


def _commands(playback: Playback) -> list[tuple[float, str, float]]:
    return [(t, c.charger_id, round(c.offer_a, 6)) for t, c in playback.sim.commands]


def _garage_day() -> Scenario:
    return Scenario(
        "garage day",
        duration_s=10 * 3600,
        sessions=(
            Session("a", "left", 600, 5 * 3600, 30_000, CAR),
            Session("b", "right", 1_200, 9 * 3600, 15_000, CAR),
            Session("c", "left", 6 * 3600, None, 8_000, CAR),
        ),
        faults=(
            Fault(7 * 3600, FaultKind.AMPSHARE_DOWN),
            Fault(7 * 3600 + 600, FaultKind.AMPSHARE_UP),
        ),
    )


def _needs_told(scenario: Scenario) -> Scenario:
    return replace(
        scenario, sessions=tuple(replace(s, shares_needs=True) for s in scenario.sessions)
    )


@pytest.mark.parametrize(
    ("site", "scenario"),
    [
        (house_site(), _evening()),
        (seed_site(), _garage_day()),
        (seed_site(), _needs_told(_garage_day())),
    ],
)
def test_jumping_over_quiet_stretches_decides_exactly_what_every_second_decides(
    site: Site, scenario: Scenario
) -> None:
    jumping = Playback(site, scenario)
    stepping = Playback(site, scenario, _every_tick, fixed_step_s=1.0)
    jumped, stepped = jumping.run(), stepping.run()
    assert _commands(jumping) == _commands(stepping)
    assert len(_commands(jumping)) > 20  # the scenario did make the loop work
    for a, b in zip(jumped.sessions, stepped.sessions, strict=True):
        assert abs(a.delivered_wh - b.delivered_wh) < 1.0
    assert jumped.over_limit_s == stepped.over_limit_s


def test_without_a_meter_to_sample_every_second_the_simulation_takes_far_fewer_steps() -> None:
    playback = Playback(seed_site(), _garage_day())
    playback.run()
    assert playback.sim.steps < _garage_day().duration_s / 3


def test_a_scenario_reports_energy_served_pauses_and_loads() -> None:
    result = run_scenario(house_site(), _evening())
    assert isinstance(result, RunResult)
    by_id = {s.id: s for s in result.sessions}
    assert set(by_id) == {"car 1", "car 2"}
    assert by_id["car 2"].served  # 8 kWh in 3.75 h on a shared circuit
    assert 0 < by_id["car 1"].delivered_wh <= 25_000
    assert all(s.pilot_changes > 0 for s in result.sessions)
    assert result.over_breaker_s == 0
    service = next(c for c in result.conductors if c.label == "service")
    assert service.peak_a <= service.breaker_a
    assert result.demand_peak_w["service"] > 0


def test_a_car_that_leaves_before_it_is_full_gets_what_it_had_by_then() -> None:
    scenario = Scenario("short stay", 3600, (Session("hurried", "left", 0, 1800, 40_000, CAR),))
    result = run_scenario(seed_site(), scenario)
    (session,) = result.sessions
    # at most 40 A * 0.95 for half an hour at 240 V, and not served
    assert 0 < session.delivered_wh <= 40 * 0.95 * 240 * 0.5
    assert not session.served


def test_a_demand_limit_holds_every_15_minute_average_and_a_power_cap_every_moment() -> None:
    site = seed_site()
    garage = replace(site.circuits[0], demand_limit_w=6_000.0)
    limited = replace(site, circuits=(garage,))
    scenario = Scenario(
        "demand",
        2 * 3600,
        (
            Session("a", "left", 0, None, 30_000, CAR),
            Session("b", "right", 300, None, 30_000, CAR),
        ),
    )
    result = run_scenario(limited, scenario)
    assert result.demand_peak_w["garage"] <= 6_000.0 + 1.0
    assert result.demand_peak_w["garage"] > 5_000.0  # and it is used, not left idle
    unlimited = run_scenario(site, scenario)
    assert unlimited.demand_peak_w["garage"] > 8_000.0


def test_a_full_car_at_a_busy_site_is_paused_once_and_stays_paused() -> None:
    site = seed_site(breaker_a=50, chargers=3, rating_a=40)
    scenario = Scenario(
        "busy",
        3 * 3600,
        (
            Session("quick", "left", 0, None, 3_000, CAR),
            Session("b", "right", 60, None, 60_000, CAR),
            Session("c", "third", 120, None, 60_000, CAR),
        ),
    )
    playback = Playback(site, scenario)
    result = playback.run()
    quick = next(s for s in result.sessions if s.id == "quick")
    assert quick.served
    # once full, it gave its minimum to the others and was not resumed and paused again
    assert quick.pilot_changes <= 6
    assert playback.sim.chargers["left"].pilot_a == 0
    assert playback.sim.chargers["right"].pilot_a == playback.sim.chargers["third"].pilot_a == 20
    assert result.over_breaker_s == 0


def _leaving_early() -> Scenario:
    """On 40 A, a car that takes 32 A wants 12 kWh and leaves after 2 h 15 min; the other
    wants 18 kWh and stays 10 h."""
    return Scenario(
        "leaving early",
        duration_s=10 * 3600,
        sessions=(
            Session("early", "left", 60, 60 + 2.25 * 3600, 12_000, CAR),
            Session("late", "right", 120, None, 18_000, CAR),
        ),
    )


def test_told_when_a_car_leaves_ampshare_gives_it_what_it_needs_and_the_other_later() -> None:
    shared = run_scenario(seed_site(), _leaving_early())
    told = run_scenario(seed_site(), _needs_told(_leaving_early()))
    early_shared, _ = shared.sessions
    early_told, late_told = told.sessions
    # sharing evenly (20 A each), the early car leaves short
    assert early_shared.delivered_wh < 11_000
    # told its departure, ampshare gives it the circuit, and the other catches up after
    assert early_told.served and late_told.served
    assert early_told.delivered_wh > early_shared.delivered_wh + 1_000
    assert told.over_limit_s == 0 and told.over_breaker_s == 0


def test_a_plan_is_made_again_when_cars_come_and_go_and_every_15_minutes() -> None:
    playback = Playback(seed_site(), _needs_told(_leaving_early()))
    playback.run()
    loop = playback.sim.controller
    assert isinstance(loop, ControlLoop) and loop.planner is not None
    # a few for the arrivals, starts and the departure, and one every 15 min while cars that
    # want energy are present (about 4.5 h here); not one at every reading
    assert 15 < loop.planner.plans_made < 40
