"""The site compiled into constraints: one per circuit conductor (per line on 3-phase
circuits, and per primary line where a transformer feeds one) and one per power cap, each a
weighted phasor sum of charger currents."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from ampshare.domain.phases import LINES, THREE_PHASE
from ampshare.domain.site import Circuit, Site

# A delta-wye transformer's primary line currents are differences of its secondary line
# currents over the turns ratio: I_P1 = (I_L1 - I_L3) / n, and so on round the lines
# (as phasors; the constraints turn each by a constant angle, which leaves magnitudes alone).
PRIMARY_LINES: dict[str, tuple[str, str]] = {
    "P1": ("L1", "L3"),
    "P2": ("L2", "L1"),
    "P3": ("L3", "L2"),
}


class ConstraintKind(StrEnum):
    CURRENT = "current"  # amps on one conductor: |sum coeff * I| + other load <= limit
    POWER = "power"  # watts over the circuit: sum watts_per_amp * I + other load <= cap


@dataclass(frozen=True)
class Constraint:
    circuit_id: str
    kind: ConstraintKind
    line: str | None  # "L1".."L3" on a 3-phase circuit, "P1".."P3" on its primary, else None
    limit: float  # amps or watts; math.inf for a POWER constraint of a demand limit alone
    members: tuple[int, ...]  # charger indices
    coeffs: tuple[complex, ...]
    breaker_a: float | None = None  # CURRENT: the breaker protecting this conductor

    @property
    def is_primary(self) -> bool:
        return self.line in PRIMARY_LINES

    @property
    def conductor(self) -> str:
        """Its name within the circuit: "" (a 1-phase conductor), "L2", "primary-L1", "power"."""
        if self.kind is ConstraintKind.POWER:
            return "power"
        if self.line in PRIMARY_LINES:
            return f"primary-L{self.line[1:]}"
        return self.line or ""

    @property
    def label(self) -> str:
        """How results name it: "garage", "service:L2", "depot:power",
        "transformer:primary-L1"."""
        conductor = self.conductor
        return f"{self.circuit_id}:{conductor}" if conductor else self.circuit_id


@dataclass(frozen=True)
class Network:
    site: Site
    charger_ids: tuple[str, ...]
    constraints: tuple[Constraint, ...]
    # per charger: the constraints it appears in, with its coefficient there
    terms: tuple[tuple[tuple[int, complex], ...], ...]
    by_circuit: dict[str, tuple[int, ...]]
    watts_per_amp: tuple[float, ...]


Phasors = Sequence[dict[str, complex] | None]


def compile_network(site: Site) -> Network:
    """Build the constraints of a valid site (see validation.validate_site)."""
    index = {charger.id: i for i, charger in enumerate(site.chargers)}
    watts = tuple(site.watts_per_amp(charger) for charger in site.chargers)
    phasors = []
    for charger in site.chargers:
        connection = site.supply_connection(charger)
        phasors.append(None if connection is None else connection.line_phasors())

    constraints: list[Constraint] = []
    for circuit in site.circuits:
        under = [index[charger_id] for charger_id in site.chargers_under[circuit.id]]
        if circuit.phases == 3:
            lines = _line_constraints(circuit, under, phasors)
            constraints += lines
            if circuit.has_primary:
                constraints += _primary_constraints(circuit, lines, site.turns_ratio(circuit))
        else:
            # every charger on a 1-phase circuit draws in phase with the others
            constraints.append(
                Constraint(
                    circuit.id,
                    ConstraintKind.CURRENT,
                    None,
                    circuit.continuous_limit_a,
                    tuple(under),
                    tuple(1.0 + 0j for _ in under),
                    circuit.breaker_a,
                )
            )
        if circuit.max_power_w is not None or circuit.demand_limit_w is not None:
            # a demand limit alone caps nothing instantaneous: the state's power budget does
            cap_w = math.inf if circuit.max_power_w is None else circuit.max_power_w
            constraints.append(
                Constraint(
                    circuit.id,
                    ConstraintKind.POWER,
                    None,
                    cap_w,
                    tuple(under),
                    tuple(complex(watts[i]) for i in under),
                )
            )
    return _network(site, constraints, watts)


def _line_constraints(circuit: Circuit, under: list[int], phasors: Phasors) -> list[Constraint]:
    result = []
    for line in LINES:
        pairs = [(i, p[line]) for i in under if (p := phasors[i]) and line in p]
        result.append(
            Constraint(
                circuit.id,
                ConstraintKind.CURRENT,
                line,
                circuit.continuous_limit_a,
                tuple(i for i, _ in pairs),
                tuple(c for _, c in pairs),
                circuit.breaker_a,
            )
        )
    return result


def _primary_constraints(
    circuit: Circuit, lines: list[Constraint], ratio: float
) -> list[Constraint]:
    """The primary's three lines, from the secondary's (in LINES order) and the turns ratio."""
    by_line = {
        constraint.line: dict(zip(constraint.members, constraint.coeffs, strict=True))
        for constraint in lines
    }
    volts = THREE_PHASE.line_phasors()  # each line's voltage, as a unit phasor
    result = []
    for primary, (plus, minus) in PRIMARY_LINES.items():
        members = sorted(by_line[plus].keys() | by_line[minus].keys())
        # Only magnitudes are limited, so the phasors are turned to centre them on the real
        # axis: every contribution then lies within 60 degrees of it, as each line's lies
        # within 30 degrees of its voltage, and a sum whose imaginary parts cancel is
        # positive (waterfill.py solves such a sum as a real one, rising).
        axis = volts[plus] - volts[minus]
        turn = axis.conjugate() / abs(axis) / ratio
        coeffs = tuple(
            (by_line[plus].get(i, 0j) - by_line[minus].get(i, 0j)) * turn for i in members
        )
        result.append(
            Constraint(
                circuit.id,
                ConstraintKind.CURRENT,
                primary,
                circuit.primary_continuous_limit_a,
                tuple(members),
                coeffs,
                circuit.primary_breaker_rating_a,
            )
        )
    return result


def _network(site: Site, constraints: list[Constraint], watts: tuple[float, ...]) -> Network:
    terms: list[list[tuple[int, complex]]] = [[] for _ in site.chargers]
    by_circuit: dict[str, list[int]] = {circuit.id: [] for circuit in site.circuits}
    for k, constraint in enumerate(constraints):
        by_circuit[constraint.circuit_id].append(k)
        for i, coeff in zip(constraint.members, constraint.coeffs, strict=True):
            terms[i].append((k, coeff))
    return Network(
        site=site,
        charger_ids=tuple(charger.id for charger in site.chargers),
        constraints=tuple(constraints),
        terms=tuple(tuple(t) for t in terms),
        by_circuit={cid: tuple(ks) for cid, ks in by_circuit.items()},
        watts_per_amp=watts,
    )
