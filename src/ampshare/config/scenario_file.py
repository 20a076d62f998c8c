"""load_scenario(path, site): read a TOML scenario file (and its sessions CSV) for a site.

A scenario says which cars come and go on the site's chargers, what else draws current, and
what goes wrong, in simulated time. Every key is optional except where marked::

    [scenario]
    name = "An evening at home"   # default: the file's name
    duration = "6:00"             # default: until the last departure
    start = "2026-11-20T17:00:00-08:00"   # the wall clock at time 0 (ISO 8601 with a UTC offset)
    reading_interval_s = 5        # how often each charger reports (default 5)
    meter_period_s = 1            # how often each meter reports (default 1)
    sessions_csv = "data/sessions.csv"    # more sessions, from a CSV file (relative to this one)
    from = "2019-03-01T00:00:00-08:00"    # with sessions_csv: keep only the sessions that
    until = "2019-03-08T00:00:00-08:00"   #   arrive in [from, until)

    [car]                         # what every car is like, unless its session says otherwise
    battery_kwh = 60              # default 60
    max_current_a = 32            # the most the car draws; default: its charger's rating
    taper_soc = 0.8               # above this state of charge its current falls (default 0.8)
    draw_ratio = 0.95             # it draws this share of its offer (default 0.95)
    resume_limit = 10             # it gives up for good at its 10th pause (default: never)
    finish_current_a = 1          # the taper ends at this current, then it charges to full
    charge_limit_soc = 0.9        # it stops here, with what it wanted (default 0.9)

    [[sessions]]                  # one car's visit
    charger = "driveway"          # required: a charger id of the site
    arrive = "0:30"               # required
    leave = "6:00"                # default: it stays to the end
    energy_kwh = 30               # required: the energy the driver wants
    id = "commuter"               # default: "<charger>@<arrive>", here "driveway@0:30"
    car = { battery_kwh = 75 }    # this car's own [car] keys

    [[faults]]
    at = "2:00"                   # required
    kind = "meter_silent"         # required (see below)
    target = "house"              # the meter or charger, for the kinds that name one
    duration = "0:02"             # and its end this long after: here meter_back at 2:02

    [[households]]                # the non-EV load on a circuit (and so on those above it)
    circuit = "service"           # required: a circuit id of the site; one entry a circuit
    base_a = 5                    # always on (default 0)
    spikes = [ { at = "0:30", duration = "0:45", current_a = 18, name = "oven" } ]
    # or: profile = "typical_evening" and seed = 1: a random but reproducible evening over the
    # whole scenario (base load, oven, dryer, heat pump); spikes listed are added to it.

Times: a time of day is an offset from the start in quotes: "H:MM", "H:MM:SS" or "2d 4:00"
(durations are written the same way), or an ISO 8601 date and time with a UTC offset
("2026-11-20T18:30:00-08:00", quoted or not) once the scenario has a start. Without `start`,
a scenario whose sessions arrive at dates (a CSV, or ISO times) starts at midnight, in the
first arrival's UTC offset, of the day of the first arrival.

Fault kinds: ampshare_down / ampshare_up (the server stops / comes back), meter_silent /
meter_back (target: a meter), charger_disconnect / charger_reconnect (target: a charger; it
loses ampshare), charger_ignores_commands / charger_obeys_commands (target: a charger; online
but deaf). `duration` is for the first of each pair; an end that falls after the scenario's
end is left out (the fault lasts to the end).

Sessions CSV: a header `session_id,station_id,arrival,departure,energy_kwh`, then one row a
session; station_id is a charger id of the site, arrival and departure ISO 8601 times with a
UTC offset (an empty departure: it stays to the end), energy_kwh what the driver wants. Its
cars are the [car] defaults.

Batteries: a car arrives with its charge limit (charge_limit_soc of the battery) less the
energy it wants, and stops drawing when it has it. A car that wants more than its battery holds
below its limit gets a battery just big enough, and arrives empty.

Refused, with every problem listed by file, entry (or CSV line) and key: unknown keys (with a
suggestion), missing keys, values of the wrong type, ids that are not in the site, session ids
used twice, a departure not after its arrival, sessions that overlap on one charger (a charger
holds one car at a time), anything that happens before the start or at or after the end.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ampshare.config.errors import ConfigError, read_problem
from ampshare.config.scenario_drafts import SessionDraft
from ampshare.config.scenario_problems import id_hint, table_problems
from ampshare.config.scenario_schema import (
    FAULT_ENDS,
    CarTable,
    FaultEntry,
    HouseholdEntry,
    ScenarioDocument,
    ScenarioTable,
    SessionEntry,
)
from ampshare.config.scenario_timeline import WH_PER_KWH, ScenarioParts, assemble
from ampshare.config.scenario_times import show_when
from ampshare.config.sessions_csv import ArrivalWindow, read_sessions_csv
from ampshare.config.site_file import read_toml
from ampshare.domain import Problem, Site
from ampshare.sim.scenario import FAULT_TARGETS, Scenario

logger = logging.getLogger(__name__)

ModelT = TypeVar("ModelT", bound=BaseModel)


def load_scenario(path: Path | str, site: Site) -> Scenario:
    """Read and check a scenario file for the site; raise ConfigError listing every problem."""
    path = Path(path)
    scenario = parse_scenario(read_toml(path), site, path)
    logger.debug(
        "scenario %s: %d sessions, %d faults, %.0f s",
        path,
        len(scenario.sessions),
        len(scenario.faults),
        scenario.duration_s,
    )
    return scenario


def parse_scenario(data: Mapping[str, Any], site: Site, path: Path) -> Scenario:
    """Build a Scenario from a parsed document; raise ConfigError listing every problem."""
    reader = _ScenarioReader(data, site, path)
    problems = reader.problems
    scenario = assemble(reader.parts(), site, problems)
    if problems:
        raise ConfigError(path, problems)
    return scenario


class _ScenarioReader:
    """Parses each table and entry on its own, so one bad entry does not hide the others."""

    def __init__(self, data: Mapping[str, Any], site: Site, path: Path) -> None:
        self.problems: list[Problem] = []
        self.site = site
        self.path = path
        document = self._document(data)
        table = self._validate(ScenarioTable, _table(document.scenario), "[scenario]")
        self.table_ok = table is not None
        self.table = table or ScenarioTable()
        self.car = self._validate(CarTable, _table(document.car), "[car]") or CarTable()
        before = len(self.problems)
        self.sessions = self._sessions(document.sessions) + self._csv_sessions()
        self.sessions_ok = len(self.problems) == before
        self.faults = self._faults(document.faults)
        self.households = self._households(document.households)

    def parts(self) -> ScenarioParts:
        return ScenarioParts(
            name=self.table.name or self.path.stem,
            table=self.table,
            table_ok=self.table_ok,
            sessions_ok=self.sessions_ok,
            car=self.car,
            sessions=tuple(self.sessions),
            faults=tuple(self.faults),
            households=tuple(self.households),
        )

    def _document(self, data: Mapping[str, Any]) -> ScenarioDocument:
        try:
            return ScenarioDocument.model_validate(data)
        except ValidationError as exc:
            self.problems += table_problems("top level", exc, ScenarioDocument)
            fields = ScenarioDocument.model_fields
            return ScenarioDocument.model_validate({k: v for k, v in data.items() if k in fields})

    def _validate(self, model: type[ModelT], raw: object, where: str) -> ModelT | None:
        try:
            return model.model_validate(raw)
        except ValidationError as exc:
            self.problems += table_problems(where, exc, model)
            return None

    def _array(self, raw: object, array: str, kind: str) -> list[tuple[int, object]]:
        if isinstance(raw, list):
            return list(enumerate(raw))
        self.problems.append(
            Problem(
                array,
                f"must be an array of tables: start each {kind} with [[{array}]] (two brackets)",
            )
        )
        return []

    def _known(self, where: str, key: str, value: str, ids: Collection[str], kind: str) -> bool:
        if value in ids:
            return True
        hint = id_hint(value, ids, f"the site's {kind}s")
        self.problems.append(Problem(where, f"{key} {value!r} is not a {kind} of the site {hint}"))
        return False

    def _sessions(self, raw: object) -> list[SessionDraft]:
        drafts: list[SessionDraft] = []
        for index, item in self._array(raw, "sessions", "session"):
            given_id = _text(item, "id")
            where = (
                f"session {given_id!r} (sessions[{index}])" if given_id else f"sessions[{index}]"
            )
            entry = self._validate(SessionEntry, item, where)
            if entry is None:
                continue
            session_id = entry.id or f"{entry.charger}@{show_when(entry.arrive)}"
            where = f"session {session_id!r} (sessions[{index}])"
            if self._known(where, "charger", entry.charger, self.site.chargers_by_id, "charger"):
                drafts.append(
                    SessionDraft(
                        where=where,
                        id=session_id,
                        charger_id=entry.charger,
                        arrive=entry.arrive,
                        leave=entry.leave,
                        energy_wh=entry.energy_kwh * WH_PER_KWH,
                        car=entry.car,
                        shares_needs=entry.shares_needs,
                    )
                )
        return drafts

    def _csv_sessions(self) -> list[SessionDraft]:
        table = self.table
        window = ArrivalWindow(table.from_, table.until)
        if table.sessions_csv is None:
            if window.from_ is not None or window.until is not None:
                self.problems.append(
                    Problem(
                        "[scenario]",
                        "from and until cut down a sessions_csv: add sessions_csv, or remove them",
                    )
                )
            return []
        if window.from_ is not None and window.until is not None and window.until <= window.from_:
            self.problems.append(
                Problem(
                    "[scenario]",
                    f"until {window.until.isoformat()} is not after from "
                    f"{window.from_.isoformat()}: no session could arrive in between",
                )
            )
            return []
        csv_path = self.path.parent / table.sessions_csv
        try:
            drafts, problems = read_sessions_csv(
                csv_path, str(csv_path), self.site.chargers_by_id, window
            )
        except (OSError, UnicodeDecodeError) as exc:
            message = read_problem(exc).message
            self.problems.append(
                Problem(
                    "[scenario]",
                    f"sessions_csv {table.sessions_csv!r} ({csv_path}): "
                    f"{message} (it is relative to the scenario file)",
                )
            )
            return []
        self.problems += problems
        if not drafts and not problems:
            why = "has no sessions"
            if window.from_ is not None or window.until is not None:
                why = "has no session that arrives between from and until: check their dates"
            self.problems.append(Problem("[scenario]", f"sessions_csv {csv_path} {why}"))
        return drafts

    def _faults(self, raw: object) -> list[tuple[str, FaultEntry]]:
        found: list[tuple[str, FaultEntry]] = []
        for index, item in self._array(raw, "faults", "fault"):
            kind = _text(item, "kind")
            where = f"fault {kind!r} (faults[{index}])" if kind else f"faults[{index}]"
            entry = self._validate(FaultEntry, item, where)
            if entry is not None and self._fault_ok(where, entry):
                found.append((where, entry))
        return found

    def _fault_ok(self, where: str, entry: FaultEntry) -> bool:
        before = len(self.problems)
        device = FAULT_TARGETS.get(entry.kind)
        if device is None and entry.target is not None:
            self.problems.append(
                Problem(where, f"target: {entry.kind.value} names no device: remove target")
            )
        elif device is not None and entry.target is None:
            ids = self.site.chargers_by_id if device == "charger" else self.site.meters_by_id
            hint = id_hint("", ids, f"the site's {device}s")
            self.problems.append(
                Problem(
                    where,
                    f"missing key 'target': {entry.kind.value} needs the id of a {device} {hint}",
                )
            )
        elif device is not None and entry.target is not None:
            ids = self.site.chargers_by_id if device == "charger" else self.site.meters_by_id
            self._known(where, "target", entry.target, ids, device)
        if entry.duration is not None and entry.kind not in FAULT_ENDS:
            starts = ", ".join(kind.value for kind in FAULT_ENDS)
            self.problems.append(
                Problem(
                    where,
                    f"duration: {entry.kind.value} ends a fault and has no duration of its own; "
                    f"duration is for {starts}",
                )
            )
        return len(self.problems) == before

    def _households(self, raw: object) -> list[tuple[str, HouseholdEntry]]:
        found: list[tuple[str, HouseholdEntry]] = []
        circuits: dict[str, str] = {}
        for index, item in self._array(raw, "households", "household"):
            circuit = _text(item, "circuit")
            where = f"households[{index}]"
            if circuit:
                where = f"household on {circuit!r} ({where})"
            entry = self._validate(HouseholdEntry, item, where)
            if entry is None or not self._household_ok(where, entry):
                continue
            if entry.circuit in circuits:
                self.problems.append(
                    Problem(
                        where,
                        f"circuit {entry.circuit!r} already has {circuits[entry.circuit]}"
                        ": put all its loads in one entry",
                    )
                )
                continue
            circuits[entry.circuit] = where
            found.append((where, entry))
        return found

    def _household_ok(self, where: str, entry: HouseholdEntry) -> bool:
        before = len(self.problems)
        self._known(where, "circuit", entry.circuit, self.site.circuits_by_id, "circuit")
        if entry.profile is None and entry.seed is not None:
            self.problems.append(
                Problem(
                    where, 'seed is for a profile: add profile = "typical_evening", or remove seed'
                )
            )
        if entry.profile is not None and entry.base_a is not None:
            self.problems.append(
                Problem(
                    where,
                    f"base_a: the profile {entry.profile!r} has its own base load: "
                    "remove base_a (spikes listed are added to the profile's)",
                )
            )
        if (entry.profile, entry.base_a, entry.seed) == (None, None, None) and not entry.spikes:
            self.problems.append(
                Problem(where, 'no load: give base_a, spikes or profile = "typical_evening"')
            )
        return len(self.problems) == before


def _table(raw: object) -> object:
    """A table the file may leave out: absent is empty (but an empty array is still wrong)."""
    return {} if raw is None else raw


def _text(item: object, key: str) -> str | None:
    """A string the user gave for key, to name the entry by even if it does not parse."""
    value = item.get(key) if isinstance(item, dict) else None
    return value if isinstance(value, str) and value else None
