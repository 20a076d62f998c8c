"""Electrical rules of thumb from the code books (NEC 240.6, 625.41/42) and SAE J1772."""

from __future__ import annotations

import math

# NEC 240.6(A) standard ampere ratings for fuses and inverse-time breakers.
STANDARD_BREAKER_SIZES_A: tuple[int, ...] = (
    15, 20, 25, 30, 35, 40, 45, 50, 60, 70, 80, 90, 100, 110, 125, 150, 175, 200, 225, 250,
    300, 350, 400, 450, 500, 600, 700, 800, 1000, 1200, 1600, 2000, 2500, 3000, 4000, 5000, 6000,
)  # fmt: skip

# EV charging is a continuous load: the circuit is sized at 125 % of it (NEC 625.41),
# so a circuit may carry at most 80 % of its breaker continuously.
CONTINUOUS_FACTOR = 0.8

# J1772: a pilot below 6 A is not a valid offer; the car is paused instead.
J1772_MIN_CURRENT_A = 6.0
J1772_MAX_CURRENT_A = 80.0


def continuous_limit_a(breaker_a: float) -> float:
    """The most a circuit behind this breaker may carry continuously."""
    return breaker_a * CONTINUOUS_FACTOR


def largest_breaker_for_charger_a(max_current_a: float) -> int:
    """The largest breaker a charger rated max_current_a may sit behind.

    125 % of its rating, rounded up to the next standard size (seed 001: Pro 40 -> 50 A,
    Pro 32 -> 40 A, Pro 80 -> 100 A).
    """
    needed_a = max_current_a / CONTINUOUS_FACTOR
    for size_a in STANDARD_BREAKER_SIZES_A:
        if size_a >= needed_a - 1e-9:
            return size_a
    return math.ceil(needed_a)


def pilot_duty_percent(current_a: float) -> float:
    """PWM duty cycle of the J1772 pilot that offers current_a (0 means no offer)."""
    if current_a <= 0:
        return 0.0
    if current_a < J1772_MIN_CURRENT_A or current_a > J1772_MAX_CURRENT_A:
        raise ValueError(f"{current_a} A cannot be offered on a J1772 pilot (6-80 A)")
    if current_a <= 51:
        return current_a / 0.6
    return current_a / 2.5 + 64
