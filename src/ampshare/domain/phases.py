"""How a load connects to a three-phase supply, and the line currents it causes.

Line currents are modelled exactly, as phasor sums (the model of the Caltech ACN research):
a load drawing I amps in phase with its supply voltage contributes I * u to each line it uses,
u being a unit phasor. Two loads on L1-L2 and L3-L1 at I each put sqrt(3) * I, not 2 * I, on L1,
exactly as a clamp meter on L1 would read (assuming unity power factor, which EV chargers come
close to while charging).
"""

from __future__ import annotations

import cmath
import math
from dataclasses import dataclass

LINES: tuple[str, ...] = ("L1", "L2", "L3")
_VOLTAGE_ANGLE_RAD = {"L1": 0.0, "L2": math.radians(-120.0), "L3": math.radians(120.0)}
SQRT3 = math.sqrt(3.0)


@dataclass(frozen=True)
class Connection:
    """The lines a load uses: ("L1",) with neutral, ("L1", "L2") line to line, or all three."""

    lines: tuple[str, ...]
    neutral: bool

    @property
    def text(self) -> str:
        return "-".join(self.lines) + ("-N" if self.neutral else "")

    def same_lines(self, other: Connection) -> bool:
        """L3-L1 and L1-L3 are the same connection."""
        return self.neutral == other.neutral and set(self.lines) == set(other.lines)

    @property
    def is_three_phase(self) -> bool:
        return len(self.lines) == 3

    def line_phasors(self) -> dict[str, complex]:
        """The current on each line, as a phasor, for 1 A drawn by the load."""
        if self.neutral:
            (line,) = self.lines
            return {line: cmath.exp(1j * _VOLTAGE_ANGLE_RAD[line])}
        if self.is_three_phase:
            return {line: cmath.exp(1j * _VOLTAGE_ANGLE_RAD[line]) for line in self.lines}
        first, second = self.lines
        across = cmath.exp(1j * _VOLTAGE_ANGLE_RAD[first]) - cmath.exp(
            1j * _VOLTAGE_ANGLE_RAD[second]
        )
        unit = across / abs(across)
        return {first: unit, second: -unit}

    def watts_per_amp(self, line_to_line_v: float) -> float:
        """Power drawn per amp of line current, on a supply of that line-to-line voltage."""
        if self.neutral:
            return line_to_line_v / SQRT3
        if self.is_three_phase:
            return line_to_line_v * SQRT3
        return line_to_line_v


THREE_PHASE = Connection(lines=LINES, neutral=False)


def parse_connection(text: str) -> Connection:
    """Parse "L1-N", "L2-L3", "L3-L1", "L1-L2-L3" (case-insensitive, any order)."""
    parts = [part.strip().upper() for part in text.split("-")]
    neutral = "N" in parts
    lines = [part for part in parts if part != "N"]
    valid = (
        all(line in LINES for line in lines)
        and len(set(lines)) == len(lines)
        and parts.count("N") <= 1
        and ((neutral and len(lines) == 1) or (not neutral and len(lines) in (2, 3)))
    )
    if not valid:
        raise ValueError(
            f"connection {text!r} is not one of L1-N, L2-N, L3-N, L1-L2, L2-L3, L3-L1, L1-L2-L3"
        )
    return Connection(lines=tuple(lines), neutral=neutral)
