"""The offline optimum: the most energy any schedule could deliver, as a linear program.

With perfect knowledge of every car's arrival, departure and energy wanted, and within every
limit of the site, how much energy could the cars get? `ampshare simulate --compare` prints it
beside what ampshare delivered. It is an *upper bound*: every simplification below only ever
allows more than a real controller can do on the simulated devices (ampshare.sim.car,
ampshare.sim.evse), so no controller can beat it.

The model, per busy period (a stretch of steps in which some car is plugged in):

- Time is cut into steps of step_s from t = 0. Variables: each session's mean **draw** d (A)
  while plugged in, in each step it covers; a step it covers only in part counts only the
  covered time, both for its energy and, weighted by that share, for the step's limits.
- Charger and car: d <= car max_current_a, and d <= draw_ratio * charger max_current_a (a car
  draws draw_ratio of its offer, and the charger caps the offer).
- Circuit limits apply to what the cars draw, the current a breaker sees: a controller that
  measures the draws may offer a little more than a limit (primary/secondary sharing does).
  With limits_on_offers they apply to offers instead, the bound for a controller that never
  counts on a car drawing less than offered (ampshare): the offer that allows a draw d is
  d / draw_ratio. Each constraint of the compiled network holds for the step's mean currents:
  the limits are convex (a norm, or a sum), so mean currents that kept the limit at every
  instant keep it too. A phasor limit
  |sum c_i I_i| <= L becomes an outer polygon (ampshare.lp.polygon) that lets a line
  carry at most 0.1 % more; a limit with one car in the step is a bound on its draw; one whose
  cars cannot reach it together is left out.
- Non-EV load: other_load(k, t0_s, t1_s) gives the mean non-EV load on constraint k over the
  step (A, or W on a power constraint) and lowers its limit (never below 0). The mean, not the
  highest: a controller that follows the meter gets the room of every dip within the step, so
  the highest would make the bound too low. (Exact while the non-EV load alone stays within
  the limit.)
- Battery (the car's two-stage linear model): energy E (Wh) at the start of each step, E_0 =
  the charge limit - wanted, clamped to 0..limit as Car does (CarModel.start_energy_wh),
  E_{k+1} = E_k + d_k * V * covered_s / 3600 with V = network.watts_per_amp. The energy
  delivered is at most the energy wanted, and stops at the charge limit. Taper:
  d_k <= max_current_a * (battery - E_k) / (battery * (1 - taper_soc)) + finish_current_a:
  the sum bounds the car's max(taper, finish), and E_k at the start of the step is the least
  E in the step, so the bound holds all through it. The 6 A minimum (pauses) is ignored.
- Demand limits (circuit id -> W): the mean power drawn by the chargers under the circuit over
  each clock-aligned 15-minute interval (from t = 0) is at most the limit, i.e. their energy in
  the interval is at most limit * 0.25 h. On draws, not offers: a bill is made from metered
  power, and a controller may rely on cars drawing less than offered to stay under an average.
  The non-EV load is left out of it (that can only allow more). step_s must divide 900 s.
- Maximise the total energy delivered. Busy periods (joined when they share a demand interval)
  are independent programs: each is solved on its own (HiGHS, interior point) and the energies
  are summed.

The total is the optimum; how it is split between sessions is one of many optimal schedules,
and so is the count of sessions served that it gives.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ampshare.domain.network import Network
from ampshare.lp import LpBuilder, LpSize, SolverError
from ampshare.sim.optimum_model import (
    DEMAND_INTERVAL_S,
    Grid,
    OtherLoad,
    Stay,
    build_period,
    make_stay,
)
from ampshare.sim.playback import fully_served
from ampshare.sim.scenario import Session

__all__ = ["LpSize", "OptimumResult", "SolverError", "offline_optimum"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class OptimumResult:
    energy_wh: Mapping[str, float]  # per session id: what the optimum delivers
    wanted_wh: Mapping[str, float]  # per session id: what it wanted
    step_s: float
    solve_s: float  # wall time spent in the solver
    periods: int  # the busy periods, one program each
    size: LpSize  # of all the programs together

    @property
    def total_wh(self) -> float:
        return sum(self.energy_wh.values())

    @property
    def requested_wh(self) -> float:
        return sum(self.wanted_wh.values())

    @property
    def served(self) -> int:
        """Sessions fully served (99 % of what they wanted, as the simulator's runs count it)
        in the optimal schedule found: another schedule with the same total may serve more."""
        return sum(
            1
            for session_id, wanted_wh in self.wanted_wh.items()
            if fully_served(wanted_wh, self.energy_wh[session_id])
        )


def offline_optimum(
    network: Network,
    sessions: Sequence[Session],
    *,
    duration_s: float,
    step_s: float = 300.0,
    other_load: OtherLoad | None = None,
    demand_limits_w: Mapping[str, float] | None = None,
    limits_on_offers: bool = False,
) -> OptimumResult:
    """The most energy any schedule could deliver to these sessions (an upper bound).

    other_load: (constraint index in network.constraints, t0_s, t1_s) -> the mean non-EV load
        on that constraint over the step (A, or W on a power constraint).
    demand_limits_w: circuit id -> the most mean power over each 15-minute interval from t = 0
        (None: none; the site's own circuits' demand_limit_w are not read here).
    limits_on_offers: False (the default) bounds every controller that keeps the true currents
        within the limits, even one that counts on cars drawing less than offered; True bounds
        those that never do, as ampshare (limits on the offers, d / draw_ratio).
    Raises ValueError for a session on an unknown charger or a session id used twice, and
    SolverError if HiGHS fails.
    """
    demand = dict(demand_limits_w or {})
    _check_arguments(network, sessions, duration_s, step_s, demand)
    grid = Grid(step_s, duration_s)
    index = {charger_id: i for i, charger_id in enumerate(network.charger_ids)}
    stays = [
        stay
        for session in sessions
        if (stay := make_stay(session, index[session.charger_id], grid)) is not None
    ]
    steps_per_interval = round(DEMAND_INTERVAL_S / step_s) if demand else None
    energy_wh = {session.id: 0.0 for session in sessions}
    size = LpSize(0, 0, 0)
    solve_s = 0.0
    periods = busy_periods(stays, steps_per_interval)
    for period in periods:
        builder = LpBuilder()
        variables = build_period(
            builder,
            network,
            period,
            grid,
            other_load=other_load,
            demand_limits_w=demand,
            limits_on_offers=limits_on_offers,
        )
        solution = builder.solve()
        period_solve_s = solution.solve_s
        x = solution.x.tolist()
        for stay_vars in variables:
            delivered_wh = stay_vars.energy_wh(x)
            # the solver's tolerances may overshoot by a hair: never report more than wanted
            energy_wh[stay_vars.stay.session.id] = min(
                stay_vars.stay.deliverable_wh, max(0.0, delivered_wh)
            )
        size += builder.size
        solve_s += period_solve_s
        logger.debug(
            "busy period of %d sessions from step %d: %s solved in %.3f s",
            len(period),
            period[0].steps[0],
            builder.size,
            period_solve_s,
        )
    return OptimumResult(
        energy_wh=energy_wh,
        wanted_wh={session.id: session.energy_wanted_wh for session in sessions},
        step_s=step_s,
        solve_s=solve_s,
        periods=len(periods),
        size=size,
    )


def busy_periods(stays: Sequence[Stay], steps_per_interval: int | None) -> list[list[Stay]]:
    """Group stays that share a step (or, with demand limits, a demand interval): each group
    is a program of its own."""

    def reach(stay: Stay) -> tuple[int, int]:
        first, last = stay.steps[0], stay.steps[-1]
        if steps_per_interval is None:
            return first, last
        first -= first % steps_per_interval
        return first, last - last % steps_per_interval + steps_per_interval - 1

    periods: list[list[Stay]] = []
    period_last = -1
    for stay in sorted(stays, key=lambda s: reach(s)[0]):
        first, last = reach(stay)
        if periods and first <= period_last:
            periods[-1].append(stay)
            period_last = max(period_last, last)
        else:
            periods.append([stay])
            period_last = last
    return periods


def _check_arguments(
    network: Network,
    sessions: Sequence[Session],
    duration_s: float,
    step_s: float,
    demand_limits_w: Mapping[str, float],
) -> None:
    if not (math.isfinite(duration_s) and duration_s > 0):
        raise ValueError(f"duration_s must be positive, not {duration_s}")
    if not (math.isfinite(step_s) and step_s > 0):
        raise ValueError(f"step_s must be positive, not {step_s}")
    chargers = set(network.charger_ids)
    seen: set[str] = set()
    for session in sessions:
        if session.id in seen:
            raise ValueError(f"session {session.id!r} appears twice")
        seen.add(session.id)
        if session.charger_id not in chargers:
            raise ValueError(f"session {session.id!r}: unknown charger {session.charger_id!r}")
    for circuit_id, limit_w in demand_limits_w.items():
        if circuit_id not in network.site.circuits_by_id:
            raise ValueError(f"demand limit on unknown circuit {circuit_id!r}")
        if not limit_w >= 0:
            raise ValueError(f"demand limit on {circuit_id!r} must be at least 0 W, not {limit_w}")
    if demand_limits_w:
        per_interval = DEMAND_INTERVAL_S / step_s
        if abs(per_interval - round(per_interval)) > 1e-9 or round(per_interval) < 1:
            raise ValueError(
                f"step_s ({step_s} s) must divide the 900 s demand interval, so that every "
                "step lies within one interval"
            )
