"""The strategies ampshare is compared with, driven through the simulator on small sites: what a
driver or an electrician would see under each of them."""

from __future__ import annotations

from pathlib import Path

import pytest

from ampshare.config.site_file import load_site
from ampshare.domain import Charger, Circuit, Meter, Site, parse_connection
from ampshare.sim.car import Car, CarModel
from ampshare.sim.household import HouseholdProfile, Spike
from ampshare.sim.runner import SiteSimulation
from ampshare.sim.strategies import (
    BASELINES,
    EqualSplit,
    FirstComeGreedy,
    PrimarySecondary,
    StaticSplit,
)
from ampshare.sim.strategies.first_come import CYCLE_S
from ampshare.sim.strategies.primary_secondary import MIN_PAUSE_S
from tests.domain.builders import seed_site

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
EXAMPLE_SITES = ["two_juiceboxes", "home_with_meter", "three_phase_depot", "caltech_acn"]
BIG_BATTERY = CarModel(battery_wh=80_000, max_current_a=48)


def _car(wanted_wh: float = 40_000, model: CarModel = BIG_BATTERY) -> Car:
    return Car(model, energy_wanted_wh=wanted_wh)


def _offers(sim: SiteSimulation, charger_id: str) -> list[tuple[float, float]]:
    return [(t, c.offer_a) for t, c in sim.commands if c.charger_id == charger_id]


def _crowded_site(chargers: int = 8) -> Site:
    """Many 16 A chargers on one 50 A circuit (40 A continuous)."""
    return Site(
        "crowded",
        240,
        (Circuit("garage", 50),),
        tuple(Charger(f"c{n}", "garage", 16) for n in range(chargers)),
    )


def _branches_site() -> Site:
    """Two 32 A chargers, each on its own 40 A branch, under a 50 A feeder (40 A)."""
    return Site(
        "branches",
        240,
        (
            Circuit("feeder", 50),
            Circuit("left-branch", 40, parent="feeder"),
            Circuit("right-branch", 40, parent="feeder"),
        ),
        (Charger("left", "left-branch", 32), Charger("right", "right-branch", 32)),
    )


def _delta_site(connections: list[str]) -> Site:
    """32 A line-to-line chargers on one 3-phase 50 A circuit (40 A per line)."""
    return Site(
        "depot",
        208,
        (Circuit("bays", 50, phases=3),),
        tuple(
            Charger(f"ev{n}", "bays", 32, connection=parse_connection(text))
            for n, text in enumerate(connections)
        ),
    )


def _house_site() -> Site:
    """A 100 A service (80 A) with a house meter, and a 40 A charger on its own branch."""
    return Site(
        "home",
        240,
        (Circuit("service", 100), Circuit("ev", 50, parent="service")),
        (Charger("garage", "ev", 40),),
        (Meter("house", "service"),),
    )


# all of them -------------------------------------------------------------------------------


def test_each_strategy_has_a_distinct_name_and_a_one_line_description() -> None:
    names = [strategy.name for strategy in BASELINES]
    assert len(set(names)) == len(BASELINES) == 4
    for strategy in BASELINES:
        assert strategy.description
        assert "\n" not in strategy.description
        assert strategy.__doc__


@pytest.mark.parametrize("strategy", BASELINES, ids=lambda s: s.name)
def test_every_offer_is_sent_without_a_lease_and_nothing_is_resent_once_settled(
    strategy: type,
) -> None:
    sim = SiteSimulation(seed_site(), controller=strategy(seed_site()))
    sim.plug_in("left", _car())
    sim.plug_in("right", _car())
    sim.run_until(120)
    sent = len(sim.commands)
    assert sent > 0
    assert all(command.lease_s is None for _, command in sim.commands)
    sim.run_until(600)
    assert len(sim.commands) == sent  # nothing changed, so nothing is said


@pytest.mark.parametrize("strategy", BASELINES, ids=lambda s: s.name)
def test_when_the_server_is_lost_the_chargers_keep_their_last_offer(strategy: type) -> None:
    sim = SiteSimulation(seed_site(), controller=strategy(seed_site()))
    sim.plug_in("left", _car())
    sim.run_until(60)
    before = sim.chargers["left"].pilot_a
    sim.ampshare_up = False
    sim.run_until(1_000)
    # no lease: a baseline's charger never falls back to its safe current by itself
    assert sim.chargers["left"].pilot_a == before > 6


@pytest.mark.parametrize("strategy", BASELINES, ids=lambda s: s.name)
@pytest.mark.parametrize("example", EXAMPLE_SITES)
def test_on_every_example_site_cars_are_offered_their_rating_at_most(
    strategy: type, example: str
) -> None:
    site = load_site(EXAMPLES / f"{example}.toml")
    sim = SiteSimulation(site, controller=strategy(site))
    for charger in site.chargers[:3]:
        sim.plug_in(charger.id, _car())
    sim.run_until(300)
    for charger in site.chargers:
        pilot_a = sim.chargers[charger.id].pilot_a
        assert pilot_a == 0 or charger.min_current_a <= pilot_a <= charger.max_current_a
    # someone charges: no example is so crowded that every car waits
    assert any(sim.chargers[c.id].drawing_a > 0 for c in site.chargers[:3])


# static split ------------------------------------------------------------------------------


def test_static_split_gives_each_charger_half_even_when_the_other_is_empty() -> None:
    sim = SiteSimulation(seed_site(), controller=StaticSplit(seed_site()))
    sim.plug_in("left", _car())
    sim.run_until(60)
    assert sim.chargers["left"].pilot_a == 20
    assert sim.chargers["right"].pilot_a == 20
    assert sim.chargers["left"].drawing_a == pytest.approx(19)  # alone, at half speed
    sim.plug_in("right", _car())
    sim.run_until(120)
    assert sim.chargers["left"].pilot_a == sim.chargers["right"].pilot_a == 20
    assert sim.records[0].over_limit_s == 0


def test_static_split_tells_a_charger_its_share_again_after_a_car_leaves() -> None:
    sim = SiteSimulation(seed_site(), controller=StaticSplit(seed_site()))
    sim.plug_in("left", _car())
    sim.run_until(60)
    sim.unplug("left")  # the charger goes back to its own 6 A default
    assert sim.chargers["left"].pilot_a == 6
    sim.run_until(90)
    assert sim.chargers["left"].pilot_a == 20
    assert [a for _, a in _offers(sim, "left")] == [20, 20]


def test_static_split_on_a_crowded_circuit_never_charges() -> None:
    # 40 A / 8 chargers = 5 A each: below the 6 A a car needs
    site = _crowded_site(8)
    sim = SiteSimulation(site, controller=StaticSplit(site))
    sim.run_until(10)
    sim.plug_in("c0", _car())
    sim.run_until(600)
    assert sim.chargers["c0"].pilot_a == 0
    assert sim.chargers["c0"].session_energy_wh == 0


def test_static_split_counts_a_line_to_line_charger_on_both_of_its_lines() -> None:
    # every line carries two of the three chargers: 40 A / 2 each
    site = _delta_site(["L1-L2", "L2-L3", "L3-L1"])
    sim = SiteSimulation(site, controller=StaticSplit(site))
    sim.run_until(10)
    assert [sim.chargers[c.id].pilot_a for c in site.chargers] == [20, 20, 20]


# equal split -------------------------------------------------------------------------------


def test_equal_split_gives_a_car_alone_everything_and_two_cars_half_each() -> None:
    sim = SiteSimulation(seed_site(), controller=EqualSplit(seed_site()))
    sim.plug_in("left", _car())
    sim.run_until(60)
    assert sim.chargers["left"].pilot_a == 40
    sim.plug_in("right", _car())
    sim.run_until(120)
    assert sim.chargers["left"].pilot_a == sim.chargers["right"].pilot_a == 20
    # the cut and the raise go out together: the circuit is over its limit meanwhile
    cut_s = next(t for t, a in _offers(sim, "left") if a == 20)
    assert (cut_s, 20) in _offers(sim, "right")
    assert sim.records[0].over_limit_s > 0


def test_equal_split_leaves_a_tapering_car_s_share_idle() -> None:
    sim = SiteSimulation(seed_site(), controller=EqualSplit(seed_site()))
    nearly_full = CarModel(battery_wh=10_000, max_current_a=40, taper_soc=0.5)
    sim.plug_in("left", Car(nearly_full, energy_wanted_wh=3_000))
    sim.plug_in("right", _car())
    sim.run_until(3_600)
    assert sim.chargers["left"].drawing_a < 10  # tapering or full
    assert sim.chargers["right"].pilot_a == 20  # the rest of the circuit stays unused
    sim.unplug("left")
    sim.run_until(3_630)
    assert sim.chargers["right"].pilot_a == 40


def test_equal_split_below_the_minimum_serves_the_first_arrivals_at_6_a() -> None:
    site = _crowded_site(8)
    sim = SiteSimulation(site, controller=EqualSplit(site))
    for n in range(8):
        sim.plug_in(f"c{n}", _car())
        sim.run_until(sim.now_s + 10)
    sim.run_until(200)
    pilots = [sim.chargers[f"c{n}"].pilot_a for n in range(8)]
    # 40 A / 8 = 5 A is too little: six cars at 6 A fit in 40 A, the last two wait
    assert pilots == [6, 6, 6, 6, 6, 6, 0, 0]


# primary/secondary -------------------------------------------------------------------------


def test_primary_keeps_6_a_for_the_secondary_even_alone() -> None:
    sim = SiteSimulation(seed_site(), controller=PrimarySecondary(seed_site()))
    sim.plug_in("left", _car())
    sim.run_until(60)
    assert sim.chargers["left"].pilot_a == 34
    # the limit less the primary's 32.3 A, in whole amps: never less than the 6 A kept for it
    assert sim.chargers["right"].pilot_a == 7


def test_secondary_follows_the_primary_s_measured_draw_and_overloads_as_it_ramps() -> None:
    sim = SiteSimulation(seed_site(), controller=PrimarySecondary(seed_site()))
    sim.plug_in("right", _car())
    sim.run_until(60)
    assert sim.chargers["right"].pilot_a == 40  # the primary draws nothing
    sim.plug_in("left", _car())
    sim.run_until(120)
    assert sim.chargers["left"].pilot_a == 34
    # 40 A less the primary's 32.3 A, in whole amps
    assert sim.chargers["right"].pilot_a == 7
    garage = sim.records[0]
    # until the secondary's cut lands and its car follows, both cars draw in full
    assert garage.peak_a == pytest.approx(32.3 + 38)
    assert 0 < garage.over_limit_s <= 5 + 2 + 5


def test_a_secondary_with_too_little_room_pauses_for_five_minutes() -> None:
    site = seed_site(chargers=3)
    sim = SiteSimulation(site, controller=PrimarySecondary(site))
    sim.plug_in("right", _car())  # second in the chain: 40 - 6 for the third = 34 A
    sim.run_until(60)
    assert sim.chargers["right"].pilot_a == 34
    sim.plug_in("left", _car())  # the first ramps to 28 A while right still draws 32.3 A
    sim.run_until(120)
    paused_s = min(t for t, a in _offers(sim, "third") if a == 0)
    assert sim.chargers["third"].pilot_a == 0
    # room for 6.75 A again soon after, but the shaper waits out its pause
    sim.run_until(paused_s + MIN_PAUSE_S - 1)
    assert sim.chargers["third"].pilot_a == 0
    sim.run_until(paused_s + MIN_PAUSE_S + 5)
    assert sim.chargers["third"].pilot_a == 6


# first come, first served ------------------------------------------------------------------


def test_greedy_gives_the_first_car_its_full_rating_and_the_second_the_rest() -> None:
    site = _branches_site()
    sim = SiteSimulation(site, controller=FirstComeGreedy(site))
    sim.plug_in("right", _car())
    sim.run_until(30)
    sim.plug_in("left", _car())
    sim.run_until(90)
    assert sim.chargers["right"].pilot_a == 32
    assert sim.chargers["left"].pilot_a == 8
    sim.unplug("right")
    sim.run_until(120)
    assert sim.chargers["left"].pilot_a == 32


def test_greedy_pauses_a_car_left_with_less_than_its_minimum() -> None:
    sim = SiteSimulation(seed_site(), controller=FirstComeGreedy(seed_site()))
    sim.plug_in("left", _car())
    sim.run_until(30)
    sim.plug_in("right", _car())
    sim.run_until(90)
    assert sim.chargers["left"].pilot_a == 40
    assert sim.chargers["right"].pilot_a == 0


def test_greedy_adds_line_currents_as_phasors() -> None:
    # on L2, 32 A from L1-L2 and x from L2-L3 add 60 degrees apart: 32^2 + 32x + x^2 <= 40^2
    site = _delta_site(["L1-L2", "L2-L3"])
    sim = SiteSimulation(site, controller=FirstComeGreedy(site))
    sim.plug_in("ev0", _car())
    sim.run_until(30)
    sim.plug_in("ev1", _car())
    sim.run_until(90)
    assert sim.chargers["ev0"].pilot_a == 32
    assert sim.chargers["ev1"].pilot_a == pytest.approx(12.8)  # not 40 - 32 = 8


def test_greedy_takes_the_house_load_from_the_meter() -> None:
    oven = Spike(start_s=300, duration_s=600, current_a=45, name="oven and dryer")
    site = _house_site()
    sim = SiteSimulation(
        site,
        controller=FirstComeGreedy(site),
        households={"service": HouseholdProfile(10, (oven,))},
    )
    sim.plug_in("garage", _car())
    sim.run_until(290)
    assert sim.chargers["garage"].pilot_a == 40  # the EV branch binds, not the service
    sim.run_until(400)
    # 80 A less 55 A of house
    assert sim.chargers["garage"].pilot_a == pytest.approx(25, abs=0.2)
    service = next(r for r in sim.records if r.label == "service")
    # the spike overloads the service until the next control cycle's cut lands
    assert 0 < service.over_limit_s <= CYCLE_S + 2 + 5
    sim.run_until(1_000)
    assert sim.chargers["garage"].pilot_a == 40


def test_greedy_sends_no_change_under_1_a() -> None:
    kettle = Spike(start_s=300, duration_s=600, current_a=0.8, name="a small load")
    site = _house_site()
    # the service binds from the start: 80 - 50 = 30 A for the car
    sim = SiteSimulation(
        site,
        controller=FirstComeGreedy(site),
        households={"service": HouseholdProfile(50, (kettle,))},
    )
    sim.plug_in("garage", _car())
    sim.run_until(290)
    assert sim.chargers["garage"].pilot_a == pytest.approx(30, abs=0.2)
    sent = len(sim.commands)
    sim.run_until(600)
    assert len(sim.commands) == sent
