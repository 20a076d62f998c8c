"""load_site(path): read a TOML site file, check it, and build the domain's Site.

Every entry is checked on its own, so one bad charger does not hide the problems of the
others; the electrical rules of ampshare.domain.validate_site then run on the entries that
parsed. Problems that only follow from an entry that failed to parse (a charger on a circuit
whose own entry is malformed) are not reported twice.
"""

from __future__ import annotations

import logging
import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import ValidationError

from ampshare.config.errors import ConfigError, read_problem
from ampshare.config.installation import Installation
from ampshare.config.messages import suggestion, validation_problems
from ampshare.config.mqtt_checks import mqtt_problems
from ampshare.config.mqtt_schema import MqttTable
from ampshare.config.ocpp_schema import OcppTable, ocpp_problems, resolve_paths
from ampshare.config.site_schema import (
    ChargerEntry,
    CircuitEntry,
    MeterEntry,
    SiteDocument,
    SiteTable,
)
from ampshare.domain import Problem, Site, validate_site

logger = logging.getLogger(__name__)

_TOML_POSITION = re.compile(r"\s*\(at (line \d+, column \d+|end of document)\)$")

_ENTRY_INDEX = re.compile(r"\b(circuits|chargers|meters)\[(\d+)\]")
_ARRAY_RANK = {"circuits": 2, "chargers": 3, "meters": 4}
_TABLE_RANK = {"[site]": (1, 0), "[ocpp]": (5, 0), "[mqtt]": (6, 0)}

EntryT = TypeVar("EntryT", CircuitEntry, ChargerEntry, MeterEntry)
TableT = TypeVar("TableT", OcppTable, MqttTable)


def load_site(path: Path | str) -> Site:
    """Read and check a site file; raise ConfigError listing every problem found."""
    return load_installation(path).site


def load_installation(path: Path | str) -> Installation:
    """Read and check a site file with how ampshare reaches its devices."""
    path = Path(path)
    installation = parse_installation(read_toml(path), path)
    site = installation.site
    logger.debug(
        "site %s: %d circuits, %d chargers, %d meters",
        path,
        len(site.circuits),
        len(site.chargers),
        len(site.meters),
    )
    return installation


def read_toml(path: Path) -> dict[str, Any]:
    """The file's TOML document; ConfigError if it cannot be read or parsed."""
    try:
        with path.open("rb") as file:
            return tomllib.load(file)
    except (OSError, UnicodeDecodeError) as exc:
        problem = read_problem(exc)
    except tomllib.TOMLDecodeError as exc:
        problem = _toml_problem(exc)
    raise ConfigError(path, [problem])


def _toml_problem(exc: tomllib.TOMLDecodeError) -> Problem:
    text = str(exc)
    match = _TOML_POSITION.search(text)
    where = match.group(1) if match else ""
    detail = text[: match.start()] if match else text
    detail = detail[:1].lower() + detail[1:]
    return Problem(where, f"TOML syntax error: {detail}; fix the file there")


def parse_site(data: Mapping[str, Any], path: Path) -> Site:
    """Build a Site from a parsed document; raise ConfigError listing every problem."""
    return parse_installation(data, path).site


def parse_installation(data: Mapping[str, Any], path: Path) -> Installation:
    """Build the Site and its device settings; raise ConfigError listing every problem."""
    parser = _SiteParser(data)
    site = parser.site()
    problems = parser.problems + parser.domain_problems(site) + parser.device_problems(site)
    problems += parser.ocpp_problems(path.parent)
    if problems:
        raise ConfigError(path, sorted(problems, key=_file_position))
    return parser.installation(site, path.parent)


def _file_position(problem: Problem) -> tuple[int, int]:
    """Sort key that lists problems in file order, entry by entry (sorted() is stable)."""
    match = _ENTRY_INDEX.search(problem.where)
    if match is None:
        return _TABLE_RANK.get(problem.where, (0, 0))
    return (_ARRAY_RANK[match.group(1)], int(match.group(2)))


@dataclass
class _Entries(Generic[EntryT]):
    """The entries of one array of tables that parsed, and what is known of those that did not."""

    parsed: list[tuple[int, EntryT]] = field(default_factory=list)
    broken_ids: set[str] = field(default_factory=set)
    unusable: bool = False  # the array itself is not an array of tables
    any_broken: bool = False


class _SiteParser:
    def __init__(self, data: Mapping[str, Any]) -> None:
        self.problems: list[Problem] = []
        self._raw_tables = {key for key in ("ocpp", "mqtt") if data.get(key) is not None}
        document = self._document(data)
        self.table = self._site_table(document.site)
        self.circuits = self._entries(document.circuits, "circuits", "circuit", CircuitEntry)
        self.chargers = self._entries(document.chargers, "chargers", "charger", ChargerEntry)
        self.meters = self._entries(document.meters, "meters", "meter", MeterEntry)
        self.ocpp = self._optional_table(document.ocpp, "[ocpp]", OcppTable)
        self.mqtt = self._optional_table(document.mqtt, "[mqtt]", MqttTable)

    def _document(self, data: Mapping[str, Any]) -> SiteDocument:
        try:
            return SiteDocument.model_validate(data)
        except ValidationError as exc:
            self.problems += validation_problems("top level", exc, SiteDocument)
            known = {key: value for key, value in data.items() if key in SiteDocument.model_fields}
            return SiteDocument.model_validate(known)

    def _site_table(self, raw: object) -> SiteTable | None:
        if raw is None:
            self.problems.append(
                Problem("[site]", "missing: add a [site] table with name and voltage_v")
            )
            return None
        try:
            return SiteTable.model_validate(raw)
        except ValidationError as exc:
            self.problems += validation_problems("[site]", exc, SiteTable)
            return None

    def _optional_table(self, raw: object, where: str, model: type[TableT]) -> TableT | None:
        if raw is None:
            return None
        try:
            return model.model_validate(raw)
        except ValidationError as exc:
            self.problems += validation_problems(where, exc, model)
            return None

    def device_problems(self, site: Site) -> list[Problem]:
        """What the device settings ask of each other: MQTT devices need a broker."""
        names = self._entry_names()
        problems = []
        mqtt_devices = [
            f"charger {entry.id!r}" for _, entry in self.chargers.parsed if entry.openevse
        ] + [f"meter {entry.id!r}" for _, entry in self.meters.parsed if entry.protocol]
        if mqtt_devices and self.mqtt is None and "mqtt" not in self._raw_tables:
            for name in mqtt_devices:
                problems.append(
                    Problem(
                        names.get(name, name),
                        "is read over MQTT but the file has no [mqtt] table: add one with the "
                        "broker's host and port",
                    )
                )
        problems += mqtt_problems(
            [entry for _, entry in self.chargers.parsed],
            [entry for _, entry in self.meters.parsed],
            self.mqtt,
            site,
            lambda name: names.get(name, name),
        )
        group = self.ocpp.auto_register_circuit if self.ocpp else None
        if group is not None and group not in site.circuits_by_id:
            problems.append(
                Problem(
                    "[ocpp]",
                    f"auto_register_circuit {group!r} is not a circuit "
                    + suggestion(group, list(site.circuits_by_id)),
                )
            )
        return problems

    def ocpp_problems(self, base_dir: Path) -> list[Problem]:
        """What the OCPP settings ask of each other (security profiles, passwords, TLS)."""
        if "ocpp" in self._raw_tables and self.ocpp is None:
            return []  # the [ocpp] table itself is broken: reported already
        names = self._entry_names()
        chargers = [
            (entry.id, entry.protocol, entry.ocpp)
            for _, entry in self.chargers.parsed
            if entry.protocol in ("ocpp1.6", "ocpp2.0.1")
        ]
        return [
            Problem(names.get(problem.where, problem.where), problem.message)
            for problem in ocpp_problems(self.ocpp, chargers, base_dir)
        ]

    def installation(self, site: Site, base_dir: Path) -> Installation:
        return Installation(
            site=site,
            ocpp=None if self.ocpp is None else resolve_paths(self.ocpp, base_dir),
            mqtt=self.mqtt,
            chargers={entry.id: entry for _, entry in self.chargers.parsed},
            meters={entry.id: entry for _, entry in self.meters.parsed},
        )

    def _entries(self, raw: object, array: str, kind: str, model: type[EntryT]) -> _Entries[EntryT]:
        entries: _Entries[EntryT] = _Entries()
        if not isinstance(raw, list):
            self.problems.append(
                Problem(
                    array,
                    f"must be an array of tables: start each {kind} with [[{array}]] "
                    "(two brackets)",
                )
            )
            entries.unusable = entries.any_broken = True
            return entries
        for index, item in enumerate(raw):
            where = entry_where(kind, array, index, item)
            try:
                entries.parsed.append((index, model.model_validate(item)))
            except ValidationError as exc:
                self.problems += validation_problems(where, exc, model)
                entries.any_broken = True
                raw_id = item.get("id") if isinstance(item, dict) else None
                if isinstance(raw_id, str):
                    entries.broken_ids.add(raw_id)
        return entries

    def site(self) -> Site:
        """The site of the entries that parsed (voltage NaN if [site] did not)."""
        return Site(
            name=self.table.name if self.table else "",
            voltage_v=self.table.voltage_v if self.table else math.nan,
            circuits=tuple(entry.to_domain() for _, entry in self.circuits.parsed),
            chargers=tuple(entry.to_domain() for _, entry in self.chargers.parsed),
            meters=tuple(entry.to_domain() for _, entry in self.meters.parsed),
        )

    def domain_problems(self, site: Site) -> list[Problem]:
        """validate_site's problems, named as in the file, minus mere consequences."""
        names = self._entry_names()
        consequences = self._consequences(site)
        return [
            Problem(names.get(problem.where, problem.where), problem.message)
            for problem in validate_site(site)
            if not any(
                problem.where == where and word in problem.message for where, word in consequences
            )
        ]

    def _entry_names(self) -> dict[str, str]:
        """Domain names ("charger 'left'") -> file names ("charger 'left' (chargers[0])")."""
        names = {"site": "[site]"}
        for kind, array, entries in self._arrays():
            indices: dict[str, list[int]] = {}
            for index, entry in entries.parsed:
                indices.setdefault(entry.id, []).append(index)
            for entry_id, found in indices.items():
                places = ", ".join(f"{array}[{index}]" for index in found)
                names[f"{kind} {entry_id!r}"] = f"{kind} {entry_id!r} ({places})"
        return names

    def _arrays(
        self,
    ) -> tuple[
        tuple[str, str, _Entries[CircuitEntry]],
        tuple[str, str, _Entries[ChargerEntry]],
        tuple[str, str, _Entries[MeterEntry]],
    ]:
        return (
            ("circuit", "circuits", self.circuits),
            ("charger", "chargers", self.chargers),
            ("meter", "meters", self.meters),
        )

    def _consequences(self, site: Site) -> list[tuple[str, str]]:
        """(domain where, word in the message) of problems caused by entries that did not parse."""
        found: list[tuple[str, str]] = []
        if self.table is None:
            found.append(("site", "voltage_v"))
        if self.circuits.any_broken:
            found.append(("site", "no circuits"))
        known = site.circuits_by_id
        broken = self.circuits.broken_ids

        def missing(circuit_id: str | None) -> bool:
            if circuit_id is None or circuit_id in known:
                return False
            return self.circuits.unusable or circuit_id in broken

        for circuit in site.circuits:
            if missing(circuit.parent):
                found.append((f"circuit {circuit.id!r}", repr(circuit.parent)))
        for charger in site.chargers:
            if missing(charger.circuit):
                found.append((f"charger {charger.id!r}", repr(charger.circuit)))
        for meter in site.meters:
            if missing(meter.circuit):
                found.append((f"meter {meter.id!r}", repr(meter.circuit)))
        return found


def entry_where(kind: str, array: str, index: int, item: object) -> str:
    """ "charger 'left' (chargers[0])", or "chargers[0]" when the entry has no usable id."""
    entry_id = item.get("id") if isinstance(item, dict) else None
    if isinstance(entry_id, str) and entry_id:
        return f"{kind} {entry_id!r} ({array}[{index}])"
    return f"{array}[{index}]"
