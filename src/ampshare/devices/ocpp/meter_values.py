"""MeterValues in, the few figures the loop reads out: Current.Import per phase,
Current.Offered, Power.Active.Import and Energy.Active.Import.Register.

1.6 sends values as strings with a unit ("Wh", "kWh", "A", "W", "kW"); 2.0.1 as numbers with
unitOfMeasure {unit, multiplier}. A value that cannot be read is skipped with a reason, never
taken for zero.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

_ENERGY = "Energy.Active.Import.Register"
_CURRENT = "Current.Import"
_OFFERED = "Current.Offered"
_POWER = "Power.Active.Import"
_WANTED = (_ENERGY, _CURRENT, _OFFERED, _POWER)
# what a value is multiplied by to be in A, W or Wh
_SCALE = {"A": 1.0, "W": 1.0, "kW": 1000.0, "Wh": 1.0, "kWh": 1000.0}
_BASE_UNIT = {_ENERGY: "Wh", _CURRENT: "A", _OFFERED: "A", _POWER: "W"}
_PHASES = ("L1", "L2", "L3")


@dataclass
class Measurements:
    """The figures of one MeterValues message (None: not in it)."""

    current_a: dict[str, float] = field(default_factory=dict)  # by phase; "" for no phase
    offered_a: float | None = None
    power_w: float | None = None
    energy_wh: float | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def measured_a(self) -> float | None:
        """The highest phase current (a value without a phase counts as one)."""
        values = [a for phase, a in self.current_a.items() if phase != "N"]
        return max(values) if values else None


def parse_meter_values(meter_values: Sequence[Any]) -> Measurements:
    """The latest figure of each kind over the meterValue entries, in the order sent."""
    found = Measurements()
    if not isinstance(meter_values, list):
        found.problems.append("meterValue is not a list")
        return found
    for entry in meter_values:
        sampled = entry.get("sampled_value") if isinstance(entry, Mapping) else None
        if not isinstance(sampled, list):
            found.problems.append("a meterValue has no sampledValue list")
            continue
        for sample in sampled:
            if isinstance(sample, Mapping):
                _take(sample, found)
    return found


def _take(sample: Mapping[str, Any], found: Measurements) -> None:
    measurand = sample.get("measurand", _ENERGY)
    if measurand not in _WANTED or sample.get("location", "Outlet") not in ("Outlet", "EV"):
        return
    value = _value(sample, measurand)
    if isinstance(value, str):
        found.problems.append(f"{measurand}: {value}")
        return
    if measurand == _CURRENT:
        phase = str(sample.get("phase", ""))
        found.current_a[phase.removesuffix("-N") if phase in _neutral_phases() else phase] = value
    elif measurand == _OFFERED:
        found.offered_a = value
    elif measurand == _POWER:
        # per phase or in all: the charger's whole power is what the loop wants
        found.power_w = value if "phase" not in sample else (found.power_w or 0.0) + value
    else:
        found.energy_wh = value


def _neutral_phases() -> tuple[str, ...]:
    return tuple(f"{line}-N" for line in _PHASES)


def _value(sample: Mapping[str, Any], measurand: str) -> float | str:
    """The value in its base unit, or why it cannot be read."""
    raw = sample.get("value")
    if isinstance(raw, bool) or raw is None:
        return f"no value in {dict(sample)}"
    try:
        number = float(raw)
    except (TypeError, ValueError):
        return f"value {raw!r} is not a number"
    if not math.isfinite(number):
        return f"value {raw!r} is not finite"
    multiplier = 0
    unit_of_measure = sample.get("unit_of_measure")
    if isinstance(unit_of_measure, Mapping):  # 2.0.1
        unit = unit_of_measure.get("unit", _BASE_UNIT[measurand])
        multiplier = unit_of_measure.get("multiplier", 0)
        if not isinstance(multiplier, int):
            return f"multiplier {multiplier!r} is not a whole number"
    else:
        unit = sample.get("unit", _BASE_UNIT[measurand])
    scale = _SCALE.get(unit)
    if scale is None or (unit[-1] != _BASE_UNIT[measurand][-1]):
        return f"unit {unit!r} does not fit {measurand}"
    if measurand != _POWER and number < 0:
        return f"value {number} is negative"
    return number * scale * 10.0**multiplier
