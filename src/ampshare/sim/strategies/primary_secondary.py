"""Primary/secondary: the OpenEVSE recipe of seed 004, generalised to chains of chargers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ampshare.control.readings import ChargerReading
from ampshare.domain import Site
from ampshare.sim.strategies.base import BaselineStrategy
from ampshare.sim.strategies.limits import floor_to, most_current_a

WHOLE_AMPS = 1.0  # an OpenEVSE sets its charge current in whole amps
# The OpenEVSE current shaper's own damping: a paused charger stays paused this long, and
# resumes only once the room is this much above its minimum.
MIN_PAUSE_S = 300.0
RESUME_HYSTERESIS_A = 0.5
# a draw that moved less than this since the offers were computed cannot move a whole amp
_DRAW_DEADBAND_A = 0.1


class PrimarySecondary(BaselineStrategy):
    """Seed 004, "Two OpenEVSE one circuit": the primary's maximum current is set for good to
    the circuit's limit minus 6 A; the secondary's current shaper offers the limit minus what the
    primary is measured to draw, so it always has its 6 A and takes whatever the primary leaves.
    The measurement is the primary's latest reading, so the secondary lags: when the primary's
    car ramps up, the circuit is overloaded until the secondary's next offer lands and its car
    follows.

    Generalised as a chain in site-file order, on every constraint a charger is on (each
    circuit above it, per line on 3-phase circuits, and power caps): a charger may have what
    the measured draws of the chargers before it leave, less the minimum (6 A) of each
    charger after it, car or no car, as the recipe's primary keeps its 6 A from the secondary
    whether a car is there or not (it cannot tell). With two chargers this is the recipe
    exactly: the first gets limit - 6 A, the second limit minus the first one's draw. On
    3-phase lines the draws and the charger's own current are added as phasors. The offer is
    the smallest over its constraints, capped at its rating and floored to whole amps. Below
    the charger's minimum the shaper pauses it (0 A), and as OpenEVSE's shaper does, keeps it
    paused for at least MIN_PAUSE_S and until the room is RESUME_HYSTERESIS_A above the
    minimum. Every charger is commanded, car or no car: a shaper runs all the time.

    Left out: the recipe also caps the secondary at limit - 6 A (its maximum current setting;
    here it gets all the first one leaves), and the shaper's smoothing of the measured power.
    Non-EV load is not counted: the recipe's CT clamp sits on a dedicated EV circuit.
    """

    name: ClassVar[str] = "primary/secondary"
    description: ClassVar[str] = (
        "first charger capped at limit - 6 A, the next ones get what the earlier ones leave"
    )

    def __init__(self, site: Site) -> None:
        super().__init__(site)
        chargers = site.chargers
        # a constraint with one charger on it is a fixed cap; the others are chains, each
        # member with the limit less what it leaves for those after it: their minimum
        self._cap_a = [charger.max_current_a for charger in chargers]
        self._chains: list[_Chain] = []
        for constraint in self.network.constraints:
            members, coeffs = constraint.members, constraint.coeffs
            if len(members) == 1:
                cap_a = most_current_a(0j, coeffs[0], constraint.limit)
                self._cap_a[members[0]] = min(self._cap_a[members[0]], cap_a)
                continue
            limits = [0.0] * len(members)
            reserved = 0.0
            for pos in range(len(members) - 1, -1, -1):
                limits[pos] = constraint.limit - reserved
                reserved += abs(coeffs[pos]) * chargers[members[pos]].min_current_a
            self._chains.append(_Chain(members, coeffs, tuple(limits)))
        self._draw_used_a = [0.0] * len(chargers)  # the draws the offers were computed with
        self._paused_since_s: list[float | None] = [None] * len(chargers)

    def _reading_matters(
        self, i: int, previous: ChargerReading | None, reading: ChargerReading, cars_changed: bool
    ) -> bool:
        return (
            previous is None or abs(self.measured_a(i) - self._draw_used_a[i]) >= _DRAW_DEADBAND_A
        )

    def _compute_offers(self, now_s: float) -> dict[int, float]:
        room_a = self._rooms_a()
        offers: dict[int, float] = {}
        for i, charger in enumerate(self.site.chargers):
            if self.readings[i] is not None:
                offers[i] = self._shape(i, room_a[i], charger.min_current_a, now_s)
        return offers

    def _rooms_a(self) -> list[float]:
        """What each charger may have: the least any of its chains leaves it, up to its cap."""
        self._draw_used_a = draws = [self.measured_a(i) for i in range(len(self.site.chargers))]
        room_a = list(self._cap_a)
        for chain in self._chains:
            drawn: complex = 0j
            for i, coeff, limit in zip(chain.members, chain.coeffs, chain.limits, strict=True):
                # by the triangle inequality it cannot bind while this holds: skip the root
                if limit - abs(drawn) < room_a[i] * abs(coeff):
                    room_a[i] = min(room_a[i], most_current_a(drawn, coeff, limit))
                drawn += coeff * draws[i]
        return room_a

    def _shape(self, i: int, room_a: float, min_a: float, now_s: float) -> float:
        """The shaper's offer for room_a: whole amps, or a pause that lasts a while."""
        offer_a = floor_to(room_a, WHOLE_AMPS)
        paused_since_s = self._paused_since_s[i]
        if offer_a < min_a:
            if paused_since_s is None:
                self._paused_since_s[i] = now_s
            return 0.0
        if paused_since_s is not None:
            resume_s = paused_since_s + MIN_PAUSE_S
            if now_s < resume_s:
                self.mark_for_recompute(at_s=resume_s)
                return 0.0
            if room_a - min_a < RESUME_HYSTERESIS_A:
                return 0.0
            self._paused_since_s[i] = None
        return offer_a


@dataclass(frozen=True)
class _Chain:
    """A constraint with several chargers, in site order, with what each may fill it to."""

    members: tuple[int, ...]
    coeffs: tuple[complex, ...]
    limits: tuple[float, ...]
