"""Learning how the site's cars slow down as they fill, and planning by it."""

from __future__ import annotations

import pytest

from ampshare.control.taper import TaperFit, TaperLearner
from ampshare.sim.car import CarModel
from ampshare.sim.playback import Playback
from ampshare.sim.scenario import Scenario, Session
from tests.domain.builders import seed_site

# the Caltech scenarios' car: a 60 kWh battery that tapers above 80 % and stops at 90 %: at
# its charge limit it takes 16 A, and 32 A with 6 kWh to go (16 A + 2.67 A a kWh)
CALTECH_CAR = CarModel(battery_wh=60_000, max_current_a=32, charge_limit_soc=0.9)
INTERCEPT_A = 16.0
SLOPE_A_PER_WH = 32 / 12_000


def _taper_a(remaining_wh: float) -> float:
    return INTERCEPT_A + SLOPE_A_PER_WH * remaining_wh


def _tapering_session(
    learner: TaperLearner, charger_id: str, session: int, from_wh: float = 6_000
) -> None:
    """A car offered 32 A that draws 30.4 A until its taper, then what the taper allows, a
    sample every 20 Wh."""
    learner.observe(charger_id, session, from_wh, 30.4, less_than_offered=False)
    remaining_wh = from_wh
    while remaining_wh > 0:
        drawn_a = min(30.4, _taper_a(remaining_wh))
        learner.observe(charger_id, session, remaining_wh, drawn_a, less_than_offered=True)
        remaining_wh -= 20


def _assert_learned(
    fit: TaperFit | None, intercept_abs_a: float = 0.5, slope_rel: float = 0.05
) -> None:
    """The learner found the cars' own line."""
    assert fit is not None
    assert fit.intercept_a == pytest.approx(INTERCEPT_A, abs=intercept_abs_a)
    assert fit.slope_a_per_wh == pytest.approx(SLOPE_A_PER_WH, rel=slope_rel)


def test_the_line_is_learned_from_cars_that_draw_less_as_they_fill() -> None:
    learner = TaperLearner()
    assert learner.fit() is None
    for session in range(3):
        _tapering_session(learner, f"c{session}", session)
    _assert_learned(learner.fit())


def test_a_car_whose_own_charger_takes_less_teaches_nothing() -> None:
    # a car that takes 16 A draws 16 A of a 32 A offer from start to end: not a taper
    learner = TaperLearner()
    for session in range(5):
        for remaining_wh in range(10_000, 0, -100):
            learner.observe("slow", session, remaining_wh, 15.2, less_than_offered=True)
    assert learner.fit() is None
    # beside cars that do taper, it does not flatten their line
    for session in range(3):
        _tapering_session(learner, "c", session)
    _assert_learned(learner.fit())


def test_a_few_samples_far_out_do_not_tilt_the_line() -> None:
    learner = TaperLearner()
    for session in range(4):
        _tapering_session(learner, "c", session)
    # a reading taken before a car followed a raise, and a big battery tapering early
    for i, (remaining_wh, drawn_a) in enumerate([(18_000, 5.7), (18_200, 9.8), (25_000, 5.7)]):
        learner.observe("odd", 100 + i, remaining_wh, 32.0, less_than_offered=False)
        learner.observe("odd", 100 + i, remaining_wh, drawn_a, less_than_offered=True)
    _assert_learned(learner.fit())


def test_a_draw_that_does_not_fall_as_cars_fill_is_no_taper() -> None:
    learner = TaperLearner()
    for session in range(3):
        learner.observe("c", session, 5_000, 30.0, less_than_offered=False)
        for remaining_wh in range(5_000, 0, -50):
            drawn_a = 20 - remaining_wh / 1000  # it draws more as it fills
            learner.observe("c", session, remaining_wh, drawn_a, less_than_offered=True)
    assert learner.fit() is None


def test_the_control_loop_learns_the_taper_of_the_cars_it_charges() -> None:
    # one car at a time, each wanting 8 kWh, told to ampshare: alone on the circuit each is
    # offered more than it takes once its battery tapers
    sessions = tuple(
        Session(f"car {n}", "left", n * 4 * 3600, (n + 1) * 4 * 3600, 8_000, CALTECH_CAR, True)
        for n in range(3)
    )
    playback = Playback(seed_site(), Scenario("tapering cars", 12 * 3600, sessions))
    playback.run()
    planner = playback.sim.loop.planner
    assert planner is not None
    _assert_learned(planner.taper.fit(), intercept_abs_a=1.0, slope_rel=0.1)
