"""What the rest of each circuit leaves for the chargers: meters' non-EV load, offline chargers
counted at what they may still draw, stale meters replaced by a safe budget, and power caps
lowered to the state's power budget (what a demand limit leaves for now)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from ampshare.domain.network import PRIMARY_LINES, Constraint, ConstraintKind, Network
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
    limit: float  # the limit in force now: the constraint's, or a lower power budget


def offline_load_a(state: ChargerState, fallback_a: float) -> float:
    """What an unreachable charger may still be drawing: its last offer while that may be in
    force, else its fallback."""
    if state.offer_in_force and state.offered_a is not None:
        return state.offered_a
    return fallback_a


def safe_budget_a(network: Network, constraint: Constraint, circuit: Circuit) -> float:
    """The EV budget of a circuit whose meter is stale: configured, else the sum of fallbacks."""
    if circuit.safe_budget_a is not None:
        budget_a = circuit.safe_budget_a
        if constraint.is_primary:
            # a primary line carries (I_Lx - I_Ly) / n: at most twice a secondary line's, over n
            budget_a *= 2 / network.site.turns_ratio(circuit)
        return min(budget_a, constraint.limit)
    chargers = network.site.chargers
    total = sum(
        abs(c) * chargers[i].fallback_current_a
        for i, c in zip(constraint.members, constraint.coeffs, strict=True)
    )
    return min(total, constraint.limit)


def environments(network: Network, state: SiteState) -> list[ConstraintEnvironment]:
    """What each constraint leaves for the chargers."""
    return EnvironmentPlan(network).environments(state)


class EnvironmentPlan:
    """environments() for one network, with what no state changes worked out once (an
    allocator keeps one for every state it allocates)."""

    def __init__(self, network: Network) -> None:
        self.network = network
        circuits = network.site.circuits_by_id
        meter_by_circuit = {meter.circuit: meter for meter in network.site.meters}
        # every constraint as if it had no meter: immutable, so shared by every state
        self._unmetered = [
            ConstraintEnvironment(c.limit, 0.0, MeterStatus.NONE, None, c.limit)
            for c in network.constraints
        ]
        self._metered = [
            (k, constraint, meter)
            for k, constraint in enumerate(network.constraints)
            if (meter := meter_by_circuit.get(constraint.circuit_id)) is not None
        ]
        self._power = [
            (k, constraint, circuits[constraint.circuit_id])
            for k, constraint in enumerate(network.constraints)
            if constraint.kind is ConstraintKind.POWER
        ]
        # each primary line's two secondary lines (constraint indices), as in PRIMARY_LINES
        line_index = {
            (c.circuit_id, c.line): k for k, c in enumerate(network.constraints) if c.line
        }
        self._secondary = {
            k: tuple(line_index[(c.circuit_id, line)] for line in PRIMARY_LINES[c.line])
            for k, c in enumerate(network.constraints)
            if c.line in PRIMARY_LINES
        }

    def environments(
        self, state: SiteState, charger_states: Sequence[ChargerState] | None = None
    ) -> list[ConstraintEnvironment]:
        """charger_states, if given, must be state.charger(charger_id) for every charger of
        the network, in order."""
        network = self.network
        result = list(self._unmetered)
        limits = self._limits(state)
        for k, limit in limits.items():
            result[k] = ConstraintEnvironment(limit, 0.0, MeterStatus.NONE, None, limit)
        if not self._metered:
            return result
        if charger_states is None:
            charger_states = [state.charger(charger_id) for charger_id in network.charger_ids]
        drawing: list[float | None] | None = None  # made on the first fresh reading
        for k, constraint, meter in self._metered:
            reading = state.meter(meter.id)
            circuit = network.site.circuits_by_id[constraint.circuit_id]
            limit = limits.get(k, constraint.limit)
            if reading.stale or (reading.current_a is None and reading.power_w is None):
                room = limit
                if constraint.kind is ConstraintKind.CURRENT:
                    room = safe_budget_a(network, constraint, circuit)
                result[k] = ConstraintEnvironment(room, 0.0, MeterStatus.STALE, meter.id, limit)
                continue
            if drawing is None:
                drawing = _measured_draws(charger_states)
            if k in self._secondary:
                other = self._primary_other_load(k, circuit, reading, drawing)
            else:
                other = _other_load(network, constraint, circuit, reading, drawing)
            result[k] = ConstraintEnvironment(
                limit - other, other, MeterStatus.FRESH, meter.id, limit
            )
        return result

    def _limits(self, state: SiteState) -> dict[int, float]:
        """The power caps the state lowers, by constraint: to its power budget, or, where
        none is given, to the demand limit itself (a steady draw at the limit averages to
        it, whenever the interval started)."""
        limits: dict[int, float] = {}
        budgets = state.power_budget_w
        for k, constraint, circuit in self._power:
            budget_w = budgets.get(circuit.id, circuit.demand_limit_w)
            if budget_w is not None and budget_w < constraint.limit:
                limits[k] = budget_w
        return limits

    def _primary_other_load(
        self, k: int, circuit: Circuit, reading: MeterReading, drawing: Sequence[float | None]
    ) -> float:
        """A primary line's other load: at most the sum of its two secondary lines', over n."""
        network = self.network
        total = 0.0
        for line_k in self._secondary[k]:
            line = network.constraints[line_k]
            total += _other_load(network, line, circuit, reading, drawing)
        return total / network.site.turns_ratio(circuit)


def _measured_draws(charger_states: Sequence[ChargerState]) -> list[float | None]:
    """What each charger measures, None when unknown. An offline charger counts as unknown:
    it may draw what it last had, so the meter's share of it stays in the other load."""
    offline = CarState.OFFLINE
    return [None if s.car is offline else s.measured_a for s in charger_states]


def _other_load(
    network: Network,
    constraint: Constraint,
    circuit: Circuit,
    reading: MeterReading,
    drawing: Sequence[float | None],
) -> float:
    """Meter minus what the chargers under it measure. A charger whose draw is unknown (or
    that is offline) counts as drawing nothing here, so the other load is never underrated."""
    ev = 0j
    for i, coeff in zip(constraint.members, constraint.coeffs, strict=True):
        drawn_a = drawing[i]
        if drawn_a is not None:
            ev += coeff * drawn_a
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
