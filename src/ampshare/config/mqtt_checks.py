"""What the MQTT device tables ask of each other and of the site, checked by `ampshare check`.

- An OpenEVSE unit pauses by itself when ampshare's feed to its shaper stops: that is its
  fallback, so the site file must say fallback_current_a = 0 (else every count the loop makes
  of it offline, and the safe budget of its circuit, would rest on a current it never has).
- Its announce topic must be known (derived from a default base topic, or given), and no two
  units may share a base topic or a shaper feed.
- A Shelly EM Gen1 measures single-phase channels: not a 3-phase circuit's meter. A Pro 3EM
  on a 3-phase circuit reads all three phases, each once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ampshare.config.mqtt_schema import MqttTable
from ampshare.config.site_schema import ChargerEntry, MeterEntry
from ampshare.domain import Problem, Site

Name = Callable[[str], str]  # "charger 'left'" -> "charger 'left' (chargers[0])"


def mqtt_problems(
    chargers: Sequence[ChargerEntry],
    meters: Sequence[MeterEntry],
    mqtt: MqttTable | None,
    site: Site,
    name: Name,
) -> list[Problem]:
    prefix = mqtt.prefix if mqtt is not None else "ampshare"
    problems = _openevse_problems(chargers, prefix, name)
    problems += _shelly_problems(meters, site, name)
    return problems


def _openevse_problems(chargers: Sequence[ChargerEntry], prefix: str, name: Name) -> list[Problem]:
    problems: list[Problem] = []
    base_owner: dict[str, str] = {}
    feed_owner: dict[str, str] = {}
    for entry in chargers:
        table = entry.openevse
        if table is None:
            continue
        where = name(f"charger {entry.id!r}")
        if entry.fallback_current_a != 0:
            problems.append(
                Problem(
                    where,
                    f"fallback_current_a is {entry.fallback_current_a:g} A, but an OpenEVSE unit "
                    "pauses by itself when ampshare stops feeding its shaper (its data timeout): "
                    "set fallback_current_a = 0, and safe_budget_a on its circuit if its "
                    "chargers should charge while the meter is silent",
                )
            )
        if table.announce() is None:
            problems.append(
                Problem(
                    where,
                    f"base_topic {table.base_topic!r} is not a unit's default (openevse-xxxx), "
                    "so its announce topic is unknown: add announce_topic, the unit's "
                    "'mqtt_announce_topic' (openevse/announce/xxxx)",
                )
            )
        for topic, owners, what in (
            (table.base_topic, base_owner, "base_topic"),
            (table.live_power(prefix, entry.id), feed_owner, "live_power_topic"),
        ):
            other = owners.setdefault(topic, entry.id)
            if other != entry.id:
                problems.append(
                    Problem(
                        where,
                        f"{what} {topic!r} is also charger {other!r}'s: each unit needs its own",
                    )
                )
    return problems


def _shelly_problems(meters: Sequence[MeterEntry], site: Site, name: Name) -> list[Problem]:
    problems: list[Problem] = []
    for entry in meters:
        table = entry.shelly
        circuit = site.circuits_by_id.get(entry.circuit)
        if table is None or circuit is None:
            continue
        where = name(f"meter {entry.id!r}")
        if table.generation == 1 and circuit.phases == 3:
            problems.append(
                Problem(
                    where,
                    f"a Shelly EM Gen1 measures single-phase channels, but circuit {circuit.id!r} "
                    "has 3 phases: use a Pro 3EM (generation = 2) there",
                )
            )
        three = circuit.phases == 3
        if (
            table.generation == 2
            and three
            and table.phases
            and sorted(table.phases) != ["a", "b", "c"]
        ):
            problems.append(
                Problem(
                    where,
                    f"circuit {circuit.id!r} has 3 phases: phases must list 'a', 'b' and 'c' "
                    "once each, in line order L1, L2, L3",
                )
            )
    return problems
