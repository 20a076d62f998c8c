"""The site compiled into constraints: one per circuit conductor (per line on 3-phase
circuits) and one per power cap, each a weighted phasor sum of charger currents."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ampshare.domain.phases import LINES
from ampshare.domain.site import Site


class ConstraintKind(StrEnum):
    CURRENT = "current"  # amps on one conductor: |sum coeff * I| + other load <= limit
    POWER = "power"  # watts over the circuit: sum watts_per_amp * I + other load <= cap


@dataclass(frozen=True)
class Constraint:
    circuit_id: str
    kind: ConstraintKind
    line: str | None  # "L1".."L3" on a 3-phase circuit, else None
    limit: float  # amps or watts
    members: tuple[int, ...]  # charger indices
    coeffs: tuple[complex, ...]

    @property
    def label(self) -> str:
        """How results name it: "garage", "service:L2", "depot:power"."""
        if self.kind is ConstraintKind.POWER:
            return f"{self.circuit_id}:power"
        return self.circuit_id if self.line is None else f"{self.circuit_id}:{self.line}"


@dataclass(frozen=True)
class Network:
    site: Site
    charger_ids: tuple[str, ...]
    constraints: tuple[Constraint, ...]
    # per charger: the constraints it appears in, with its coefficient there
    terms: tuple[tuple[tuple[int, complex], ...], ...]
    by_circuit: dict[str, tuple[int, ...]]
    watts_per_amp: tuple[float, ...]


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
        limit_a = circuit.continuous_limit_a
        if circuit.phases == 3:
            for line in LINES:
                pairs = [(i, p[line]) for i in under if (p := phasors[i]) and line in p]
                constraints.append(
                    Constraint(
                        circuit.id,
                        ConstraintKind.CURRENT,
                        line,
                        limit_a,
                        tuple(i for i, _ in pairs),
                        tuple(c for _, c in pairs),
                    )
                )
        else:
            # every charger on a 1-phase circuit draws in phase with the others
            constraints.append(
                Constraint(
                    circuit.id,
                    ConstraintKind.CURRENT,
                    None,
                    limit_a,
                    tuple(under),
                    tuple(1.0 + 0j for _ in under),
                )
            )
        if circuit.max_power_w is not None:
            constraints.append(
                Constraint(
                    circuit.id,
                    ConstraintKind.POWER,
                    None,
                    circuit.max_power_w,
                    tuple(under),
                    tuple(complex(watts[i]) for i in under),
                )
            )

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
