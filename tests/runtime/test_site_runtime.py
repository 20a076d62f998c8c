"""SiteRuntime: the loop behind the device interfaces, on a clock the test moves."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from ampshare.control.errors import SiteChangeError
from ampshare.control.readings import ChargerReading, Command, MeterSample
from ampshare.control.settings import LoopSettings
from ampshare.domain import CarState, Charger, Circuit, Meter, Site
from ampshare.runtime import SiteRuntime
from tests.domain.builders import seed_site


class Clock:
    def __init__(self) -> None:
        self.now_s = 1_000.0

    def __call__(self) -> float:
        return self.now_s


class RecordingLink:
    """A charger's connection as an adapter would hold it: takes commands in order."""

    def __init__(self) -> None:
        self.commands: list[Command] = []

    def deliver(self, command: Command) -> None:
        self.commands.append(command)


def _charging(offered_a: float, measured_a: float) -> ChargerReading:
    return ChargerReading(CarState.CHARGING, measured_a=measured_a, offered_a=offered_a)


def test_commands_reach_the_link_of_the_charger_they_are_for_with_its_lease() -> None:
    clock = Clock()
    runtime = SiteRuntime(seed_site(), clock=clock)
    left, right = RecordingLink(), RecordingLink()
    runtime.attach("left", left, lease_s=120.0)
    runtime.attach("right", right, lease_s=None)
    runtime.charger_reading("left", ChargerReading(CarState.CONNECTED, offered_a=6))
    runtime.charger_reading("right", ChargerReading(CarState.NONE))
    assert right.commands == []
    assert left.commands, "a car plugged in at left and nothing was sent to it"
    assert {c.charger_id for c in left.commands} == {"left"}
    assert left.commands[-1].lease_s == 120.0


def _follow(link: RecordingLink) -> ChargerReading:
    """A car that draws a little under the latest offer its charger was sent."""
    offer_a = link.commands[-1].offer_a if link.commands else 6.0
    return _charging(offer_a, max(0.0, offer_a - 1))


def _run(runtime: SiteRuntime, clock: Clock, links: dict[str, RecordingLink], s: int) -> None:
    for _ in range(s // 5):
        for charger_id, link in links.items():
            runtime.charger_reading(charger_id, _follow(link))
        clock.now_s += 5
        runtime.tick()


def test_a_charger_that_refuses_its_offer_counts_at_its_rating_and_the_other_is_cut() -> None:
    clock = Clock()
    runtime = SiteRuntime(seed_site(), clock=clock)
    links = {"left": RecordingLink(), "right": RecordingLink()}
    for charger_id, link in links.items():
        runtime.attach(charger_id, link, lease_s=120.0)
    _run(runtime, clock, links, 600)
    assert [links[c].commands[-1].offer_a for c in links] == [20, 20]
    runtime.offer_refused("left", 20)
    # left may now draw its full 40 A: right can have nothing of the 40 A group...
    assert links["right"].commands[-1].offer_a == 0
    # ...and left is asked again to take its 20 A
    assert links["left"].commands[-1].offer_a == 20
    # once left takes it, right gets its share back (after its car's five-minute pause)
    _run(runtime, clock, links, 400)
    assert [links[c].commands[-1].offer_a for c in links] == [20, 20]


def test_detaching_makes_the_charger_offline_at_once() -> None:
    clock = Clock()
    runtime = SiteRuntime(seed_site(), clock=clock)
    left = RecordingLink()
    runtime.attach("left", left, lease_s=120.0)
    runtime.charger_reading("left", _charging(20, 19))
    runtime.detach("left", left)
    state = runtime.loop.last_state
    assert state is not None
    assert state.chargers["left"].car is CarState.OFFLINE
    assert not runtime.linked("left")


def test_an_old_connection_closing_does_not_detach_the_new_one() -> None:
    runtime = SiteRuntime(seed_site(), clock=Clock())
    old, new = RecordingLink(), RecordingLink()
    runtime.attach("left", old, lease_s=120.0)
    runtime.attach("left", new, lease_s=120.0)
    runtime.detach("left", old)
    assert runtime.linked("left")


async def test_run_ticks_on_the_wall_clock_and_listeners_hear_each_tick() -> None:
    runtime = SiteRuntime(seed_site())
    heard: list[float] = []
    runtime.subscribe(heard.append)
    task = asyncio.create_task(runtime.run())
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert heard, "the runtime did not tick"


def test_the_operator_pauses_a_charger_and_the_other_gets_its_share() -> None:
    clock = Clock()
    runtime = SiteRuntime(seed_site(), clock=clock)
    links = {"left": RecordingLink(), "right": RecordingLink()}
    for charger_id, link in links.items():
        runtime.attach(charger_id, link, lease_s=120.0)
    _run(runtime, clock, links, 600)
    runtime.set_paused("left", True)
    assert links["left"].commands[-1].offer_a == 0
    allocation = runtime.loop.last_allocation
    assert allocation is not None
    assert allocation.chargers["left"].limited_by == "operator"
    _run(runtime, clock, links, 60)
    assert links["right"].commands[-1].offer_a == 40
    runtime.set_paused("left", False)
    _run(runtime, clock, links, 400)  # left's car was paused: it waits five minutes
    assert [links[c].commands[-1].offer_a for c in links] == [20, 20]


def test_a_higher_priority_charger_is_served_first_when_not_both_fit() -> None:
    clock = Clock()
    site = seed_site()
    # a 10 A limit cannot hold two 6 A minimums: one car charges, the other waits
    site = replace(site, circuits=(replace(site.circuits[0], limit_a=10),))
    runtime = SiteRuntime(site, clock=clock)
    links = {"left": RecordingLink(), "right": RecordingLink()}
    for charger_id, link in links.items():
        runtime.attach(charger_id, link, lease_s=120.0)
    _run(runtime, clock, links, 600)
    offers = [links[c].commands[-1].offer_a for c in links]
    assert sorted(offers) == [0, 10]
    waiting = "left" if offers[0] == 0 else "right"
    runtime.set_priority(waiting, 5)
    _run(runtime, clock, links, 700)
    assert links[waiting].commands[-1].offer_a == 10
    assert runtime.site.chargers_by_id[waiting].priority == 5


def test_a_charger_that_joins_while_running_is_allocated_and_a_bad_one_is_refused() -> None:
    clock = Clock()
    site = seed_site()
    # new cars wait for ampshare on every charger, so a third fits under the 50 A breaker
    site = replace(site, chargers=tuple(replace(c, start_current_a=0) for c in site.chargers))
    runtime = SiteRuntime(site, clock=clock)
    left = site.chargers_by_id["left"]
    runtime.add_charger(replace(left, id="third"))
    assert "third" in runtime.loop.chargers
    with pytest.raises(SiteChangeError, match="already"):
        runtime.add_charger(replace(left, id="third"))
    # with the others at their 6 A start current, a third would put 52 A on the breaker
    runtime = SiteRuntime(seed_site(), clock=clock)
    with pytest.raises(SiteChangeError, match="52 A on a 50 A breaker"):
        runtime.add_charger(replace(left, id="third", start_current_a=0))
    with pytest.raises(SiteChangeError, match="nowhere"):
        runtime.add_charger(replace(left, id="fourth", circuit="nowhere"))


def _big_site(chargers: int) -> Site:
    # new cars wait for ampshare's first offer, so any number may arrive at once
    return Site(
        "garage",
        240,
        (Circuit("main", 400),),
        tuple(Charger(f"c{i}", "main", 32, start_current_a=0) for i in range(chargers)),
    )


class SlowTimer:
    """The processor clock of a big site: every allocation takes 20 ms."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> float:
        self.calls += 1
        return self.calls * 0.01  # read before and after each allocation


async def test_a_burst_of_arrivals_at_a_busy_site_is_decided_together_and_soon() -> None:
    # fifty cars fit at their 6 A minimum on the 320 A the 400 A service may carry
    runtime = SiteRuntime(
        _big_site(50), LoopSettings(tick_s=60.0, schedule=None), timer=SlowTimer()
    )
    links = {f"c{i}": RecordingLink() for i in range(50)}
    for charger_id, link in links.items():
        runtime.attach(charger_id, link, lease_s=120.0)
    decisions: list[float] = []
    evaluate = runtime.loop.evaluate

    def counted(now_s: float) -> list[Command]:
        decisions.append(now_s)
        return evaluate(now_s)

    runtime.loop.evaluate = counted  # type: ignore[method-assign]
    for charger_id in links:  # fifty cars plug in within one stretch of the event loop
        runtime.charger_reading(charger_id, ChargerReading(CarState.CONNECTED, offered_a=0))
    assert len(decisions) == 1, "the first arrival is decided at once"
    await asyncio.sleep(runtime.loop.settings.event_spacing_s * 3)
    assert len(decisions) == 2, "the other 49 are decided together, not one by one"
    assert all(link.commands for link in links.values()), "a car was left waiting for a tick"
    total_a = sum(link.commands[-1].offer_a for link in links.values())
    assert total_a <= 400 * 0.8 + 1e-6


async def test_at_a_small_site_a_spike_right_after_a_decision_is_cut_at_once() -> None:
    site = _big_site(2)
    site = replace(
        site, circuits=(replace(site.circuits[0], limit_a=40),), meters=(Meter("m", "main"),)
    )
    runtime = SiteRuntime(site, LoopSettings(tick_s=60.0, schedule=None))
    links = {"c0": RecordingLink(), "c1": RecordingLink()}
    for charger_id, link in links.items():
        runtime.attach(charger_id, link, lease_s=120.0)
    runtime.meter_sample("m", MeterSample(current_a=(0.0,)))
    for charger_id in links:
        runtime.charger_reading(charger_id, ChargerReading(CarState.CHARGING, offered_a=0))
    await asyncio.sleep(0.3)
    assert sum(link.commands[-1].offer_a for link in links.values()) > 30
    runtime.charger_reading("c0", ChargerReading(CarState.SUSPENDED, offered_a=0))
    runtime.charger_reading("c0", ChargerReading(CarState.CHARGING, offered_a=0))
    runtime.meter_sample("m", MeterSample(current_a=(30.0,)))  # the oven, right after
    # three times a fraction of a millisecond at most: the cut is out within 20 ms
    await asyncio.sleep(0.02)
    assert sum(link.commands[-1].offer_a for link in links.values()) <= 10 + 1e-6
