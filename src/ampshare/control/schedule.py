"""A schedule for the cars whose drivers said when they leave and how much energy they want.

Fair shares alone deliver less than the wiring allows when cars' needs differ: a car that
leaves at noon wanting 40 kWh and one staying till evening wanting 10 kWh get the same amps,
the first leaves short, and in the afternoon the second cannot use what is free. Model-predictive
scheduling, as in the Caltech ACN research, does better: at each decision a linear program plans
every present car's current over the hours until they leave, within every limit of the site,
and the first step of that plan is what each car should get now. Re-planned as cars come and go,
and every few minutes, it delivers within a few percent of what perfect foresight could.

The program, for the cars present now (future arrivals are unknown):

- Steps of growing length from now (5 minutes first, then 10, 15, 30 minutes, hours), to the
  last departure (at most horizon_s). Variables: each car's current in each step before it
  leaves, at most its ceiling now (the allocation's: its rating, the car's maximum, or the cap of
  a tapering car). Currents, not draws: a car that draws less than offered is re-planned.
- Energy: what a car gets before it leaves is at most what it still wants (none: no bound);
  a car draws about 95 % of its current. "Before it leaves" is a tenth of its remaining stay
  before the departure its driver gave: the plan does not know the cars still to come, which
  will want the room late in a stay, and its taper is only an estimate (Caltech garage, two
  weeks at 25 kW: 96.3 -> 96.6 % of the offline optimum, 262 -> 272 cars fully served).
- Taper: a car draws less as it fills. Once the site's cars have shown how (taper.py learns
  it from the cars that drew less than offered), each car's draw in each step is at most
  what it takes now less that fall for the energy it is given before: a car with little left
  to fill is not planned to take the room at the end that it could not use, and the others
  get it now (Caltech two weeks at 25 kW, with whole minimums below: 96.6 -> 97.7 %).
- Limits: every constraint of the site in every step (phasor sums as outer polygons, which may
  pass a line by 0.1 %: the allocation that follows the plan keeps every limit exactly), with
  the room it has now (meters' other load and unreachable chargers taken off).
- Objective, in order of weight: energy delivered before departure; sooner rather than later
  (a car that leaves early cannot wait, and cars that arrive later will want the room then);
  within the first step, each car's minimum (6 A) before anyone's next amp, then amp by amp
  (whole minimums keep cars from being paused for a plan's fraction of an amp, and the rest is
  shared as evenly as the needs allow: two cars alike get 16/16, not 20/12); and a little
  more weight on the cars that want less, so that more of them are fully served.

A linear program shares currents in fractions, but a car gets its minimum (6 A) or nothing
(J1772). A first step that gives cars fractions of a minimum is solved again with whole ones:
the cars planned at their minimum or more keep at least it, as many of the others as the
fractions add up to minimums (those planned the most) get at least theirs, and the rest are
paused now; the later steps are planned again around that. Left to the allocation, those
fractions went to whoever plugged in first, and the plan's later steps were made for
currents no car was given.

The allocation then gives each car what the plan gives it before sharing what is left (see
ampshare.domain.allocation): the plan decides amounts, the allocation keeps every limit.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace

from ampshare.control.schedule_program import (
    FirstStep,
    FirstStepProgram,
    Problem,
    minimum_a,
)
from ampshare.control.schedule_settings import PlanCar, ScheduleSettings, Taper
from ampshare.domain.network import Network
from ampshare.lp import SolverError

__all__ = ["PlanCar", "ScheduleSettings", "Taper", "by_charger_id", "plan_currents"]

logger = logging.getLogger(__name__)

# a first-step current below this is nothing, not a fraction of a minimum
_NOTHING_A = 0.01


def plan_currents(
    network: Network,
    room: Sequence[float],
    cars: Sequence[PlanCar],
    now_s: float,
    settings: ScheduleSettings | None = None,
) -> dict[int, float]:
    """The current (A) each car should get now, by charger index. room: what each constraint
    of the network leaves for these cars (amps, or watts on a power constraint)."""
    settings = settings or ScheduleSettings()
    cars = _within_own_circuits(network, room, cars)
    if not cars:
        return {}
    program = FirstStepProgram(Problem(network, room, cars, now_s, settings))
    currents = program.solve()
    if settings.whole_minimums:
        currents = _with_whole_minimums(program, currents)
    return {cars[n].charger: current_a for n, current_a in currents.items()}


def _with_whole_minimums(program: FirstStepProgram, currents: dict[int, float]) -> dict[int, float]:
    """The plan again with each car at its minimum or more, or paused, in its first step (see
    the module's docstring). Where the minimums so chosen do not fit (a phasor sum can grow
    when a car is paused), fewer are given; if none fit, the fractions stay."""
    network, cars = program.problem.network, program.problem.cars
    whole = {n for n, a in currents.items() if a >= minimum_a(network, cars[n]) - 1e-6}
    fractions = sorted(
        (n for n, a in currents.items() if a > _NOTHING_A and n not in whole),
        key=lambda n: -currents[n],
    )
    if not fractions:
        return currents
    minimums = sum(currents[n] / minimum_a(network, cars[n]) for n in fractions)
    for count in sorted({min(len(fractions), int(minimums + 0.5)), 0}, reverse=True):
        given = whole | set(fractions[:count])
        fixed = FirstStep(paused=set(fractions[count:]), at_least=given)
        try:
            return program.solve(fixed)
        except SolverError:
            logger.debug("minimums for %d cars do not fit the plan's first step", len(given))
    return currents


def _within_own_circuits(
    network: Network, room: Sequence[float], cars: Sequence[PlanCar]
) -> list[PlanCar]:
    """The cars that can take current, each with its ceiling lowered to what the constraints it
    is the only planned car on allow (its branch circuit, usually): bounds, not rows."""
    ceilings = {car.charger: car.ceiling_a for car in cars}
    for k, constraint in enumerate(network.constraints):
        planned = [
            (i, coeff)
            for i, coeff in zip(constraint.members, constraint.coeffs, strict=True)
            if i in ceilings
        ]
        if len(planned) == 1:
            i, coeff = planned[0]
            ceilings[i] = min(ceilings[i], room[k] / abs(coeff))
    return [
        replace(car, ceiling_a=ceilings[car.charger]) for car in cars if ceilings[car.charger] > 0
    ]


def by_charger_id(network: Network, planned: Mapping[int, float]) -> dict[str, float]:
    ids = network.charger_ids
    return {ids[i]: current_a for i, current_a in planned.items()}
