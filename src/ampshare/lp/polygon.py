"""An outer polygon for a phasor limit |sum c_i x_i| <= L with x_i >= 0, for a linear program.

The circle |z| <= L is not linear; the half-planes Re(exp(-j theta) z) <= L for a few directions
theta contain it (Re(exp(-j theta) z) <= |z|), so replacing the circle by them only ever allows
more: a relaxation. With x >= 0 the sum z lies in the cone spanned by the coefficients' angles,
so the directions need only cover that cone: when every angle in it is within h of a direction,
a point of the cone passes all half-planes only if |z| <= L / cos(h).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

TWO_PI = 2.0 * math.pi
# Cones at least this wide are treated as the whole plane (a half-plane cone is rare; the
# whole circle covers it too).
_POINTED_CONE_MAX_RAD = math.pi - 1e-9


def outer_directions(angles_rad: Sequence[float], max_error: float = 1e-3) -> tuple[float, ...]:
    """Directions (radians) whose half-planes let a sum of the cone exceed L by at most
    max_error (relative): |z| <= L * (1 + max_error)."""
    if not angles_rad:
        raise ValueError("a phasor limit needs at least one coefficient")
    if not max_error > 0:
        raise ValueError(f"max_error must be positive, not {max_error}")
    half_gap_rad = math.acos(1.0 / (1.0 + max_error))
    start_rad, width_rad = _smallest_arc(angles_rad)
    if width_rad > _POINTED_CONE_MAX_RAD:
        count = math.ceil(TWO_PI / (2.0 * half_gap_rad))
        return tuple(i * TWO_PI / count for i in range(count))
    segments = math.ceil(width_rad / (2.0 * half_gap_rad))
    if segments == 0:
        return (start_rad,)
    # both edges of the cone are directions, so the error is smallest where most sums lie
    return tuple(start_rad + i * width_rad / segments for i in range(segments + 1))


def _smallest_arc(angles_rad: Sequence[float]) -> tuple[float, float]:
    """The shortest arc (start, width) of the circle that holds every angle."""
    points = sorted(a % TWO_PI for a in angles_rad)
    # The arc is the circle minus the largest gap between neighbouring angles.
    best_gap_rad = points[0] + TWO_PI - points[-1]
    start_rad = points[0]
    for before, after in itertools.pairwise(points):
        if after - before > best_gap_rad:
            best_gap_rad = after - before
            start_rad = after
    return start_rad, TWO_PI - best_gap_rad
