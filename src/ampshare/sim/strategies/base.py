"""What every baseline strategy shares: it follows the chargers' readings (which have a car, since
when, what they draw), recomputes its offers only when something it uses has changed, and sends
what changed at once, cuts and raises together, without a lease.

That last part is the point of a baseline: these are the ways people share a circuit today,
without ampshare's safety sequencing, so a comparison shows where they overload a circuit.
"""

from __future__ import annotations

import logging
import math
from abc import ABC, abstractmethod
from typing import ClassVar

from ampshare.control.readings import ChargerReading, Command, MeterSample
from ampshare.domain import CarState, Site
from ampshare.domain.network import compile_network

logger = logging.getLogger(__name__)

# A charger still showing another offer this long after one was sent has lost it (it reset
# itself when its car left, or was offline when it was sent): send it again. Longer than a
# charger takes to apply an offer and report it.
RESEND_AFTER_S = 10.0
_SAME_OFFER_A = 0.05


class BaselineStrategy(ABC):
    """A Controller (see sim/controller.py) that offers what _compute_offers() says.

    Subclasses say when their offers must be recomputed (_reading_matters) and what they are
    (_compute_offers: charger index -> amps; a charger left out is not commanded).
    """

    name: ClassVar[str]
    description: ClassVar[str]
    # a new offer this close to the one the charger holds is not sent
    min_change_a: ClassVar[float] = _SAME_OFFER_A

    def __init__(self, site: Site) -> None:
        self.site = site
        self.network = compile_network(site)
        self._index = {charger_id: i for i, charger_id in enumerate(self.network.charger_ids)}
        count = len(self.network.charger_ids)
        self.readings: list[ChargerReading | None] = [None] * count
        self.plugged_in_at_s: list[float | None] = [None] * count
        self._offers_a: dict[int, float] = {}
        self._sent_a: list[float | None] = [None] * count
        self._sent_at_s: list[float] = [-math.inf] * count
        self._recompute = True
        self._recompute_at_s = math.inf  # a time at which the offers change by themselves
        self._resend: set[int] = set()

    # the Controller protocol ----------------------------------------------------------------

    def charger_reading(
        self, charger_id: str, reading: ChargerReading, now_s: float
    ) -> list[Command]:
        i = self._index[charger_id]
        previous = self.readings[i]
        self.readings[i] = reading
        has_car = reading.car is not CarState.NONE
        cars_changed = has_car != (self.plugged_in_at_s[i] is not None)
        if cars_changed:
            self.plugged_in_at_s[i] = now_s if has_car else None
            if not has_car:
                # a charger restarts at its own default when its car leaves
                self._forget_offer(i)
        if self._reading_matters(i, previous, reading, cars_changed):
            self._recompute = True
        self._check_offer_held(i, reading, now_s)
        return []

    def charger_lost(self, charger_id: str, now_s: float) -> list[Command]:
        # a baseline knows nothing of offline chargers: it goes on as before
        return []

    def meter_sample(self, meter_id: str, sample: MeterSample, now_s: float) -> list[Command]:
        return []

    def tick(self, now_s: float) -> list[Command]:
        if self._recompute or now_s >= self._recompute_at_s:
            self._recompute = False
            self._recompute_at_s = math.inf
            self._resend.clear()
            self._offers_a = self._compute_offers(now_s)
            candidates: list[int] = list(self._offers_a)
        elif self._resend:
            candidates = sorted(self._resend)
            self._resend.clear()
        else:
            return []
        commands = []
        for i in candidates:
            offer_a = self._offers_a.get(i)
            if offer_a is None or self.held_offer_a(i, offer_a) == self._sent_a[i]:
                continue
            self._sent_a[i] = offer_a
            self._sent_at_s[i] = now_s
            commands.append(Command(self.network.charger_ids[i], offer_a, None))
        return commands

    # for subclasses -------------------------------------------------------------------------

    @abstractmethod
    def _reading_matters(
        self, i: int, previous: ChargerReading | None, reading: ChargerReading, cars_changed: bool
    ) -> bool:
        """Whether this reading of charger i may change the offers."""

    @abstractmethod
    def _compute_offers(self, now_s: float) -> dict[int, float]:
        """The offer of every charger to command, by index."""

    def mark_for_recompute(self, at_s: float | None = None) -> None:
        """Recompute the offers at the next tick, or at the first tick from at_s on."""
        if at_s is None:
            self._recompute = True
        else:
            self._recompute_at_s = min(self._recompute_at_s, at_s)

    def cars_in_plug_in_order(self) -> list[int]:
        """The chargers with a car, the earliest first (ties: in site-file order)."""
        with_car = [(t, i) for i, t in enumerate(self.plugged_in_at_s) if t is not None]
        return [i for _, i in sorted(with_car)]

    def measured_a(self, i: int) -> float:
        """What charger i drew at its latest reading (0 if it never said)."""
        reading = self.readings[i]
        return 0.0 if reading is None or reading.measured_a is None else reading.measured_a

    def held_offer_a(self, i: int, offer_a: float) -> float:
        """What charger i will hold if offered offer_a: its current offer if the change is too
        small to be sent."""
        sent_a = self._sent_a[i]
        if sent_a is not None and abs(offer_a - sent_a) < self.min_change_a:
            return sent_a
        return offer_a

    # private --------------------------------------------------------------------------------

    def _forget_offer(self, i: int) -> None:
        self._sent_a[i] = None
        self._resend.add(i)

    def _check_offer_held(self, i: int, reading: ChargerReading, now_s: float) -> None:
        sent_a = self._sent_a[i]
        if sent_a is None or reading.offered_a is None:
            return
        if abs(reading.offered_a - sent_a) <= _SAME_OFFER_A:
            return
        if now_s - self._sent_at_s[i] >= RESEND_AFTER_S:
            logger.debug(
                "%s holds %.1f A, not the %.1f A sent: sending it again",
                self.network.charger_ids[i],
                reading.offered_a,
                sent_a,
            )
            self._forget_offer(i)
