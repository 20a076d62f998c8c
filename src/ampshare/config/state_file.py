"""load_state(path, site): read a JSON state file (cars at the chargers, meter readings, and
the power budget of circuits with a demand limit).

Every entry is checked on its own and every problem is reported: unknown keys and ids,
wrong types, NaN or infinite numbers (Python's json accepts them), then the domain's
validate_state (negative or absurd readings, meter values per line).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from ampshare.config.errors import ConfigError, read_problem
from ampshare.config.messages import describe, suggestion, validation_problems
from ampshare.config.state_schema import (
    ChargerStateEntry,
    CircuitStateEntry,
    MeterReadingEntry,
    StateDocument,
)
from ampshare.domain import (
    ChargerState,
    MeterReading,
    Problem,
    Site,
    SiteState,
    StateError,
    validate_state,
)

logger = logging.getLogger(__name__)

EntryT = TypeVar("EntryT", ChargerStateEntry, MeterReadingEntry, CircuitStateEntry)


def load_state(path: Path | str, site: Site) -> SiteState:
    """Read and check a state file against the site; raise ConfigError listing every problem."""
    path = Path(path)
    state = parse_state(read_json(path), site, path)
    logger.debug("state %s: %d chargers, %d meters", path, len(state.chargers), len(state.meters))
    return state


def read_json(path: Path) -> Any:
    """The file's JSON value; ConfigError if it cannot be read or parsed."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        problem = read_problem(exc)
    except json.JSONDecodeError as exc:
        problem = Problem(
            f"line {exc.lineno}, column {exc.colno}",
            f"JSON syntax error: {exc.msg[:1].lower()}{exc.msg[1:]}; fix the file there",
        )
    raise ConfigError(path, [problem])


def parse_state(data: object, site: Site, path: Path) -> SiteState:
    """Build a SiteState from a parsed JSON value; raise ConfigError listing every problem."""
    problems: list[Problem] = []
    if not isinstance(data, dict):
        problems.append(
            Problem(
                "top level",
                f'must be a JSON object such as {{"chargers": {{}}, "meters": {{}}}}, '
                f"got {describe(data)}",
            )
        )
        raise ConfigError(path, problems)
    try:
        document = StateDocument.model_validate(data)
    except ValidationError as exc:
        problems += validation_problems("top level", exc, StateDocument)
        known = {key: value for key, value in data.items() if key in StateDocument.model_fields}
        document = StateDocument.model_validate(known)
    chargers: dict[str, ChargerState] = {
        charger_id: entry.to_domain()
        for charger_id, entry in _entries(
            document.chargers, "charger", site.chargers_by_id, ChargerStateEntry, problems
        ).items()
    }
    meters: dict[str, MeterReading] = {
        meter_id: entry.to_domain()
        for meter_id, entry in _entries(
            document.meters, "meter", site.meters_by_id, MeterReadingEntry, problems
        ).items()
    }
    budgets = _power_budgets(document.circuits, site, problems)
    state = SiteState(chargers=chargers, meters=meters, power_budget_w=budgets)
    try:
        validate_state(site, state)
    except StateError as exc:
        problems += exc.problems
    if problems:
        raise ConfigError(path, problems)
    return state


def _power_budgets(raw: object, site: Site, problems: list[Problem]) -> dict[str, float]:
    """The circuits' power budgets: what their demand limits leave for now."""
    entries = _entries(raw, "circuit", site.circuits_by_id, CircuitStateEntry, problems)
    return {
        circuit_id: budget_w
        for circuit_id, entry in entries.items()
        if (budget_w := entry.to_domain()) is not None
    }


def _entries(
    raw: object,
    kind: str,
    known_ids: Collection[str],
    model: type[EntryT],
    problems: list[Problem],
) -> dict[str, EntryT]:
    """The entries of one object keyed by id that parsed; problems for the others."""
    array = f"{kind}s"
    if not isinstance(raw, Mapping):
        example = f'{{"{next(iter(known_ids), "id")}": {{...}}}}'
        problems.append(Problem(array, f"must be an object keyed by {kind} id, e.g. {example}"))
        return {}
    parsed: dict[str, EntryT] = {}
    for entry_id, item in raw.items():
        where = f"{kind} {entry_id!r}"
        if entry_id not in known_ids:
            problems.append(
                Problem(
                    where,
                    f"no such {kind} in the site file {suggestion(entry_id, known_ids)}",
                )
            )
            continue
        try:
            parsed[entry_id] = model.model_validate(item)
        except ValidationError as exc:
            problems += validation_problems(where, exc, model)
    return parsed
