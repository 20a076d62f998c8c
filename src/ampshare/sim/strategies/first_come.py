"""First come, first served: each car in plug-in order takes all it may."""

from __future__ import annotations

from typing import ClassVar

from ampshare.control.readings import ChargerReading, Command, MeterSample
from ampshare.domain import Site
from ampshare.sim.strategies.base import BaselineStrategy
from ampshare.sim.strategies.limits import floor_to, most_current_a
from ampshare.sim.strategies.metering import meters_constraint, other_load, units_per_amp

TENTHS_PER_A = 10.0
# evcc's default control cycle: the meters' non-EV load is re-evaluated this often
CYCLE_S = 30.0
# a meter's other load moving less than this (in amps) is not worth a new allocation
_ROOM_TOLERANCE_A = 0.1


class FirstComeGreedy(BaselineStrategy):
    """What evcc's circuit load management amounts to (circuits with a maximum current or
    power, nested, an optional meter each): the charging point that took current first keeps
    it, and the others share what is left.

    When a car arrives or leaves, the cars in plug-in order (the first reading that showed a
    car; connected, charging or suspended alike) each get the most, up to their rating, that
    keeps every constraint within its limit given the offers of the cars before them (phasor
    sums on 3-phase lines, watts on power caps), floored to 0.1 A; a car left with less than
    its minimum gets 0 A, and a later car may still fit. Offers are never redistributed from a
    car that draws less, and only changes of 1 A or more are sent. Chargers without a car are
    not commanded.

    Where a circuit has a meter, the room is its limit minus the non-EV load: the latest meter
    reading minus what the chargers under it measured at their latest readings. That is
    re-evaluated once per control cycle of CYCLE_S, evcc's default interval: its docs warn that
    shorter cycles make the regulation oscillate, and so they do here, the meter seeing a car's
    new draw before the car's own reading does. So a house load that jumps is answered up to
    a cycle late, and a reading taken while a car ramps can misjudge the house for a cycle.
    """

    name: ClassVar[str] = "first come, first served"
    description: ClassVar[str] = "cars in plug-in order each take all that still fits"
    min_change_a: ClassVar[float] = 1.0

    def __init__(self, site: Site) -> None:
        super().__init__(site)
        constraints = self.network.constraints
        self._room = [k.limit for k in constraints]
        self._room_used = list(self._room)  # the rooms the offers were computed with
        metered = {meter.circuit: meter.id for meter in site.meters}
        self._metered: dict[str, list[int]] = {meter.id: [] for meter in site.meters}
        for k, constraint in enumerate(constraints):
            meter_id = metered.get(constraint.circuit_id)
            if meter_id is not None and meters_constraint(constraint):
                self._metered[meter_id].append(k)
        self._samples: dict[str, MeterSample] = {}  # the latest from each meter
        self._next_cycle_s = 0.0

    def meter_sample(self, meter_id: str, sample: MeterSample, now_s: float) -> list[Command]:
        self._samples[meter_id] = sample
        return []

    def tick(self, now_s: float) -> list[Command]:
        if self._samples and now_s >= self._next_cycle_s:
            self._next_cycle_s = now_s + CYCLE_S
            self._update_rooms()
        return super().tick(now_s)

    def _update_rooms(self) -> None:
        """The room the meters leave on their constraints; a new allocation if it moved."""
        measured_a = [self.measured_a(i) for i in range(len(self.site.chargers))]
        for meter_id, sample in self._samples.items():
            for k in self._metered[meter_id]:
                constraint = self.network.constraints[k]
                other = other_load(self.site, constraint, sample, measured_a)
                self._room[k] = constraint.limit - other
                tolerance = _ROOM_TOLERANCE_A * units_per_amp(self.site, constraint)
                if abs(self._room[k] - self._room_used[k]) >= tolerance:
                    self.mark_for_recompute()

    def _reading_matters(
        self, i: int, previous: ChargerReading | None, reading: ChargerReading, cars_changed: bool
    ) -> bool:
        return cars_changed  # draws count through the meters, at the next cycle

    def _compute_offers(self, now_s: float) -> dict[int, float]:
        chargers = self.site.chargers
        constraints = self.network.constraints
        self._room_used = list(self._room)
        load: list[complex] = [0j] * len(constraints)
        offers: dict[int, float] = {}
        for i in self.cars_in_plug_in_order():
            terms = self.network.terms[i]
            most_a = chargers[i].max_current_a
            for k, coeff in terms:
                most_a = min(most_a, most_current_a(load[k], coeff, self._room[k]))
            offer_a = floor_to(most_a, TENTHS_PER_A)
            if offer_a < chargers[i].min_current_a:
                offer_a = 0.0
            # the offer in force is what later cars see: a change under 1 A is not sent
            offer_a = self.held_offer_a(i, offer_a)
            offers[i] = offer_a
            for k, coeff in terms:
                load[k] += coeff * offer_a
        return offers
