"""What each car may use: its floor (the minimum, or paused) and its ceiling, with the reason."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from ampshare.domain.site import Charger
from ampshare.domain.state import CarState, ChargerState
from ampshare.domain.units import fmt_a

# A car draws "clearly less" than its offer when the gap is above this (cars draw ~95 %).
_TAPER_GAP_MIN_A = 2.0
_TAPER_GAP_SHARE = 0.10
# A tapering car is capped this far above what it draws; always more than the gap above,
# so that a capped car stays capped while it draws the same, and wins its share back as
# soon as it draws near its new cap.
_TAPER_HEADROOM_MIN_A = 2.5
_TAPER_HEADROOM_SHARE = 0.15

_NOT_DRAWING_YET = (CarState.CONNECTED, CarState.SUSPENDED)


class Ceiling(Enum):
    """What sets a car's ceiling; the reason text is made from it only when it is read."""

    RATING = "rating"  # the charger's own rating
    CAR_MAXIMUM = "car maximum"  # the car's own maximum
    WAITING = "waiting"  # not started or not drawing: held at its minimum
    TAPERING = "tapering"  # draws clearly less than offered: capped a little above its draw

    @property
    def by(self) -> str:
        """The limited_by of a car that reaches this ceiling: "charger" or "car"."""
        return "charger" if self is Ceiling.RATING else "car"


@dataclass(frozen=True)
class Demand:
    floor_a: float  # the minimum: the car gets at least this or is paused
    ceiling_a: float  # the most it can use now
    ceiling_by: str  # "charger" or "car"
    ceiling_reason: str


def draws_clearly_less(measured_a: float, offered_a: float) -> bool:
    gap_a = max(_TAPER_GAP_MIN_A, _TAPER_GAP_SHARE * offered_a)
    return offered_a - measured_a > gap_a


def taper_cap_a(measured_a: float) -> float:
    return measured_a + max(_TAPER_HEADROOM_MIN_A, _TAPER_HEADROOM_SHARE * measured_a)


def demand(charger: Charger, state: ChargerState) -> Demand:
    """The floor and ceiling of a charger with a car (connected, charging or suspended)."""
    floor_a, ceiling_a, why = bounds(charger, state)
    return Demand(floor_a, ceiling_a, why.by, ceiling_reason(why, charger, state))


def bounds(charger: Charger, state: ChargerState) -> tuple[float, float, Ceiling]:
    """demand() without the reason text: (floor, ceiling, what sets the ceiling).

    The allocator calls this for every car on every allocation, so it makes no strings.
    """
    floor_a = charger.min_current_a
    ceiling_a = charger.max_current_a
    why = Ceiling.RATING
    ev_max_a = state.ev_max_a
    if ev_max_a is not None and ev_max_a < ceiling_a:
        ceiling_a = ev_max_a
        why = Ceiling.CAR_MAXIMUM
    measured_a = state.measured_a
    if state.car in _NOT_DRAWING_YET and (measured_a is None or measured_a < floor_a / 2):
        return floor_a, floor_a, Ceiling.WAITING
    offered_a = state.offered_a
    if (
        measured_a is not None
        and offered_a is not None
        and draws_clearly_less(measured_a, offered_a)
    ):
        cap_a = max(floor_a, taper_cap_a(measured_a))
        if cap_a < ceiling_a:
            ceiling_a = cap_a
            why = Ceiling.TAPERING
    return floor_a, max(floor_a, ceiling_a), why


def ceiling_reason(why: Ceiling, charger: Charger, state: ChargerState) -> str:
    """Why a car's ceiling is what bounds() found (why must be what it returned)."""
    floor_a = charger.min_current_a
    if why is Ceiling.RATING:
        return f"the charger's own rating of {fmt_a(charger.max_current_a)}"
    if why is Ceiling.CAR_MAXIMUM:
        assert state.ev_max_a is not None
        return f"the car takes at most {fmt_a(state.ev_max_a)}"
    if why is Ceiling.WAITING:
        verb = "has not started" if state.car is CarState.CONNECTED else "is not drawing"
        return f"the car {verb}: it holds its {fmt_a(floor_a)} minimum until it draws"
    measured_a, offered_a = state.measured_a, state.offered_a
    assert measured_a is not None and offered_a is not None
    cap_a = max(floor_a, taper_cap_a(measured_a))
    return (
        f"the car draws {fmt_a(measured_a)} of its {fmt_a(offered_a)} offer: "
        f"capped at {fmt_a(cap_a)} so the others can use the rest"
    )
