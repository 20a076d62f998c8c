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
    # what the driver asked for, when the charger knows it (OCPP 2.0.1 NotifyEVChargingNeeds,
    # an app): when the car leaves (same time base as now_s) and the energy wanted in all
    # this session (energy_wh of it is delivered)
    departure_s: float | None = None
    energy_wanted_wh: float | None = None


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
