"""A site as a rich Tree: circuits nested as wired, each with its limits, chargers below."""

from __future__ import annotations

from rich.text import Text
from rich.tree import Tree

from ampshare.domain import Charger, Circuit, Site
from ampshare.domain.units import fmt_a, fmt_w


def site_tree(site: Site) -> Tree:
    """The circuit tree of a valid site (no cycles, every parent known)."""
    tree = Tree(Text.assemble((site.name, "bold"), f" — {site.voltage_v:g} V"))
    _add_circuits(site, tree, None)
    return tree


def _add_circuits(site: Site, node: Tree, parent: str | None) -> None:
    for circuit_id in site.children.get(parent, ()):
        circuit = site.circuits_by_id[circuit_id]
        branch = node.add(circuit_label(site, circuit))
        for charger in site.chargers:
            if charger.circuit == circuit_id:
                branch.add(charger_label(site, charger))
        _add_circuits(site, branch, circuit_id)


def circuit_label(site: Site, circuit: Circuit) -> Text:
    """ "garage — 50 A breaker, 40 A continuous", with phases, connection, caps and meter."""
    parts = []
    if circuit.phases == 3:
        parts.append("3-phase")
    if circuit.connection is not None:
        parts.append(f"on {circuit.connection.text}")
    parts.append(f"{fmt_a(circuit.breaker_a)} breaker")
    continuous = f"{fmt_a(circuit.continuous_limit_a)} continuous"
    if circuit.phases == 3:
        continuous += " per line"
    if circuit.limit_a is not None:
        continuous += " (operator limit)"
    parts.append(continuous)
    if circuit.max_power_w is not None:
        parts.append(f"power cap {fmt_w(circuit.max_power_w)}")
    if circuit.demand_limit_w is not None:
        parts.append(f"demand limit {fmt_w(circuit.demand_limit_w)} (15-minute average)")
    if circuit.primary_voltage_v is not None:
        parts.append(
            f"{circuit.primary_voltage_v:g} V transformer primary "
            f"({fmt_a(circuit.primary_breaker_rating_a)} breaker, "
            f"{fmt_a(circuit.primary_continuous_limit_a)} continuous per line)"
        )
    meters = [meter.id for meter in site.meters if meter.circuit == circuit.id]
    for meter_id in meters:
        parts.append(f"meter {meter_id!r}")
    if circuit.safe_budget_a is not None:
        parts.append(f"{fmt_a(circuit.safe_budget_a)} for EVs while its meter is stale")
    return Text.assemble((circuit.id, "bold"), " — " + ", ".join(parts))


def charger_label(site: Site, charger: Charger) -> Text:
    """ "charger left — 40 A rating, min 6 A, fallback 6 A", with start, lines and priority."""
    parts = [
        f"{fmt_a(charger.max_current_a)} rating",
        f"min {fmt_a(charger.min_current_a)}",
        f"fallback {fmt_a(charger.fallback_current_a)}",
    ]
    if charger.start_current_a is not None:
        parts.append(f"start {fmt_a(charger.start_current_a)}")
    supply = site.supply_connection(charger)
    if site.circuits_by_id[charger.circuit].phases == 3 and supply is not None:
        parts.append(supply.text)
    if charger.priority:
        parts.append(f"priority {charger.priority}")
    return Text.assemble("charger ", (charger.id, "bold cyan"), " — " + ", ".join(parts))
