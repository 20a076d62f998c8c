"""What devices tell the control loop, and what it tells them. Times are seconds (float):
since the epoch in the server, since the start of a scenario in the simulator."""

from __future__ import annotations

from dataclasses import dataclass

from ampshare.domain import CarState


@dataclass(frozen=True)
class ChargerReading:
    """One report from a charger."""

    car: CarState  # never OFFLINE: the loop decides that from silence
    measured_a: float | None = None  # highest phase current the charger measures
    offered_a: float | None = None  # the offer the charger says it enforces now
    energy_wh: float | None = None  # delivered in this session
    ev_max_a: float | None = None  # the car's own maximum, when the charger knows it


@dataclass(frozen=True)
class MeterSample:
    """One reading of a meter: one current (1-phase) or one per line; power optional."""

    current_a: tuple[float, ...] | None = None
    power_w: float | None = None


@dataclass(frozen=True)
class Command:
    """Set a charger's offer. lease_s: the charger should drop to its fallback by itself if it
    hears nothing more from ampshare within this many seconds (None: no lease)."""

    charger_id: str
    offer_a: float
    lease_s: float | None
