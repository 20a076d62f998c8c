"""Formatting and rounding of physical quantities."""

from __future__ import annotations

import math

# Offers are rounded down to this step: pilots and OCPP limits carry one decimal.
OFFER_STEP_A = 0.1


def floor_to_step(value_a: float, step_a: float = OFFER_STEP_A) -> float:
    """Round down to the step (never up: rounding must not add load), tolerating float noise."""
    return round(math.floor(value_a / step_a + 1e-6) * step_a, 6)


def fmt_a(value_a: float) -> str:
    """20.0 -> "20 A", 20.25 -> "20.2 A"."""
    return f"{round(value_a, 1):g} A"


def fmt_w(value_w: float) -> str:
    return f"{value_w / 1000:.1f} kW" if value_w >= 1000 else f"{value_w:.0f} W"
