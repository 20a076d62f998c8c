"""Play a scenario on a site: cars arrive and leave, faults happen, and a controller (ampshare's
control loop or a strategy it is compared with) decides the offers. Returns what a user wants to
know afterwards: energy per car, pilot changes and pauses, loads against limits, demand."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from ampshare.control.loop import ControlLoop
from ampshare.control.settings import LoopSettings
from ampshare.domain import Site
from ampshare.sim.car import Car
from ampshare.sim.controller import Controller
from ampshare.sim.recorder import ConductorRecord, Trace
from ampshare.sim.runner import SiteSimulation
from ampshare.sim.scenario import Fault, FaultKind, Scenario, Session

ControllerFactory = Callable[[Site], Controller]

# a car counts as fully served when it got what it wanted, give or take this much
SERVED_TOLERANCE_WH = 50.0
SERVED_TOLERANCE_RATIO = 0.01


def fully_served(wanted_wh: float, delivered_wh: float) -> bool:
    return delivered_wh >= wanted_wh - max(SERVED_TOLERANCE_WH, SERVED_TOLERANCE_RATIO * wanted_wh)


@dataclass(frozen=True)
class SessionResult:
    id: str
    charger_id: str
    wanted_wh: float
    delivered_wh: float
    pilot_changes: int
    pauses: int

    @property
    def served(self) -> bool:
        return fully_served(self.wanted_wh, self.delivered_wh)


@dataclass(frozen=True)
class RunResult:
    controller: str
    sessions: tuple[SessionResult, ...]
    conductors: tuple[ConductorRecord, ...]
    demand_peak_w: dict[str, float]  # circuit id -> highest 15-minute average power
    trace: Trace | None
    simulated_s: float
    wall_s: float
    cpu_s: float  # the process's processor time: on a busy machine, steadier than wall_s
    commands: int

    @property
    def delivered_wh(self) -> float:
        return sum(s.delivered_wh for s in self.sessions)

    @property
    def wanted_wh(self) -> float:
        return sum(s.wanted_wh for s in self.sessions)

    @property
    def served(self) -> int:
        return sum(s.served for s in self.sessions)

    @property
    def over_limit_s(self) -> float:
        return max((c.over_limit_s for c in self.conductors), default=0.0)

    @property
    def over_breaker_s(self) -> float:
        return max((c.over_breaker_s for c in self.conductors), default=0.0)


def ampshare_loop(settings: LoopSettings | None = None) -> ControllerFactory:
    def make(site: Site) -> Controller:
        return ControlLoop(site, settings)

    return make


class Playback:
    """One scenario run, step by step (the demo shows it live), or all at once with run()."""

    def __init__(
        self,
        site: Site,
        scenario: Scenario,
        controller: ControllerFactory | None = None,
        *,
        name: str = "ampshare",
        trace_period_s: float | None = None,
        fixed_step_s: float | None = None,
    ) -> None:
        """fixed_step_s: step the simulation this often instead of from one moment at which
        anything can happen to the next (for tests that check the jumps change nothing)."""
        self.site = site
        self.fixed_step_s = fixed_step_s
        self.scenario = scenario
        self.name = name
        self._factory = controller or ampshare_loop()
        self.sim = SiteSimulation(
            site,
            households=scenario.households,
            reading_interval_s=scenario.reading_interval_s,
            meter_period_s=scenario.meter_period_s,
            controller=self._factory(site),
            trace_period_s=trace_period_s,
        )
        self._events = sorted(
            [(s.arrival_s, 1, s) for s in scenario.sessions]
            + [(s.departure_s, 0, s) for s in scenario.sessions if s.departure_s is not None]
            + [(f.at_s, 2, f) for f in scenario.faults],
            key=lambda e: (e[0], e[1]),
        )
        self._next_event = 0
        self._plugged: dict[str, tuple[Session, Car]] = {}
        self.results: list[SessionResult] = []
        self._wall_s = 0.0
        self._cpu_s = 0.0

    @property
    def done(self) -> bool:
        return self.sim.now_s >= self.scenario.duration_s - 1e-9

    @property
    def plugged(self) -> dict[str, tuple[Session, Car]]:
        return self._plugged

    def run_until(self, end_s: float) -> None:
        started, started_cpu = time.perf_counter(), time.process_time()
        end_s = min(end_s, self.scenario.duration_s)
        while self._next_event < len(self._events) and self._events[self._next_event][0] <= end_s:
            at_s, _, event = self._events[self._next_event]
            self._next_event += 1
            self.sim.run_until(at_s, self.fixed_step_s)
            if isinstance(event, Fault):
                self._fault(event)
            elif at_s == event.arrival_s and event.charger_id not in self._plugged:
                self._arrive(event)
            else:
                self._leave(event)
        self.sim.run_until(end_s, self.fixed_step_s)
        self._wall_s += time.perf_counter() - started
        self._cpu_s += time.process_time() - started_cpu

    def run(self) -> RunResult:
        self.run_until(self.scenario.duration_s)
        for session, car in list(self._plugged.values()):
            self._close(session, car)
        self._plugged.clear()
        return RunResult(
            controller=self.name,
            sessions=tuple(self.results),
            conductors=tuple(self.sim.records),
            demand_peak_w={cid: d.peak_w for cid, d in self.sim.recorder.demand.items()},
            trace=self.sim.recorder.trace,
            simulated_s=self.sim.now_s,
            wall_s=self._wall_s,
            cpu_s=self._cpu_s,
            commands=len(self.sim.commands),
        )

    def _arrive(self, session: Session) -> None:
        car = Car(session.car, session.energy_wanted_wh)
        if session.shares_needs:
            self.sim.plug_in(session.charger_id, car, session.departure_s, session.energy_wanted_wh)
        else:
            self.sim.plug_in(session.charger_id, car)
        self._plugged[session.charger_id] = (session, car)

    def _leave(self, session: Session) -> None:
        plugged = self._plugged.get(session.charger_id)
        if plugged is None or plugged[0] is not session:
            return
        self._close(session, plugged[1])
        del self._plugged[session.charger_id]
        self.sim.unplug(session.charger_id)

    def _close(self, session: Session, car: Car) -> None:
        charger = self.sim.chargers[session.charger_id]
        self.results.append(
            SessionResult(
                session.id,
                session.charger_id,
                session.energy_wanted_wh,
                car.delivered_wh,
                charger.pilot_changes,
                car.pauses,
            )
        )

    def _fault(self, fault: Fault) -> None:
        sim, kind, target = self.sim, fault.kind, fault.target or ""
        if kind is FaultKind.AMPSHARE_DOWN:
            sim.ampshare_up = False
        elif kind is FaultKind.AMPSHARE_UP:
            # a restarted server remembers nothing: a new controller, told by the chargers
            sim.controller = self._factory(self.site)
            sim.ampshare_up = True
        elif kind is FaultKind.METER_SILENT:
            sim.meters[target].go_silent()
        elif kind is FaultKind.METER_BACK:
            sim.meters[target].speak()
        elif kind is FaultKind.CHARGER_DISCONNECT:
            sim.chargers[target].disconnect()
            if sim.ampshare_up:
                sim.deliver(sim.controller.charger_lost(target, sim.now_s))
        elif kind is FaultKind.CHARGER_RECONNECT:
            sim.chargers[target].reconnect()
        elif kind is FaultKind.CHARGER_IGNORES_COMMANDS:
            sim.chargers[target].ignore_commands = True
        elif kind is FaultKind.CHARGER_OBEYS_COMMANDS:
            sim.chargers[target].ignore_commands = False


def run_scenario(
    site: Site,
    scenario: Scenario,
    controller: ControllerFactory | None = None,
    *,
    name: str = "ampshare",
    trace_period_s: float | None = None,
) -> RunResult:
    return Playback(site, scenario, controller, name=name, trace_period_s=trace_period_s).run()
