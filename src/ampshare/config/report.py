"""An Allocation as plain data, ready for json.dumps: what each charger may offer, and why."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ampshare.domain import (
    Allocation,
    ChargerAllocation,
    CircuitAllocation,
    ConductorLoad,
    Site,
)

# CircuitAllocation.conductors names a 1-phase circuit's only conductor ""; its values are the
# circuit's own limit_a, load_a, ... so the report lists only lines and the power cap.
_POWER = "power"


def amps(value_a: float) -> float:
    """Rounded to 0.1 A (and never -0.0)."""
    return round(value_a, 1) + 0.0


def watts(value_w: float) -> int:
    return round(value_w)


def allocation_to_dict(site: Site, allocation: Allocation) -> dict[str, Any]:
    """{"chargers": {id: {...}}, "circuits": {id: {...}}}, in the order of the site file."""
    chargers = {charger.id: _charger(allocation.chargers[charger.id]) for charger in site.chargers}
    circuits = {circuit.id: _circuit(allocation.circuits[circuit.id]) for circuit in site.circuits}
    return {"chargers": chargers, "circuits": circuits}


def _charger(result: ChargerAllocation) -> dict[str, Any]:
    return {
        "offered_a": amps(result.offered_a),
        "limited_by": result.limited_by,
        "reason": result.reason,
        "paused": result.paused,
    }


def _circuit(result: CircuitAllocation) -> dict[str, Any]:
    data: dict[str, Any] = {
        "limit_a": amps(result.limit_a),
        "load_a": amps(result.load_a),
        "other_load_a": amps(result.other_load_a),
        "ev_budget_a": amps(result.ev_budget_a),
        "meter": result.meter.value,
        "overloaded": result.overloaded,
    }
    conductors = {
        name: _conductor(conductor, watts if name == _POWER else amps)
        for name, conductor in result.conductors.items()
        if name
    }
    if conductors:
        data["conductors"] = conductors
    return data


def _conductor(conductor: ConductorLoad, rounded: Callable[[float], float]) -> dict[str, Any]:
    return {
        "limit": rounded(conductor.limit),
        "load": rounded(conductor.load),
        "other_load": rounded(conductor.other_load),
        "ev_budget": rounded(conductor.ev_budget),
    }
