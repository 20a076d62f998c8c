"""Why the allocation stops or pauses a car, in words, written when first read."""

from __future__ import annotations

from ampshare.domain.environment import ConstraintEnvironment, MeterStatus
from ampshare.domain.network import Constraint, ConstraintKind
from ampshare.domain.site import Charger
from ampshare.domain.units import fmt_a, fmt_w


def no_car_reason(charger: Charger) -> str:
    start_a = charger.effective_start_current_a
    next_car = (
        f"the next one starts at the charger's own {fmt_a(start_a)}"
        if start_a > 0
        else "the next one waits for ampshare's first offer"
    )
    return f"no car: {next_car}"


class FullReason:
    """Why a constraint stops cars, written when first read."""

    __slots__ = ("constraint", "env", "text")

    def __init__(self, constraint: Constraint, env: ConstraintEnvironment) -> None:
        self.constraint = constraint
        self.env = env
        self.text: str | None = None

    def __call__(self) -> str:
        if self.text is None:
            self.text = describe_full(self.constraint, self.env)
        return self.text


def describe_full(constraint: Constraint, env: ConstraintEnvironment) -> str:
    name = f"circuit {constraint.circuit_id!r}"
    if constraint.is_primary:
        name = f"the transformer primary of {name}, line L{(constraint.line or '')[1:]},"
    elif constraint.line is not None:
        name += f" line {constraint.line}"
    if env.meter is MeterStatus.STALE and constraint.kind is ConstraintKind.CURRENT:
        return (
            f"meter {env.meter_id!r} has no fresh reading, so {name} holds its chargers "
            f"to the safe budget of {fmt_a(env.room)}"
        )
    if constraint.kind is ConstraintKind.POWER:
        if env.limit < constraint.limit:
            # a demand limit, or the control loop's share of one for the rest of the interval
            text = f"{name} is at its power budget of {fmt_w(env.limit)} for now"
        else:
            text = f"{name} is at its power cap of {fmt_w(constraint.limit)}"
        other = f", {fmt_w(env.other_load)} of it other load" if env.other_load > 0 else ""
        return text + other
    text = f"{name} is fully used ({fmt_a(env.limit)} continuous"
    if env.other_load > 0:
        text += f", {fmt_a(env.other_load)} of it other load"
    return text + ")"


def paused_reason(full: FullReason, floor_a: float) -> str:
    return (
        f"paused: {full()}, and its {fmt_a(floor_a)} minimum "
        "does not fit; cars of higher priority or waiting longer come first"
    )
