"""A site with one circuit's capacity scaled, as studies of a smaller transformer do (the
Caltech ACN research runs its garage at 150 kW down to 25 kW)."""

from __future__ import annotations

import math
from dataclasses import replace

from ampshare.domain.site import Circuit, Site


def scale_transformer(site: Site, circuit_id: str, factor: float) -> Site:
    """The site with that circuit's breaker and limit, and its transformer primary's breaker
    and limit, multiplied by factor. Everything else, power caps and demand limits included,
    stays as it is: they are the utility's, not the transformer's.

    The result may not pass validation (the chargers' fallbacks may no longer fit a smaller
    transformer); check it as any other site."""
    if not math.isfinite(factor) or factor <= 0:
        raise ValueError(f"the factor must be a positive number, got {factor}")
    if circuit_id not in site.circuits_by_id:
        raise ValueError(f"circuit {circuit_id!r} is not in site {site.name!r}")
    circuits = tuple(
        _scaled(circuit, factor) if circuit.id == circuit_id else circuit
        for circuit in site.circuits
    )
    return replace(site, circuits=circuits)


def _scaled(circuit: Circuit, factor: float) -> Circuit:
    def times(value: float | None) -> float | None:
        return None if value is None else value * factor

    return replace(
        circuit,
        breaker_a=circuit.breaker_a * factor,
        limit_a=times(circuit.limit_a),
        primary_breaker_a=times(circuit.primary_breaker_a),
        primary_limit_a=times(circuit.primary_limit_a),
    )
