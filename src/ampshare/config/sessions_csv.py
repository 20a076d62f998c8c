"""Charging sessions from a CSV file, one row a session (the Caltech ACN data's form).

    session_id,station_id,arrival,departure,energy_kwh
    2_39_89_25_20190301T0620,CA-315,2019-03-01T06:20:00-08:00,2019-03-01T07:40:00-08:00,4.216

station_id is a charger id of the site; arrival and departure are ISO 8601 times with a UTC
offset (an empty departure: the car stays to the end); energy_kwh is what the driver wants.
Every problem names the file and the line; rows outside the window [from, until) of arrivals
are left out, but their problems are still reported (the file itself is wrong).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ampshare.config.scenario_drafts import SessionDraft
from ampshare.config.scenario_problems import id_hint
from ampshare.config.scenario_times import parse_moment
from ampshare.domain import Problem

if TYPE_CHECKING:
    import _csv

CSV_COLUMNS = ("session_id", "station_id", "arrival", "departure", "energy_kwh")
WH_PER_KWH = 1000.0


@dataclass(frozen=True)
class ArrivalWindow:
    """Keep the sessions arriving in [from_, until); None: no bound."""

    from_: datetime | None = None
    until: datetime | None = None

    def keeps(self, arrival: datetime) -> bool:
        after_from = self.from_ is None or arrival >= self.from_
        return after_from and (self.until is None or arrival < self.until)


def read_sessions_csv(
    path: Path, shown: str, charger_ids: Collection[str], window: ArrivalWindow
) -> tuple[list[SessionDraft], list[Problem]]:
    """The sessions of the file that fall in the window, and every problem of the file.

    shown: the file's name in problems. Raises OSError or UnicodeDecodeError if it cannot be read.
    """
    reader = _Reader(shown, charger_ids)
    with path.open(newline="", encoding="utf-8-sig") as file:
        rows = csv.reader(file)
        try:
            reader.read(_numbered(rows))
        except csv.Error as exc:
            reader.problems.append(Problem(f"{shown}, line {rows.line_num}", f"CSV error: {exc}"))
    kept = [session for session, arrival in reader.sessions if window.keeps(arrival)]
    return kept, reader.problems


def _numbered(rows: _csv.Reader) -> Iterator[tuple[int, list[str]]]:
    """Each row with the line it starts on (a quoted field may span lines)."""
    line = 1
    for row in rows:
        yield line, row
        line = rows.line_num + 1


class _Reader:
    def __init__(self, shown: str, charger_ids: Collection[str]) -> None:
        self.shown = shown
        self.charger_ids = charger_ids
        self.problems: list[Problem] = []
        self.sessions: list[tuple[SessionDraft, datetime]] = []
        self._lines_by_id: dict[str, int] = {}

    def read(self, rows: Iterable[tuple[int, list[str]]]) -> None:
        columns: dict[str, int] | None = None
        for line, row in rows:
            if not row or not "".join(row).strip():
                continue  # a blank line is not a session
            if columns is None:
                columns = self._header(line, row)
                if columns is None:
                    return
            else:
                self._row(line, row, columns)
        if columns is None:
            self.problems.append(
                Problem(self.shown, f"the file is empty: it needs a header {','.join(CSV_COLUMNS)}")
            )

    def _header(self, line: int, row: list[str]) -> dict[str, int] | None:
        where = f"{self.shown}, line {line}"
        names = [name.strip() for name in row]
        good = True
        for name in names:
            if name not in CSV_COLUMNS:
                hint = id_hint(name, CSV_COLUMNS, "the columns are")
                self.problems.append(Problem(where, f"unknown column {name!r} {hint}"))
                good = False
        for name in CSV_COLUMNS:
            if names.count(name) > 1:
                self.problems.append(Problem(where, f"column {name!r} is named twice"))
                good = False
            if name not in names:
                self.problems.append(
                    Problem(
                        where,
                        f"missing column {name!r}: the header must name every one "
                        f"of {','.join(CSV_COLUMNS)}",
                    )
                )
                good = False
        return {name: names.index(name) for name in CSV_COLUMNS} if good else None

    def _row(self, line: int, row: list[str], columns: dict[str, int]) -> None:
        if len(row) != len(columns):
            where = f"{self.shown}, line {line}"
            self.problems.append(
                Problem(
                    where,
                    f"has {len(row)} fields, the header has {len(columns)}: "
                    "check for a missing or extra comma",
                )
            )
            return
        cell = {name: row[index].strip() for name, index in columns.items()}
        session_id = cell["session_id"]
        where = f"{self.shown}, line {line}" + (f" (session {session_id!r})" if session_id else "")
        before = len(self.problems)
        self._check_id(where, line, session_id)
        self._check_station(where, cell["station_id"])
        arrival = self._moment(where, "arrival", cell["arrival"])
        departure = (
            self._moment(where, "departure", cell["departure"]) if cell["departure"] else None
        )
        energy_kwh = self._energy(where, cell["energy_kwh"])
        if len(self.problems) > before or arrival is None or energy_kwh is None:
            return
        draft = SessionDraft(
            where=where,
            id=session_id,
            charger_id=cell["station_id"],
            arrive=arrival,
            leave=departure,
            energy_wh=energy_kwh * WH_PER_KWH,
            arrive_key="arrival",
            leave_key="departure",
        )
        self.sessions.append((draft, arrival))

    def _check_id(self, where: str, line: int, session_id: str) -> None:
        if not session_id:
            self.problems.append(Problem(where, "session_id is empty: give every session an id"))
        elif session_id in self._lines_by_id:
            first = self._lines_by_id[session_id]
            self.problems.append(
                Problem(
                    where, f"session_id {session_id!r} is also on line {first}: ids must be unique"
                )
            )
        else:
            self._lines_by_id[session_id] = line

    def _check_station(self, where: str, station_id: str) -> None:
        if station_id not in self.charger_ids:
            hint = id_hint(station_id, self.charger_ids, "the site's chargers")
            self.problems.append(
                Problem(where, f"station_id {station_id!r} is not a charger of the site {hint}")
            )

    def _moment(self, where: str, column: str, text: str) -> datetime | None:
        try:
            return parse_moment(text)
        except ValueError as exc:
            self.problems.append(Problem(where, f"{column} {exc}"))
            return None

    def _energy(self, where: str, text: str) -> float | None:
        try:
            energy_kwh = float(text)
        except ValueError:
            energy_kwh = math.nan
        if math.isfinite(energy_kwh) and energy_kwh >= 0:
            return energy_kwh
        self.problems.append(
            Problem(where, f"energy_kwh must be a number of kWh, 0 or more, got {text!r}")
        )
        return None
