"""Random scenarios with random faults: no circuit is ever over its limit at any instant."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ampshare.domain import Charger, Circuit, Site, validate_site
from ampshare.sim.car import Car, CarModel
from ampshare.sim.runner import SiteSimulation

_EVENTS = ("plug", "plug", "unplug", "ampshare_down", "ampshare_up", "disconnect", "reconnect")


@dataclass(frozen=True)
class Event:
    at_s: float
    kind: str
    charger: int
    wanted_wh: float


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Site, list[Event], bool, list[float]]:
    hold_new_cars = draw(st.booleans())
    breaker_a = draw(st.sampled_from([40, 50, 60, 100]))
    count = draw(st.integers(2, 4))
    rating_a = draw(st.sampled_from([16, 32, 40]).filter(lambda r: r * 1.25 >= breaker_a * 0.8))
    chargers = tuple(
        Charger(
            f"ev{n}",
            "branch",
            rating_a,
            fallback_current_a=draw(st.sampled_from([0, 6])),
            start_current_a=0 if hold_new_cars else None,
        )
        for n in range(count)
    )
    site = Site(
        "random",
        240,
        (Circuit("service", 200), Circuit("branch", breaker_a, parent="service")),
        chargers,
    )
    events = [
        Event(
            draw(st.floats(0, 1200)),
            draw(st.sampled_from(_EVENTS)),
            draw(st.integers(0, count - 1)),
            draw(st.floats(1000, 30000)),
        )
        for _ in range(draw(st.integers(1, 12)))
    ]
    # cars differ in how fast they follow a pilot change (some take 5-6 s to follow a cut)
    responses_s = [draw(st.floats(0.5, 8.0)) for _ in range(count)]
    return site, sorted(events, key=lambda e: e.at_s), hold_new_cars, responses_s


def _apply(sim: SiteSimulation, event: Event) -> None:
    charger_id = f"ev{event.charger}"
    charger = sim.chargers[charger_id]
    if event.kind == "plug" and charger.car is None:
        sim.plug_in(charger_id, Car(CarModel(60_000, 48), event.wanted_wh))
    elif event.kind == "unplug" and charger.car is not None:
        sim.unplug(charger_id)
    elif event.kind == "ampshare_down":
        sim.ampshare_up = False
    elif event.kind == "ampshare_up":
        sim.ampshare_up = True
    elif event.kind == "disconnect":
        charger.disconnect()
    elif event.kind == "reconnect":
        charger.reconnect()


@settings(max_examples=60, deadline=None)
@given(scenarios())
def test_no_circuit_is_ever_over_its_breaker_and_held_sites_never_over_their_limit(
    case: tuple[Site, list[Event], bool, list[float]],
) -> None:
    site, events, hold_new_cars, responses_s = case
    assume(not validate_site(site))  # ampshare refuses such a site before it ever runs it
    sim = SiteSimulation(site)
    for charger, response_s in zip(sim.chargers.values(), responses_s, strict=True):
        charger.car_response_s = response_s
    for event in events:
        sim.run_until(event.at_s)
        _apply(sim, event)
    sim.run_until(1500)
    for record in sim.records:
        assert record.over_breaker_s == 0, record
        if hold_new_cars:
            # no car ever starts before ampshare's word: the continuous limit always holds
            assert record.over_limit_s == 0, record
