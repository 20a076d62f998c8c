"""Static split: every charger permanently gets its share of the wiring, car or no car."""

from __future__ import annotations

from typing import ClassVar

from ampshare.control.readings import ChargerReading
from ampshare.domain import Site
from ampshare.sim.strategies.base import BaselineStrategy
from ampshare.sim.strategies.limits import equal_shares_a, floor_to

TENTHS_PER_A = 10.0


class StaticSplit(BaselineStrategy):
    """Traditional wiring, as in seed 003: "to power four EVSEs off 80A of capacity, you
    provision 20A to each EVSE" (a breaker each, or each charger's rating switch set to its part).

    Every charger gets, once and for good, the smallest of its shares of the circuits above it:
    a circuit's continuous limit divided by the number of chargers under it, each counted at
    its |coefficient| on the conductor (on a 3-phase circuit, per line: a line-to-line charger
    counts on both its lines; a power cap is shared likewise, in watts). The share is floored to
    0.1 A and capped at the charger's rating. It is sent after each charger's first reading and
    never changed; a charger that forgot it (it resets itself when a car leaves) is told again.
    A share below the charger's minimum means that charger can never charge: it is offered 0 A.
    """

    name: ClassVar[str] = "static split"
    description: ClassVar[str] = "each charger permanently gets limit / chargers, car or no car"

    def __init__(self, site: Site) -> None:
        super().__init__(site)
        shares = equal_shares_a(self.network, range(len(site.chargers)))
        self.share_a = {i: self._offer_a(i, share_a) for i, share_a in shares.items()}

    def _offer_a(self, i: int, share_a: float) -> float:
        charger = self.site.chargers[i]
        offer_a = floor_to(min(share_a, charger.max_current_a), TENTHS_PER_A)
        return offer_a if offer_a >= charger.min_current_a else 0.0

    def _reading_matters(
        self, i: int, previous: ChargerReading | None, reading: ChargerReading, cars_changed: bool
    ) -> bool:
        return previous is None  # a charger is set up when it is first heard of

    def _compute_offers(self, now_s: float) -> dict[int, float]:
        return {i: share_a for i, share_a in self.share_a.items() if self.readings[i] is not None}
