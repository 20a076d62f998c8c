"""What each car may use: its floor (the minimum, or paused) and its ceiling, with the reason."""

from __future__ import annotations

from dataclasses import dataclass

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
    floor_a = charger.min_current_a
    ceiling_a = charger.max_current_a
    by, reason = "charger", f"the charger's own rating of {fmt_a(ceiling_a)}"
    if state.ev_max_a is not None and state.ev_max_a < ceiling_a:
        ceiling_a = state.ev_max_a
        by, reason = "car", f"the car takes at most {fmt_a(ceiling_a)}"
    if state.car in (CarState.CONNECTED, CarState.SUSPENDED) and (
        state.measured_a is None or state.measured_a < floor_a / 2
    ):
        verb = "has not started" if state.car is CarState.CONNECTED else "is not drawing"
        return Demand(
            floor_a,
            floor_a,
            "car",
            f"the car {verb}: it holds its {fmt_a(floor_a)} minimum until it draws",
        )
    measured_a, offered_a = state.measured_a, state.offered_a
    if (
        measured_a is not None
        and offered_a is not None
        and draws_clearly_less(measured_a, offered_a)
    ):
        cap_a = max(floor_a, taper_cap_a(measured_a))
        if cap_a < ceiling_a:
            ceiling_a = cap_a
            by = "car"
            reason = (
                f"the car draws {fmt_a(measured_a)} of its {fmt_a(offered_a)} offer: "
                f"capped at {fmt_a(cap_a)} so the others can use the rest"
            )
    return Demand(floor_a, max(floor_a, ceiling_a), by, reason)
