"""What the rest of each circuit leaves for the chargers: meters' non-EV load, offline chargers
counted at what they may still draw, and stale meters replaced by a safe budget."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from ampshare.domain.network import Constraint, ConstraintKind, Network
from ampshare.domain.phases import LINES, SQRT3
from ampshare.domain.site import Circuit
from ampshare.domain.state import CarState, ChargerState, MeterReading, SiteState


class MeterStatus(StrEnum):
    NONE = "none"
    FRESH = "fresh"
    STALE = "stale"


@dataclass(frozen=True)
class ConstraintEnvironment:
    room: float  # what EV chargers may use on it: limit minus other load, or the safe budget
    other_load: float  # non-EV load (A or W) the meter shows beyond the chargers, never < 0
    meter: MeterStatus
    meter_id: str | None


def offline_load_a(state: ChargerState, fallback_a: float) -> float:
    """What an unreachable charger may still be drawing: its last offer while that may be in
    force, else its fallback."""
    if state.offer_in_force and state.offered_a is not None:
        return state.offered_a
    return fallback_a


def safe_budget_a(network: Network, constraint: Constraint, circuit: Circuit) -> float:
    """The EV budget of a circuit whose meter is stale: configured, else the sum of fallbacks."""
    if circuit.safe_budget_a is not None:
        return min(circuit.safe_budget_a, constraint.limit)
    chargers = network.site.chargers
    total = sum(
        abs(c) * chargers[i].fallback_current_a
        for i, c in zip(constraint.members, constraint.coeffs, strict=True)
    )
    return min(total, constraint.limit)


def environments(network: Network, state: SiteState) -> list[ConstraintEnvironment]:
    site = network.site
    meter_by_circuit = {meter.circuit: meter for meter in site.meters}
    charger_states = [state.charger(charger_id) for charger_id in network.charger_ids]
    result = []
    for constraint in network.constraints:
        meter = meter_by_circuit.get(constraint.circuit_id)
        if meter is None:
            result.append(ConstraintEnvironment(constraint.limit, 0.0, MeterStatus.NONE, None))
            continue
        reading = state.meter(meter.id)
        circuit = site.circuits_by_id[constraint.circuit_id]
        if reading.stale or (reading.current_a is None and reading.power_w is None):
            room = constraint.limit
            if constraint.kind is ConstraintKind.CURRENT:
                room = safe_budget_a(network, constraint, circuit)
            result.append(ConstraintEnvironment(room, 0.0, MeterStatus.STALE, meter.id))
            continue
        other = _other_load(network, constraint, circuit, reading, charger_states)
        result.append(
            ConstraintEnvironment(constraint.limit - other, other, MeterStatus.FRESH, meter.id)
        )
    return result


def _other_load(
    network: Network,
    constraint: Constraint,
    circuit: Circuit,
    reading: MeterReading,
    charger_states: Sequence[ChargerState],
) -> float:
    """Meter minus what the chargers under it measure. A charger whose draw is unknown (or
    that is offline) counts as drawing nothing here, so the other load is never underrated."""
    ev = 0j
    for i, coeff in zip(constraint.members, constraint.coeffs, strict=True):
        charger_state = charger_states[i]
        if charger_state.car is not CarState.OFFLINE and charger_state.measured_a is not None:
            ev += coeff * charger_state.measured_a
    if constraint.kind is ConstraintKind.POWER:
        measured_w = reading.power_w
        if measured_w is None:
            measured_w = _meter_power_w(network, circuit, reading)
        return max(0.0, max(0.0, measured_w) - abs(ev))
    measured_a = _meter_line_current_a(network, circuit, reading, constraint.line)
    return max(0.0, measured_a - abs(ev))


def _meter_line_current_a(
    network: Network, circuit: Circuit, reading: MeterReading, line: str | None
) -> float:
    currents = reading.current_a
    if currents is not None:
        if len(currents) == 1 or line is None:
            # one value on a 3-phase circuit is read as the current on every line (safe if it
            # is the highest line, and if it is a total)
            return max(currents)
        return currents[LINES.index(line)]
    power_w = max(0.0, reading.power_w or 0.0)
    if circuit.phases == 3:
        # total power only: assume it could all sit on this one line
        return power_w / (network.site.voltage_v / SQRT3)
    return power_w / network.site.branch_watts_per_amp(circuit)


def _meter_power_w(network: Network, circuit: Circuit, reading: MeterReading) -> float:
    currents = reading.current_a or (0.0,)
    if circuit.phases == 3:
        per_line = currents * 3 if len(currents) == 1 else currents
        return sum(per_line) * network.site.voltage_v / SQRT3
    return max(currents) * network.site.branch_watts_per_amp(circuit)
