"""One scenario under ampshare and under the ways people share circuits today, beside the
offline optimum: the most energy any schedule could have delivered."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ampshare.control.settings import LoopSettings
from ampshare.domain import Site
from ampshare.domain.network import ConstraintKind, Network, compile_network
from ampshare.sim.controller import Controller
from ampshare.sim.optimum import OptimumResult, offline_optimum
from ampshare.sim.playback import RunResult, ampshare_loop, run_scenario
from ampshare.sim.scenario import Scenario
from ampshare.sim.strategies import BASELINES

logger = logging.getLogger(__name__)

_LOAD_SAMPLE_S = 60.0  # the optimum sees the non-EV load as its mean over each minute


@dataclass(frozen=True)
class Contender:
    name: str
    description: str
    make: Callable[[Site], Controller]


FAIR_SHARE_ONLY = "ampshare, needs unused"


def contenders(scenario: Scenario | None = None) -> list[Contender]:
    """ampshare first, then the baselines from the oldest practice to the most dynamic. When
    drivers share their needs in the scenario, also ampshare as if they did not."""
    result = [Contender("ampshare", "ampshare's control loop", ampshare_loop())]
    if scenario is not None and any(s.shares_needs for s in scenario.sessions):
        result.append(
            Contender(
                FAIR_SHARE_ONLY,
                "ampshare sharing fairly, without the drivers' departures and energies",
                ampshare_loop(LoopSettings(schedule=None)),
            )
        )
    for strategy in BASELINES:
        result.append(Contender(strategy.name, strategy.description, strategy))
    return result


@dataclass(frozen=True)
class Comparison:
    runs: tuple[RunResult, ...]
    optimum: OptimumResult | None


def compare(
    site: Site,
    scenario: Scenario,
    *,
    with_optimum: bool = True,
    only: Sequence[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> Comparison:
    runs = []
    for contender in contenders(scenario):
        if only is not None and contender.name not in only:
            continue
        if progress:
            progress(contender.name)
        runs.append(run_scenario(site, scenario, contender.make, name=contender.name))
    optimum = None
    if with_optimum:
        if progress:
            progress("offline optimum")
        optimum = scenario_optimum(site, scenario)
    return Comparison(tuple(runs), optimum)


def scenario_optimum(site: Site, scenario: Scenario, step_s: float = 300.0) -> OptimumResult:
    network = compile_network(site)
    demand = {c.id: c.demand_limit_w for c in site.circuits if c.demand_limit_w is not None}
    return offline_optimum(
        network,
        scenario.sessions,
        duration_s=scenario.duration_s,
        step_s=step_s,
        other_load=_household_load(site, network, scenario) if scenario.households else None,
        demand_limits_w=demand,
        # the yardstick for controllers that never offer more than a circuit carries: a car
        # may draw its whole offer, so a safe schedule counts offers against the limits
        limits_on_offers=True,
    )


def _household_load(
    site: Site, network: Network, scenario: Scenario
) -> Callable[[int, float, float], float]:
    """The mean non-EV load on a constraint over a step, as the simulator applies it."""
    under: dict[str, list[str]] = {c.id: [] for c in site.circuits}
    for circuit_id in scenario.households:
        for ancestor in site.ancestors(circuit_id):
            under[ancestor.id].append(circuit_id)

    def load(k: int, t0_s: float, t1_s: float) -> float:
        constraint = network.constraints[k]
        profiles = [scenario.households[c] for c in under[constraint.circuit_id]]
        if not profiles or t1_s <= t0_s:
            return 0.0
        samples = max(1, round((t1_s - t0_s) / _LOAD_SAMPLE_S))
        width_s = (t1_s - t0_s) / samples
        mean_a = (
            sum(p.current_a(t0_s + (j + 0.5) * width_s) for p in profiles for j in range(samples))
            / samples
        )
        if constraint.kind is ConstraintKind.POWER:
            return mean_a * site.voltage_v
        return mean_a

    return load
