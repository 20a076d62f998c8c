"""From the parsed parts of a scenario file to a Scenario: times in seconds, checked together.

Here live the checks that need more than one entry: the start (given, or midnight before the
first arrival written as a date), the duration (given, or the last departure), times after the
end, session ids used twice, and sessions that overlap on one charger.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from ampshare.config.scenario_drafts import SessionDraft
from ampshare.config.scenario_schema import (
    DEFAULT_BATTERY_KWH,
    DEFAULT_CHARGE_LIMIT_SOC,
    FAULT_ENDS,
    CarTable,
    FaultEntry,
    HouseholdEntry,
    ScenarioTable,
)
from ampshare.config.scenario_times import SECONDS_PER_HOUR, When, show_span, show_when
from ampshare.domain import Problem, Site
from ampshare.sim.car import CarModel
from ampshare.sim.household import HouseholdProfile, Spike, typical_evening
from ampshare.sim.scenario import Fault, Scenario, Session

WH_PER_KWH = 1000.0


@dataclass(frozen=True)
class ScenarioParts:
    """What parsed of a scenario file. table_ok: [scenario] parsed (else table holds the
    defaults, and checks that depend on its start or duration stay quiet); sessions_ok: every
    session parsed (else a missing duration may only be a consequence)."""

    name: str
    table: ScenarioTable
    table_ok: bool
    sessions_ok: bool
    car: CarTable
    sessions: tuple[SessionDraft, ...]
    faults: tuple[tuple[str, FaultEntry], ...]
    households: tuple[tuple[str, HouseholdEntry], ...]


@dataclass(frozen=True)
class _Visit:
    draft: SessionDraft
    arrival_s: float
    departure_s: float | None

    @property
    def end_s(self) -> float:
        return math.inf if self.departure_s is None else self.departure_s


def first_midnight(sessions: tuple[SessionDraft, ...]) -> datetime | None:
    """Midnight (in its own UTC offset) of the day of the first arrival written as a date."""
    moments = [s.arrive for s in sessions if isinstance(s.arrive, datetime)]
    if not moments:
        return None
    return min(moments).replace(hour=0, minute=0, second=0, microsecond=0)


def assemble(parts: ScenarioParts, site: Site, problems: list[Problem]) -> Scenario:
    """The Scenario; every problem found is appended to problems (the caller then refuses it)."""
    start = parts.table.start or first_midnight(parts.sessions)
    timeline = _Timeline(start, parts.table, parts.table_ok, problems)
    visits = timeline.visits(parts.sessions)
    timeline.set_end(visits, quiet=not parts.sessions_ok)
    sessions = _sessions(
        visits, timeline, parts.car, site, problems, share_needs=parts.table.drivers_share_needs
    )
    _check_overlaps(visits, problems)
    return Scenario(
        name=parts.name,
        duration_s=timeline.duration_s or 0.0,
        sessions=tuple(sorted(sessions, key=lambda s: s.arrival_s)),
        faults=tuple(sorted(timeline.faults(parts.faults), key=lambda f: f.at_s)),
        households=timeline.households(parts.households),
        start=start,
        reading_interval_s=parts.table.reading_interval_s,
        meter_period_s=parts.table.meter_period_s,
    )


class _Timeline:
    """Turns the file's times into seconds from the start, and checks them against the end."""

    def __init__(
        self, start: datetime | None, table: ScenarioTable, table_ok: bool, problems: list[Problem]
    ) -> None:
        self.start = start
        self.table = table
        self.quiet = not table_ok
        self.problems = problems
        self.duration_s: float | None = table.duration

    def seconds(self, when: When, where: str, key: str) -> float | None:
        if not isinstance(when, datetime):
            return when
        if self.start is None:
            if not self.quiet:
                self.problems.append(
                    Problem(
                        where,
                        f"{key} {when.isoformat()} is a date and time, but the scenario has no "
                        'start: set start in [scenario], or write an offset such as "1:30"',
                    )
                )
            return None
        seconds = (when - self.start).total_seconds()
        if seconds < 0:
            self.problems.append(
                Problem(
                    where,
                    f"{key} {when.isoformat()} is before the start of the scenario "
                    f"({self.start.isoformat()})",
                )
            )
            return None
        return seconds

    def before_end(self, seconds: float, where: str, key: str, written: When) -> bool:
        """Whether something that happens at seconds falls within the scenario."""
        if self.duration_s is None or seconds < self.duration_s:
            return True
        why = "" if self.table.duration is not None else " (by default, the last departure)"
        self.problems.append(
            Problem(
                where,
                f"{key} {show_when(written)} is at or after the end of the scenario "
                f"({show_span(self.duration_s)} from the start{why}): set a longer duration "
                "in [scenario], or remove it",
            )
        )
        return False

    def visits(self, drafts: tuple[SessionDraft, ...]) -> list[_Visit]:
        found: list[_Visit] = []
        for draft in drafts:
            arrival_s = self.seconds(draft.arrive, draft.where, draft.arrive_key)
            departure_s = None
            if draft.leave is not None:
                departure_s = self.seconds(draft.leave, draft.where, draft.leave_key)
                if departure_s is None:
                    continue
            if arrival_s is None:
                continue
            if departure_s is not None and departure_s <= arrival_s:
                self.problems.append(
                    Problem(
                        draft.where,
                        f"{draft.leave_key} {show_when(draft.leave or 0.0)} is not after "
                        f"{draft.arrive_key} {show_when(draft.arrive)}: a car leaves after it "
                        "arrives",
                    )
                )
                continue
            found.append(_Visit(draft, arrival_s, departure_s))
        return found

    def set_end(self, visits: list[_Visit], quiet: bool) -> None:
        """The duration: given, else the last departure."""
        if self.duration_s is not None:
            return
        departures = [v.departure_s for v in visits if v.departure_s is not None]
        if departures:
            self.duration_s = max(departures)
        elif not (self.quiet or quiet):
            self.problems.append(
                Problem(
                    "[scenario]",
                    "duration is missing, and no session has a departure to end at: "
                    'add duration = "H:MM" to [scenario]',
                )
            )

    def faults(self, entries: tuple[tuple[str, FaultEntry], ...]) -> list[Fault]:
        found: list[Fault] = []
        for where, entry in entries:
            at_s = self.seconds(entry.at, where, "at")
            if at_s is None or not self.before_end(at_s, where, "at", entry.at):
                continue
            found.append(Fault(at_s, entry.kind, entry.target))
            if entry.duration is None:
                continue
            end_s = at_s + entry.duration
            # An end after the scenario's end is no event: the fault lasts to the end.
            if self.duration_s is None or end_s < self.duration_s:
                found.append(Fault(end_s, FAULT_ENDS[entry.kind], entry.target))
        return found

    def households(
        self, entries: tuple[tuple[str, HouseholdEntry], ...]
    ) -> Mapping[str, HouseholdProfile]:
        found: dict[str, HouseholdProfile] = {}
        for where, entry in entries:
            spikes: list[Spike] = []
            for index, spike in enumerate(entry.spikes):
                key = f"spikes[{index}].at"
                start_s = self.seconds(spike.at, where, key)
                if start_s is not None and self.before_end(start_s, where, key, spike.at):
                    spikes.append(Spike(start_s, spike.duration, spike.current_a, spike.name))
            if entry.profile is None:
                found[entry.circuit] = HouseholdProfile(entry.base_a or 0.0, tuple(spikes))
            elif self.duration_s is not None:
                hours = self.duration_s / SECONDS_PER_HOUR
                evening = typical_evening(entry.seed or 0, 0.0, hours)
                found[entry.circuit] = HouseholdProfile(
                    evening.base_a, evening.spikes + tuple(spikes)
                )
        return found


def _sessions(
    visits: list[_Visit],
    timeline: _Timeline,
    car: CarTable,
    site: Site,
    problems: list[Problem],
    *,
    share_needs: bool,
) -> list[Session]:
    found: list[Session] = []
    used: dict[str, str] = {}
    for visit in visits:
        draft = visit.draft
        if draft.id in used:
            problems.append(
                Problem(
                    draft.where, f"id {draft.id!r} is also used by {used[draft.id]}: make it unique"
                )
            )
            continue
        used[draft.id] = draft.where
        if not timeline.before_end(visit.arrival_s, draft.where, draft.arrive_key, draft.arrive):
            continue
        rating_a = site.chargers_by_id[draft.charger_id].max_current_a
        try:
            model = car_model(car, draft.car, rating_a, draft.energy_wh)
        except ValueError as exc:
            problems.append(Problem(draft.where, f"car: {exc}"))
            continue
        found.append(
            Session(
                id=draft.id,
                charger_id=draft.charger_id,
                arrival_s=visit.arrival_s,
                departure_s=visit.departure_s,
                energy_wanted_wh=draft.energy_wh,
                car=model,
                shares_needs=share_needs if draft.shares_needs is None else draft.shares_needs,
            )
        )
    return found


def car_model(
    defaults: CarTable, override: CarTable | None, rating_a: float, energy_wh: float
) -> CarModel:
    """The car of a session: the session's keys, else [car]'s, else the defaults (a 60 kWh
    battery with a 90 % charge limit, drawing up to the charger's rating). A car that wants
    more than its battery holds below its limit gets a battery just big enough, and arrives
    empty."""
    keys = defaults.model_dump(exclude_none=True)
    if override is not None:
        keys.update(override.model_dump(exclude_none=True))
    battery_wh = keys.pop("battery_kwh", DEFAULT_BATTERY_KWH) * WH_PER_KWH
    limit_soc = keys.setdefault("charge_limit_soc", DEFAULT_CHARGE_LIMIT_SOC)
    return CarModel(
        battery_wh=max(battery_wh, energy_wh / limit_soc),
        max_current_a=keys.pop("max_current_a", rating_a),
        **keys,
    )


def _check_overlaps(visits: list[_Visit], problems: list[Problem]) -> None:
    """A charger holds one car at a time: [arrival, departure) of its sessions must not meet."""
    by_charger: dict[str, list[_Visit]] = {}
    for visit in visits:
        by_charger.setdefault(visit.draft.charger_id, []).append(visit)
    for charger_id, charger_visits in by_charger.items():
        latest: _Visit | None = None  # of the sessions so far, the one that leaves last
        for visit in sorted(charger_visits, key=lambda v: v.arrival_s):
            if latest is not None and visit.arrival_s < latest.end_s:
                until = (
                    "the end"
                    if latest.departure_s is None
                    else show_when(latest.draft.leave or 0.0)
                )
                problems.append(
                    Problem(
                        visit.draft.where,
                        f"overlaps {latest.draft.where} on charger {charger_id!r}, whose car is "
                        f"there from {show_when(latest.draft.arrive)} to {until}: a charger "
                        "holds one car at a time",
                    )
                )
            if latest is None or visit.end_s > latest.end_s:
                latest = visit
