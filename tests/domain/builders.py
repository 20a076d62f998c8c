"""Small helpers to write sites and states in tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ampshare.domain import CarState, Charger, ChargerState, Circuit, Site

T0 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def charging(
    measured_a: float | None = None, offered_a: float | None = None, minute: int = 0
) -> ChargerState:
    return ChargerState(
        CarState.CHARGING,
        measured_a=measured_a,
        offered_a=offered_a,
        plugged_in_at=T0 + timedelta(minutes=minute),
    )


def seed_site(breaker_a: float = 50, chargers: int = 2, rating_a: float = 40) -> Site:
    """Seed 000: JuiceBoxes sharing one circuit."""
    names = ["left", "right", "third", "fourth"][:chargers]
    return Site(
        "seed",
        240,
        (Circuit("garage", breaker_a),),
        tuple(Charger(name, "garage", rating_a) for name in names),
    )
