"""Worst-case load on every constraint for a given set of offers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ampshare.domain.environment import ConstraintEnvironment, offline_load_a
from ampshare.domain.network import Network
from ampshare.domain.state import CarState, SiteState

TOLERANCE_A = 1e-6


def may_draw_a(network: Network, state: SiteState, offers_a: Mapping[str, float]) -> list[float]:
    """What each charger may draw: offline ones what they may still have, others their offer."""
    result = []
    for charger, charger_id in zip(network.site.chargers, network.charger_ids, strict=True):
        charger_state = state.charger(charger_id)
        if charger_state.car is CarState.OFFLINE:
            result.append(offline_load_a(charger_state, charger.fallback_current_a))
        else:
            result.append(offers_a.get(charger_id, 0.0))
    return result


def ev_loads(network: Network, draws_a: Sequence[float]) -> list[float]:
    """The EV part of every constraint: |sum coeff * draw| (amps on a conductor, or watts)."""
    result = []
    for constraint in network.constraints:
        total = 0j
        for i, coeff in zip(constraint.members, constraint.coeffs, strict=True):
            total += coeff * draws_a[i]
        result.append(abs(total))
    return result


def over_limit(
    envs: Sequence[ConstraintEnvironment], loads: Sequence[float], tolerance: float = TOLERANCE_A
) -> list[int]:
    """Indices of the constraints whose EV load exceeds what EVs may use there."""
    return [
        k
        for k, (env, load) in enumerate(zip(envs, loads, strict=True))
        if load > env.room + tolerance
    ]


def steerable_room(
    network: Network, envs: Sequence[ConstraintEnvironment], state: SiteState
) -> list[float]:
    """What each constraint leaves for the chargers ampshare steers: its room less what the
    others may draw (offline chargers, chargers that ignore their offer). The magnitude of their
    phasor sum is taken off: never more room than the exact sum would leave."""
    fixed = [0.0] * len(network.charger_ids)
    any_fixed = False
    for i, (charger, charger_id) in enumerate(
        zip(network.site.chargers, network.charger_ids, strict=True)
    ):
        charger_state = state.charger(charger_id)
        if charger_state.car is CarState.OFFLINE:
            fixed[i] = offline_load_a(charger_state, charger.fallback_current_a)
        elif charger_state.fixed_draw_a is not None:
            fixed[i] = max(charger_state.fixed_draw_a, charger_state.offered_a or 0.0)
        elif charger_state.held_a is not None:
            fixed[i] = charger_state.held_a
        any_fixed = any_fixed or fixed[i] > 0
    loads = ev_loads(network, fixed) if any_fixed else [0.0] * len(envs)
    return [max(0.0, env.room - load) for env, load in zip(envs, loads, strict=True)]
