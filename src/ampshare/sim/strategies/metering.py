"""What a meter shows beyond the chargers: the non-EV load on one constraint, as a baseline
strategy reads it (meter minus the chargers' measured draws, no stale-meter safeguards)."""

from __future__ import annotations

from collections.abc import Sequence

from ampshare.control.readings import MeterSample
from ampshare.domain import Site
from ampshare.domain.network import Constraint, ConstraintKind
from ampshare.domain.phases import LINES, SQRT3


def meters_constraint(constraint: Constraint) -> bool:
    """Whether a meter on the constraint's circuit measures it. A transformer's primary lines
    are not: the meter sits on the secondary, and a baseline knows nothing of the primary."""
    return constraint.kind is ConstraintKind.POWER or constraint.line in (None, *LINES)


def units_per_amp(site: Site, constraint: Constraint) -> float:
    """1 on a conductor, watts on a power cap: to compare amounts across constraints."""
    return site.voltage_v if constraint.kind is ConstraintKind.POWER else 1.0


def other_load(
    site: Site, constraint: Constraint, sample: MeterSample, measured_a: Sequence[float]
) -> float:
    """The meter's reading for the constraint less what its chargers measured (never < 0)."""
    ev: complex = 0j
    for i, coeff in zip(constraint.members, constraint.coeffs, strict=True):
        ev += coeff * measured_a[i]
    if constraint.kind is ConstraintKind.POWER:
        total = sample.power_w
        if total is None:
            total = _power_from_currents_w(site, constraint, sample)
    else:
        total = _line_current_a(site, constraint, sample)
    return 0.0 if total is None else max(0.0, total - abs(ev))


def _line_current_a(site: Site, constraint: Constraint, sample: MeterSample) -> float | None:
    currents = sample.current_a
    if currents is not None:
        if len(currents) == len(LINES) and constraint.line in LINES:
            return currents[LINES.index(constraint.line)]
        return max(currents)  # one value: read as the current on every line
    if sample.power_w is None:
        return None
    circuit = site.circuits_by_id[constraint.circuit_id]
    if circuit.phases == 3:
        return sample.power_w / (site.voltage_v / SQRT3)  # as if it all sat on this line
    return sample.power_w / site.branch_watts_per_amp(circuit)


def _power_from_currents_w(site: Site, constraint: Constraint, sample: MeterSample) -> float | None:
    currents = sample.current_a
    if currents is None:
        return None
    circuit = site.circuits_by_id[constraint.circuit_id]
    if circuit.phases == 3:
        per_line = currents * len(LINES) if len(currents) == 1 else currents
        return sum(per_line) * site.voltage_v / SQRT3
    return max(currents) * site.branch_watts_per_amp(circuit)
