"""Is a site safe to run? Every problem is reported, each with what to do about it."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from ampshare.domain.electrical import (
    CONTINUOUS_FACTOR,
    J1772_MIN_CURRENT_A,
    continuous_limit_a,
    largest_breaker_for_charger_a,
)
from ampshare.domain.errors import Problem, SiteError
from ampshare.domain.network import Constraint, ConstraintKind, compile_network
from ampshare.domain.site import Charger, Circuit, Site
from ampshare.domain.units import fmt_a, fmt_w


def check_site(site: Site) -> None:
    """Raise SiteError listing every problem of the site."""
    problems = validate_site(site)
    if problems:
        raise SiteError(problems)


def validate_site(site: Site) -> list[Problem]:
    structure = _duplicates(site) + _tree(site) + _meters(site)
    values = []
    for circuit in site.circuits:
        values += _circuit(circuit)
    for charger in site.chargers:
        values += _charger(site, charger)
    problems = structure + values
    if not structure and all(_sound_numbers(site)):
        # the electrical sums need a sound tree and real numbers
        problems += _fallbacks_fit(site)
        problems += _new_cars_fit(site)
    return problems


def _sound_numbers(site: Site) -> list[bool]:
    circuits = [
        c.breaker_a > 0
        and math.isfinite(c.breaker_a)
        and math.isfinite(c.continuous_limit_a)
        and all(v is None or math.isfinite(v) for _, v in _optional_numbers(c))
        and all(v is None or v > 0 for v in (c.max_power_w, c.demand_limit_w))
        and (not c.has_primary or _sound_primary(c))
        for c in site.circuits
    ]
    chargers = [
        c.circuit in site.circuits_by_id
        and all(
            math.isfinite(v) and v >= 0
            for v in (c.max_current_a, c.min_current_a, c.fallback_current_a)
        )
        and math.isfinite(c.effective_start_current_a)
        for c in site.chargers
    ]
    return circuits + chargers


def _sound_primary(circuit: Circuit) -> bool:
    """A primary the constraints can be built from (its own problems are reported apart)."""
    voltage_v = circuit.primary_voltage_v
    limit_a = circuit.primary_continuous_limit_a
    return voltage_v is not None and voltage_v > 0 and limit_a > 0 and math.isfinite(limit_a)


def _circuit_where(circuit_id: str) -> str:
    return f"circuit {circuit_id!r}"


def _charger_where(charger_id: str) -> str:
    return f"charger {charger_id!r}"


def _duplicates(site: Site) -> list[Problem]:
    problems = []
    for kind, ids in (
        ("circuit", [c.id for c in site.circuits]),
        ("charger", [c.id for c in site.chargers]),
        ("meter", [m.id for m in site.meters]),
    ):
        for entry_id, count in Counter(ids).items():
            if count > 1:
                problems.append(
                    Problem(
                        f"{kind} {entry_id!r}",
                        f"the id is used by {count} {kind}s: make each unique",
                    )
                )
    if not site.circuits:
        problems.append(
            Problem("site", "no circuits: describe at least the breaker the chargers share")
        )
    if not math.isfinite(site.voltage_v) or site.voltage_v <= 0:
        problems.append(
            Problem("site", f"voltage_v must be a positive number, got {site.voltage_v}")
        )
    return problems


def _tree(site: Site) -> list[Problem]:
    problems = []
    ids = site.circuits_by_id
    for circuit in site.circuits:
        where = _circuit_where(circuit.id)
        if circuit.parent is None:
            continue
        if circuit.parent not in ids:
            problems.append(
                Problem(
                    where, "parent " + _unknown_circuit(circuit.parent, site)[len("circuit ") :]
                )
            )
            continue
        chain = [c.id for c in site.ancestors(circuit.id)]
        last = ids[chain[-1]]
        if last.parent is not None and last.parent in ids:
            problems.append(
                Problem(where, f"its parents form a loop ({' -> '.join([*chain, last.parent])})")
            )
            continue
        parent = ids[circuit.parent]
        if circuit.phases == 3 and parent.phases != 3:
            problems.append(
                Problem(
                    where, f"a 3-phase circuit cannot be fed from 1-phase circuit {parent.id!r}"
                )
            )
        fed_by_three = parent.phases == 3
        if circuit.phases == 1 and fed_by_three and circuit.connection is None:
            problems.append(
                Problem(
                    where,
                    f"it is fed from 3-phase circuit {parent.id!r}: say which lines it uses, "
                    'e.g. connection = "L1-L2" or "L1-N"',
                )
            )
        if circuit.connection is not None and not fed_by_three:
            problems.append(
                Problem(
                    where, "connection only applies to a 1-phase circuit fed from a 3-phase one"
                )
            )
    for circuit in site.circuits:
        if circuit.parent is None and circuit.connection is not None:
            problems.append(
                Problem(
                    _circuit_where(circuit.id),
                    "connection only applies to a 1-phase circuit fed from a 3-phase one",
                )
            )
    return problems


def _unknown_circuit(name: str, site: Site) -> str:
    names = ", ".join(repr(i) for i in list(site.circuits_by_id)[:8])
    known = f"known: {names}" if names else "none are defined"
    return f"circuit {name!r} is not a circuit in this file ({known})"


def _circuit(circuit: Circuit) -> list[Problem]:
    where = _circuit_where(circuit.id)
    if not math.isfinite(circuit.breaker_a) or circuit.breaker_a <= 0:
        return [
            Problem(where, f"breaker_a must be a positive number of amps, got {circuit.breaker_a}")
        ]
    for name, value in _optional_numbers(circuit):
        if value is not None and not math.isfinite(value):
            return [Problem(where, f"{name} must be a finite number, got {value}")]
    problems = _limit(circuit, where)
    if circuit.phases not in (1, 3):
        problems.append(Problem(where, f"phases must be 1 or 3, got {circuit.phases}"))
    if circuit.phases == 3 and circuit.connection is not None:
        problems.append(Problem(where, "a 3-phase circuit uses all three lines: remove connection"))
    if circuit.connection is not None and circuit.connection.is_three_phase:
        problems.append(
            Problem(where, "a 1-phase circuit uses one or two lines: set phases = 3 instead")
        )
    for name, value_w in (
        ("max_power_kw", circuit.max_power_w),
        ("demand_limit_kw", circuit.demand_limit_w),
    ):
        if value_w is not None and value_w <= 0:
            problems.append(Problem(where, f"{name} must be positive, got {_kw(value_w)}"))
    if circuit.safe_budget_a is not None and not (
        0 <= circuit.safe_budget_a <= circuit.continuous_limit_a + 1e-9
    ):
        problems.append(
            Problem(
                where,
                f"safe_budget_a {fmt_a(circuit.safe_budget_a)} must be between 0 and the "
                f"circuit's limit of {fmt_a(circuit.continuous_limit_a)}",
            )
        )
    return problems + _primary(circuit, where)


def _optional_numbers(circuit: Circuit) -> list[tuple[str, float | None]]:
    """The optional numbers of a circuit, named and scaled as the site file writes them."""

    def kw(value_w: float | None) -> float | None:
        return None if value_w is None else value_w / 1000

    return [
        ("limit_a", circuit.limit_a),
        ("max_power_kw", kw(circuit.max_power_w)),
        ("demand_limit_kw", kw(circuit.demand_limit_w)),
        ("safe_budget_a", circuit.safe_budget_a),
        ("primary_voltage_v", circuit.primary_voltage_v),
        ("primary_breaker_a", circuit.primary_breaker_a),
        ("primary_limit_a", circuit.primary_limit_a),
    ]


def _kw(value_w: float) -> str:
    return f"{value_w / 1000:g} kW"


def _limit(circuit: Circuit, where: str) -> list[Problem]:
    rated_a = continuous_limit_a(circuit.breaker_a)
    if circuit.limit_a is None:
        return []
    if circuit.limit_a <= 0:
        return [Problem(where, f"limit_a must be positive, got {circuit.limit_a}")]
    if circuit.limit_a > rated_a + 1e-9:
        return [
            Problem(
                where,
                f"limit_a {fmt_a(circuit.limit_a)} is above {CONTINUOUS_FACTOR:.0%} of its "
                f"{fmt_a(circuit.breaker_a)} breaker ({fmt_a(rated_a)}): EV charging is a "
                "continuous load (NEC 625.41); lower limit_a or leave it out",
            )
        ]
    return []


def _primary(circuit: Circuit, where: str) -> list[Problem]:
    """The transformer primary keys: all or nothing, on a 3-phase circuit, with sound values."""
    breaker_a, limit_a = circuit.primary_breaker_a, circuit.primary_limit_a
    if circuit.primary_voltage_v is None:
        if breaker_a is None and limit_a is None:
            return []
        return [
            Problem(
                where,
                "primary_breaker_a and primary_limit_a describe a transformer primary: add "
                "primary_voltage_v (its line-to-line voltage, e.g. 480)",
            )
        ]
    problems = []
    if circuit.phases != 3:
        problems.append(
            Problem(where, "a transformer primary feeds a 3-phase circuit: set phases = 3")
        )
    if circuit.primary_voltage_v <= 0:
        problems.append(
            Problem(where, f"primary_voltage_v must be positive, got {circuit.primary_voltage_v}")
        )
    if breaker_a is None and limit_a is None:
        problems.append(
            Problem(
                where,
                "a transformer primary needs primary_breaker_a (its continuous limit is then "
                "80 % of it) or primary_limit_a: add one",
            )
        )
    for name, value in (("primary_breaker_a", breaker_a), ("primary_limit_a", limit_a)):
        if value is not None and value <= 0:
            problems.append(Problem(where, f"{name} must be positive, got {value}"))
    if (
        breaker_a is not None
        and limit_a is not None
        and breaker_a > 0
        and limit_a > continuous_limit_a(breaker_a) + 1e-9
    ):
        problems.append(
            Problem(
                where,
                f"primary_limit_a {fmt_a(limit_a)} is above {CONTINUOUS_FACTOR:.0%} of its "
                f"{fmt_a(breaker_a)} primary breaker ({fmt_a(continuous_limit_a(breaker_a))}): "
                "lower primary_limit_a or leave it out",
            )
        )
    return problems


def _charger(site: Site, charger: Charger) -> list[Problem]:
    where = _charger_where(charger.id)
    circuit = site.circuits_by_id.get(charger.circuit)
    if circuit is None:
        return [Problem(where, _unknown_circuit(charger.circuit, site))]
    problems = []
    for name, value in (
        ("min_current_a", charger.min_current_a),
        ("fallback_current_a", charger.fallback_current_a),
        ("start_current_a", charger.start_current_a),
    ):
        if value is not None and not math.isfinite(value):
            return [Problem(where, f"{name} must be a finite number, got {value}")]
    if not math.isfinite(charger.max_current_a) or charger.max_current_a < J1772_MIN_CURRENT_A:
        problems.append(
            Problem(
                where, f"max_current_a must be at least 6 A (J1772), got {charger.max_current_a}"
            )
        )
        return problems
    if charger.min_current_a < J1772_MIN_CURRENT_A:
        problems.append(
            Problem(
                where,
                f"min_current_a {fmt_a(charger.min_current_a)} is below 6 A, the least a J1772 "
                "pilot can offer",
            )
        )
    if charger.min_current_a > charger.max_current_a:
        problems.append(
            Problem(
                where,
                f"min_current_a {fmt_a(charger.min_current_a)} is above its rating "
                f"max_current_a {fmt_a(charger.max_current_a)}",
            )
        )
    for name, value in (
        ("fallback_current_a", charger.fallback_current_a),
        ("start_current_a", charger.start_current_a),
    ):
        if value is None:
            continue
        if value != 0 and not (charger.min_current_a <= value <= charger.max_current_a):
            problems.append(
                Problem(
                    where,
                    f"{name} {fmt_a(value)} must be 0 (no charging) or between min_current_a "
                    f"{fmt_a(charger.min_current_a)} and max_current_a "
                    f"{fmt_a(charger.max_current_a)}",
                )
            )
    largest_a = largest_breaker_for_charger_a(charger.max_current_a)
    if circuit.breaker_a > largest_a:
        problems.append(
            Problem(
                where,
                f"a charger rated {fmt_a(charger.max_current_a)} may sit behind a breaker of at "
                f"most {fmt_a(largest_a)} (125 % of its rating, next standard size), but circuit "
                f"{circuit.id!r} has {fmt_a(circuit.breaker_a)}: use a smaller breaker or put the "
                "charger on a branch circuit of its own",
            )
        )
    if charger.connection is not None and circuit.phases != 3:
        supply = site.supply_connection(charger)
        if supply is None or not supply.same_lines(charger.connection):
            problems.append(
                Problem(
                    where,
                    f"its 1-phase circuit {circuit.id!r} decides its lines: remove connection",
                )
            )
    return problems


def _meters(site: Site) -> list[Problem]:
    problems = []
    seen: dict[str, str] = {}
    for meter in site.meters:
        where = f"meter {meter.id!r}"
        if meter.circuit not in site.circuits_by_id:
            problems.append(Problem(where, _unknown_circuit(meter.circuit, site)))
        elif meter.circuit in seen:
            problems.append(
                Problem(
                    where,
                    f"circuit {meter.circuit!r} already has meter {seen[meter.circuit]!r}: "
                    "one meter a circuit",
                )
            )
        else:
            seen[meter.circuit] = meter.id
    return problems


def _fallbacks_fit(site: Site) -> list[Problem]:
    """If ampshare goes away, every charger drops to its fallback at once: that must fit, and
    keep fitting for as long as ampshare is away, so a demand limit counts as a cap here."""
    network = compile_network(site)
    problems = []
    chargers = site.chargers
    for constraint in network.constraints:
        pairs = list(zip(constraint.members, constraint.coeffs, strict=True))
        total = abs(sum((c * chargers[i].fallback_current_a for i, c in pairs), 0j))
        circuit = site.circuits_by_id[constraint.circuit_id]
        if constraint.kind is ConstraintKind.POWER:
            limit = _steady_power_limit(constraint.limit, circuit.demand_limit_w)
            if total <= limit.value + 1e-6:
                continue
            amount, limit_text, harm = fmt_w(total), limit.text, limit.harm
        else:
            if total <= constraint.limit + 1e-6:
                continue
            name = _conductor_name(constraint)
            amount = fmt_a(total) + (f" on {name}" if name else "")
            limit_text, harm = f"limit of {fmt_a(constraint.limit)}", "trip it"
        problems.append(
            Problem(
                _circuit_where(circuit.id),
                f"its {len(pairs)} chargers fall back to {amount} together if ampshare is lost, "
                f"above its {limit_text}: a server outage could {harm}. Lower "
                "fallback_current_a (0 pauses a charger while ampshare is away)",
            )
        )
    return problems


@dataclass(frozen=True)
class _PowerLimit:
    value: float
    text: str
    harm: str


def _steady_power_limit(cap_w: float, demand_limit_w: float | None) -> _PowerLimit:
    """What a steady draw must stay within: the power cap, or the demand limit if lower."""
    if demand_limit_w is not None and demand_limit_w < cap_w:
        return _PowerLimit(
            demand_limit_w,
            f"demand limit of {fmt_w(demand_limit_w)} (15-minute average)",
            "set a new demand peak",
        )
    return _PowerLimit(cap_w, f"power cap of {fmt_w(cap_w)}", "exceed it")


def _conductor_name(constraint: Constraint) -> str:
    """ "line L2", "the transformer primary's line L1", or "" for a 1-phase conductor."""
    if constraint.line is None:
        return ""
    if constraint.is_primary:
        return f"the transformer primary's line L{constraint.line[1:]}"
    return f"line {constraint.line}"


def _new_cars_fit(site: Site) -> list[Problem]:
    """A car that plugs in draws its charger's start current before ampshare can react; with the
    circuit fully used by the others that must stay within the breaker itself (100 %)."""
    network = compile_network(site)
    chargers = site.chargers
    problems = []
    for constraint in network.constraints:
        if constraint.kind is ConstraintKind.POWER or len(constraint.members) < 2:
            continue
        weights = [abs(c) for c in constraint.coeffs]
        starts = sorted(
            w * chargers[i].effective_start_current_a
            for i, w in zip(constraint.members, weights, strict=True)
        )
        biggest_a = max(
            w * chargers[i].max_current_a for i, w in zip(constraint.members, weights, strict=True)
        )
        busy = math.ceil(constraint.limit / biggest_a - 1e-9)  # fewest cars that fill the limit
        if busy >= len(starts):
            continue
        surge_a = sum(starts[busy:])  # the others idle, the largest start currents first
        worst_a = constraint.limit + surge_a
        breaker_a = constraint.breaker_a or site.circuits_by_id[constraint.circuit_id].breaker_a
        if worst_a <= breaker_a + 1e-6:
            continue
        breaker = "primary breaker" if constraint.is_primary else "breaker"
        name = _conductor_name(constraint)
        problems.append(
            Problem(
                _circuit_where(constraint.circuit_id),
                f"with {busy} car(s) using its whole {fmt_a(constraint.limit)}"
                f"{f' on {name}' if name else ''}, cars arriving at the other "
                f"{len(starts) - busy} chargers at once would each draw their start current "
                f"before ampshare reacts: {fmt_a(worst_a)} on a {fmt_a(breaker_a)} {breaker}. "
                "Set start_current_a = 0 on chargers here (a new car then waits for "
                "ampshare's first offer) or use fewer chargers",
            )
        )
    return problems
