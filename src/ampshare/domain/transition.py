"""Safe transitions (seed 003): free current before granting it.

From the offers in force (old) to the new allocation: first every decrease; only when those
are confirmed, or their confirmation timeout has passed, the increases. During each step a
charger may draw the higher of its old and new offer, and that worst case must fit every limit.
An increase that would not fit even after the decreases (the rest of the circuit grew meanwhile)
is held back until the next allocation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ampshare.domain.allocation import Allocator
from ampshare.domain.environment import environments
from ampshare.domain.loads import TOLERANCE_A, may_draw_a
from ampshare.domain.state import CarState, SiteState

_EPS = 1e-9


@dataclass(frozen=True)
class TransitionStep:
    offers_a: Mapping[str, float]
    await_confirmation: bool  # the next step may start only once these are confirmed or timed out


@dataclass(frozen=True)
class Transition:
    steps: tuple[TransitionStep, ...]
    held_a: Mapping[str, float]  # increases that are not safe yet

    @property
    def is_empty(self) -> bool:
        return not self.steps


def old_offers_a(allocator: Allocator, state: SiteState) -> dict[str, float]:
    """The offers in force: what each reachable charger may let its car draw now. A charger with
    a car but no known offer is at its own start current."""
    result = {}
    for charger in allocator.site.chargers:
        charger_state = state.charger(charger.id)
        if charger_state.car is CarState.OFFLINE:
            continue
        if charger_state.offered_a is not None:
            result[charger.id] = charger_state.offered_a
        elif charger_state.car is not CarState.NONE:
            result[charger.id] = charger.effective_start_current_a
        else:
            result[charger.id] = 0.0
    return result


def transition(
    allocator: Allocator,
    state: SiteState,
    old_a: Mapping[str, float],
    new_a: Mapping[str, float],
) -> Transition:
    """Order the change from old_a to new_a (both: charger id -> offer) into safe steps."""
    decreases: dict[str, float] = {}
    increases: dict[str, float] = {}
    for charger_id, target_a in new_a.items():
        if state.charger(charger_id).car is CarState.OFFLINE:
            continue  # it cannot be told anything; it counts at what it may still draw
        before_a = old_a.get(charger_id, 0.0)
        if target_a < before_a - _EPS:
            decreases[charger_id] = target_a
        elif target_a > before_a + _EPS:
            increases[charger_id] = target_a

    # once the decreases are done, each charger is at the lower of old and new
    settled = {cid: min(before, new_a.get(cid, before)) for cid, before in old_a.items()}
    granted = safe_increases(allocator, state, settled, increases)
    held = {cid: a for cid, a in increases.items() if cid not in granted}
    steps = []
    if decreases:
        steps.append(TransitionStep(decreases, await_confirmation=True))
    if granted:
        steps.append(TransitionStep(granted, await_confirmation=False))
    return Transition(tuple(steps), held)


def safe_increases(
    allocator: Allocator,
    state: SiteState,
    worst_a: Mapping[str, float],
    increases: Mapping[str, float],
) -> dict[str, float]:
    """The increases that fit now, with every charger at its worst case (worst_a: what each
    reachable charger may draw now; unreachable ones count at what they may still draw).
    Higher priority first, then the smaller raises, so that as many as possible fit."""
    network = allocator.network
    envs = environments(network, state)
    draws = may_draw_a(network, state, worst_a)
    sums = [0j] * len(network.constraints)
    for i, draw_a in enumerate(draws):
        for k, coeff in network.terms[i]:
            sums[k] += coeff * draw_a
    index = {charger_id: i for i, charger_id in enumerate(network.charger_ids)}
    priority = {c.id: c.priority for c in network.site.chargers}
    granted: dict[str, float] = {}
    for charger_id in sorted(increases, key=lambda cid: (-priority[cid], increases[cid], cid)):
        i = index[charger_id]
        delta_a = increases[charger_id] - draws[i]
        terms = network.terms[i]
        if all(abs(sums[k] + c * delta_a) <= envs[k].room + TOLERANCE_A for k, c in terms):
            for k, c in terms:
                sums[k] += c * delta_a
            granted[charger_id] = increases[charger_id]
    return granted
