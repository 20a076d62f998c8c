"""What ampshare knows right now: the car at each charger and the meters' readings."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from ampshare.domain.errors import Problem, StateError
from ampshare.domain.site import Site


class CarState(StrEnum):
    NONE = "none"  # no car plugged in
    CONNECTED = "connected"  # plugged in, not drawing yet (J1772 state B)
    CHARGING = "charging"  # drawing current (state C)
    SUSPENDED = "suspended"  # plugged in, the car has stopped drawing (full, or its own schedule)
    OFFLINE = "offline"  # ampshare cannot reach the charger: it may draw what it last had


@dataclass(frozen=True)
class ChargerState:
    car: CarState = CarState.NONE
    measured_a: float | None = None  # the highest phase current the charger measures now
    offered_a: float | None = (
        None  # the offer the charger may be enforcing now (the higher if unsure)
    )
    offer_in_force: bool = True  # offline only: False once the last offer may have lapsed
    ev_max_a: float | None = None  # the car's own maximum, when known
    plugged_in_at: datetime | None = None
    # the control loop's word: a paused car stays paused a while (cars dislike on/off cycles)
    hold_paused: bool = False
    # the operator paused it (dashboard, MQTT): offered nothing until resumed
    operator_paused: bool = False
    # a charger that draws this, more than its offer, whatever it is told: counted as fixed
    fixed_draw_a: float | None = None
    # what a schedule that knows the drivers' needs wants this car to get now (the control
    # loop's planner); the allocation gives planned amounts first, then shares what is left
    planned_a: float | None = None
    # the control loop's word: its offer stays at this, since the change the allocation found
    # is smaller than the least it sends; counted at it, the others share the rest
    held_a: float | None = None


@dataclass(frozen=True)
class MeterReading:
    """A meter's reading: one current (1-phase) or one per line L1, L2, L3; power optional."""

    current_a: tuple[float, ...] | None = None
    power_w: float | None = None
    stale: bool = False  # no reading within its timeout: never read as zero load


@dataclass(frozen=True)
class SiteState:
    chargers: Mapping[str, ChargerState] = field(default_factory=dict)
    meters: Mapping[str, MeterReading] = field(default_factory=dict)
    # circuit id -> the watts its chargers and other load may use right now (the control
    # loop's reading of a demand limit); a circuit with a demand limit and no budget here
    # is held to the demand limit itself
    power_budget_w: Mapping[str, float] = field(default_factory=dict)

    def charger(self, charger_id: str) -> ChargerState:
        return self.chargers.get(charger_id, _NO_CAR)

    def meter(self, meter_id: str) -> MeterReading:
        """A meter with no reading at all is stale, never zero."""
        return self.meters.get(meter_id, _NO_READING)


_NO_CAR = ChargerState()
_NO_READING = MeterReading(stale=True)

# A reading above this is not a real current on any circuit ampshare manages.
ABSURD_CURRENT_A = 10_000.0


def _check_amps(where: str, name: str, value: float | None, problems: list[Problem]) -> None:
    if value is None:
        return
    if not math.isfinite(value) or value < 0 or value > ABSURD_CURRENT_A:
        problems.append(
            Problem(where, f"{name} must be a number of amps from 0 to 10000, got {value}")
        )


def validate_state(site: Site, state: SiteState) -> None:
    """Raise StateError listing every reading that does not fit the site."""
    problems: list[Problem] = []
    for charger_id, charger_state in state.chargers.items():
        where = f"charger {charger_id!r}"
        if charger_id not in site.chargers_by_id:
            problems.append(Problem(where, "no such charger in the site file"))
            continue
        _check_amps(where, "measured_a", charger_state.measured_a, problems)
        _check_amps(where, "offered_a", charger_state.offered_a, problems)
        _check_amps(where, "ev_max_a", charger_state.ev_max_a, problems)
        _check_amps(where, "fixed_draw_a", charger_state.fixed_draw_a, problems)
        _check_amps(where, "held_a", charger_state.held_a, problems)
    for meter_id, reading in state.meters.items():
        _check_meter(site, meter_id, reading, problems)
    for circuit_id, budget_w in state.power_budget_w.items():
        _check_budget(site, circuit_id, budget_w, problems)
    if problems:
        raise StateError(problems)


def _check_meter(site: Site, meter_id: str, reading: MeterReading, problems: list[Problem]) -> None:
    where = f"meter {meter_id!r}"
    meter = site.meters_by_id.get(meter_id)
    if meter is None:
        problems.append(Problem(where, "no such meter in the site file"))
        return
    if reading.current_a is not None:
        phases = site.circuits_by_id[meter.circuit].phases
        if len(reading.current_a) not in (1, phases):
            problems.append(Problem(where, f"current_a needs 1 value or {phases} (one per line)"))
        for value in reading.current_a:
            _check_amps(where, "current_a", value, problems)
    if reading.power_w is not None and not math.isfinite(reading.power_w):
        problems.append(Problem(where, f"power_w must be a finite number, got {reading.power_w}"))


def _check_budget(site: Site, circuit_id: str, budget_w: float, problems: list[Problem]) -> None:
    where = f"circuit {circuit_id!r}"
    circuit = site.circuits_by_id.get(circuit_id)
    if circuit is None:
        problems.append(Problem(where, "no such circuit in the site file"))
    elif circuit.demand_limit_w is None and circuit.max_power_w is None:
        problems.append(
            Problem(
                where,
                "power_budget_w applies only to a circuit with a demand limit or a power cap "
                "(demand_limit_kw or max_power_kw in the site file)",
            )
        )
    if not math.isfinite(budget_w) or budget_w < 0:
        problems.append(
            Problem(where, f"power_budget_w must be a number of watts, 0 or more, got {budget_w}")
        )
