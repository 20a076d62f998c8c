"""The arithmetic the baseline strategies share: equal shares of a constraint, the most current
one more charger may take on a conductor, and pilot resolution."""

from __future__ import annotations

import math
from collections.abc import Iterable

from ampshare.domain.network import Network

# a value computed as 13.3 may come out as 13.2999999: it must still floor to 13.3
_FLOOR_SLACK = 1e-6


def floor_to(value_a: float, per_a: float) -> float:
    """value_a rounded down to a multiple of 1 / per_a amps (per_a = 10: to 0.1 A)."""
    return math.floor(value_a * per_a + _FLOOR_SLACK) / per_a


def most_current_a(load: complex, coeff: complex, room: float) -> float:
    """The largest x >= 0 with |load + coeff * x| <= room: 0 if the load alone fills the room.

    load is what the conductor (or power cap) already carries, coeff the charger's phasor
    coefficient on it. On a 3-phase line the sum is a phasor, so the bound is the larger root
    of a quadratic; on 1-phase conductors and power caps it is a plain division.
    """
    if abs(load) >= room:
        return 0.0
    if coeff == 0:
        return math.inf
    if load.imag == 0 and coeff.imag == 0 and load.real >= 0 and coeff.real > 0:
        return (room - load.real) / coeff.real  # exact where the quadratic would round
    a = coeff.real * coeff.real + coeff.imag * coeff.imag
    b = 2.0 * (load.real * coeff.real + load.imag * coeff.imag)
    c = load.real * load.real + load.imag * load.imag - room * room  # < 0: load fits
    return (-b + math.sqrt(b * b - 4.0 * a * c)) / (2.0 * a)


def equal_shares_a(network: Network, sharing: Iterable[int]) -> dict[int, float]:
    """Each listed charger's equal share of every constraint it is on, the smallest of them.

    A constraint's limit is divided among the listed chargers on it, each counted at its
    |coefficient| (a charger on two lines of a 3-phase circuit counts once on each line; on a
    power cap its watts per amp), so the shares add up to the limit even if the phasors were
    all in line. Chargers that are not listed take no share.
    """
    chosen = list(sharing)
    weight = [0.0] * len(network.constraints)
    for i in chosen:
        for k, coeff in network.terms[i]:
            weight[k] += abs(coeff)
    shares: dict[int, float] = {}
    for i in chosen:
        shares[i] = min(
            (network.constraints[k].limit / weight[k] for k, c in network.terms[i] if c != 0),
            default=math.inf,
        )
    return shares
