"""Equal split: the circuit's limit divided equally among the cars plugged in."""

from __future__ import annotations

from typing import ClassVar

from ampshare.control.readings import ChargerReading
from ampshare.sim.strategies.base import BaselineStrategy
from ampshare.sim.strategies.limits import equal_shares_a, floor_to

TENTHS_PER_A = 10.0
_FITS_SLACK = 1e-9


class EqualSplit(BaselineStrategy):
    """The simplest vendor "power sharing": dual-port chargers and paired wall boxes that split
    their circuit evenly between the cars plugged in, and re-split when a car comes or goes.

    Each charger with a car (connected, charging or suspended alike) gets the smallest of its
    shares of the circuits above it: a circuit's continuous limit divided among the chargers
    with a car under it, each counted at its |coefficient| (per line on 3-phase circuits; power
    caps likewise), floored to 0.1 A and capped at its rating. The split is recomputed only when
    a car arrives or leaves: what a tapering, finished or slower car leaves unused is not given
    to the others. Where a share is below a charger's minimum, the cars that arrived first get
    their minimum each as long as every circuit above them still fits, the rest 0 A. Chargers
    without a car are not commanded: a new car starts at its charger's own default.
    """

    name: ClassVar[str] = "equal split"
    description: ClassVar[str] = "limit / cars plugged in, re-split only when a car comes or goes"

    def _reading_matters(
        self, i: int, previous: ChargerReading | None, reading: ChargerReading, cars_changed: bool
    ) -> bool:
        return cars_changed

    def _compute_offers(self, now_s: float) -> dict[int, float]:
        chargers = self.site.chargers
        cars = self.cars_in_plug_in_order()
        shares = equal_shares_a(self.network, cars)
        offers: dict[int, float] = {}
        starved: list[int] = []
        for i in cars:
            offer_a = floor_to(min(shares[i], chargers[i].max_current_a), TENTHS_PER_A)
            if offer_a >= chargers[i].min_current_a:
                offers[i] = offer_a
            else:
                starved.append(i)
        load = [0.0] * len(self.network.constraints)
        for i, offer_a in offers.items():
            for k, coeff in self.network.terms[i]:
                load[k] += abs(coeff) * offer_a
        for i in starved:  # in plug-in order: the first to arrive are served first
            min_a = chargers[i].min_current_a
            terms = self.network.terms[i]
            fits = all(
                load[k] + abs(coeff) * min_a <= self.network.constraints[k].limit + _FITS_SLACK
                for k, coeff in terms
            )
            offers[i] = min_a if fits else 0.0
            if fits:
                for k, coeff in terms:
                    load[k] += abs(coeff) * min_a
        return offers
