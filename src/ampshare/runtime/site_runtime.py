"""SiteRuntime: one site's control loop on the wall clock, behind the device interfaces.

Adapters report readings and events through it (it is their LoopPort); it asks the loop what to
do with the time from its clock and hands each command to the link of the charger it is for.
Everything runs on one asyncio event loop, so the control loop is never entered twice at once.
An input that needs a decision gets one at once, unless the loop is busy: after an allocation
that took d seconds, the next one waits until 3 d have passed (at most event_spacing_s), and
the inputs of that stretch are decided together. A home's allocation takes a fraction of a
millisecond, so its cuts go out at once; a thousand cars arriving at a garage whose allocation
takes 30 ms are a few allocations a second, not a thousand, and the chargers' answers never
wait long behind them.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable

from ampshare.control.loop import ControlLoop
from ampshare.control.readings import ChargerReading, Command, MeterSample
from ampshare.control.settings import LoopSettings
from ampshare.devices.interfaces import ChargerLink
from ampshare.domain import Charger, Site

logger = logging.getLogger(__name__)

Listener = Callable[[float], None]

# events keep the loop allocating at most a quarter of the time: see the module doc
_BUSY_FACTOR = 3.0


class SiteRuntime:
    def __init__(
        self,
        site: Site,
        settings: LoopSettings | None = None,
        clock: Callable[[], float] = time.time,
        timer: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.loop = ControlLoop(site, settings)
        self._clock = clock
        self._timer = timer  # how long an allocation takes (processor-bound: a fast clock)
        self._busy_s = 0.0  # how long the last one took
        self._links: dict[str, ChargerLink] = {}
        self._listeners: list[Listener] = []
        self.commands_sent = 0
        self._decision: asyncio.TimerHandle | None = None  # a decision on its way

    @property
    def site(self) -> Site:
        return self.loop.site

    def now_s(self) -> float:
        return self._clock()

    def linked(self, charger_id: str) -> bool:
        return charger_id in self._links

    def subscribe(self, listener: Listener) -> None:
        """Call listener(now_s) after every input and tick (state publishers, the dashboard);
        a listener that publishes keeps its own pace."""
        self._listeners.append(listener)

    # LoopPort ------------------------------------------------------------------------------

    def attach(self, charger_id: str, link: ChargerLink, lease_s: float | None) -> None:
        self.loop.set_lease_s(charger_id, lease_s)
        self._links[charger_id] = link
        logger.info("charger %s connected", charger_id)

    def detach(self, charger_id: str, link: ChargerLink) -> None:
        if self._links.get(charger_id) is not link:
            return  # an older connection closing after a newer one took its place
        del self._links[charger_id]
        self.loop.lose_charger(charger_id)
        self._decide(due=True)

    def charger_reading(self, charger_id: str, reading: ChargerReading) -> None:
        self._decide(self.loop.observe_charger(charger_id, reading, self.now_s()))

    def meter_sample(self, meter_id: str, sample: MeterSample) -> None:
        self._decide(self.loop.observe_meter(meter_id, sample, self.now_s()))

    def meter_lost(self, meter_id: str) -> None:
        self.loop.lose_meter(meter_id)
        self._decide(due=True)

    def offer_refused(self, charger_id: str, offer_a: float) -> None:
        self.loop.refuse_offer(charger_id, offer_a)
        self._decide(due=True)

    def _decide(self, due: bool) -> None:
        """Decide now, or soon with whatever else arrives meanwhile (see the module doc)."""
        if not due:
            self._heard()
        elif self._decision is None:
            last_s = self.loop.last_evaluation_s
            spacing_s = min(self.loop.settings.event_spacing_s, _BUSY_FACTOR * self._busy_s)
            wait_s = 0.0 if last_s is None else last_s + spacing_s - self.now_s()
            try:
                events = asyncio.get_running_loop()
            except RuntimeError:  # driven by hand, not on an event loop: nothing to wait on
                wait_s = 0.0
            if wait_s <= 0 or wait_s > spacing_s:  # a clock set back decides now
                self._decide_now()
            else:
                self._decision = events.call_later(wait_s, self._decide_now)

    def _decide_now(self) -> None:
        self._decision = None
        self._apply(self._timed(self.loop.evaluate))

    def _timed(self, decide: Callable[[float], list[Command]]) -> list[Command]:
        before_s = self.loop.last_evaluation_s
        started = self._timer()
        commands = decide(self.now_s())
        if self.loop.last_evaluation_s != before_s:  # it allocated (a tick may not)
            self._busy_s = self._timer() - started
        return commands

    # the operator and site changes ----------------------------------------------------------

    def set_paused(self, charger_id: str, paused: bool) -> None:
        self._apply(self.loop.set_paused(charger_id, paused, self.now_s()))

    def set_priority(self, charger_id: str, priority: int) -> None:
        self._apply(self.loop.set_priority(charger_id, priority, self.now_s()))

    def add_charger(self, charger: Charger) -> None:
        """A charger joins while running (OCPP auto-registration); SiteChangeError if it
        cannot."""
        self._apply(self.loop.add_charger(charger, self.now_s()))

    # time ----------------------------------------------------------------------------------

    def tick(self) -> None:
        if self._decision is not None:  # a decision was on its way: this is it
            self._decision.cancel()
            self._decide_now()
        else:
            self._apply(self._timed(self.loop.tick))

    async def run(self) -> None:
        """Tick the loop on its tick_s grid until cancelled."""
        tick_s = self.loop.settings.tick_s
        while True:
            self.tick()
            now_s = self.now_s()
            await asyncio.sleep(max(0.0, (math.floor(now_s / tick_s) + 1) * tick_s - now_s))

    def _apply(self, commands: list[Command]) -> None:
        for command in commands:
            link = self._links.get(command.charger_id)
            if link is None:
                # it counts as offline, at its worst case, until it is back
                logger.debug("charger %s is not connected: offer not sent", command.charger_id)
                continue
            self.commands_sent += 1
            link.deliver(command)
        self._heard()

    def _heard(self) -> None:
        if self.loop.last_evaluation_s is not None:
            for listener in self._listeners:
                listener(self.now_s())
