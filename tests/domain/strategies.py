"""Hypothesis strategies: random circuit trees, chargers, states and meter readings."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import strategies as st

from ampshare.domain import (
    CarState,
    Charger,
    ChargerState,
    Circuit,
    Meter,
    MeterReading,
    Site,
    SiteState,
    parse_connection,
)
from tests.domain.builders import T0

LINE_CONNECTIONS = ["L1-N", "L2-N", "L3-N", "L1-L2", "L2-L3", "L3-L1"]
CHARGER_CONNECTIONS = [*LINE_CONNECTIONS, "L1-L2-L3"]


@st.composite
def sites(draw: st.DrawFn, max_circuits: int = 6, max_chargers: int = 10) -> Site:
    three_phase = draw(st.booleans())
    circuits: list[Circuit] = []
    for j in range(draw(st.integers(1, max_circuits))):
        parent = None if j == 0 else circuits[draw(st.integers(0, j - 1))]
        parent_three = parent.phases == 3 if parent else three_phase
        phases = 3 if parent is None and three_phase else 1
        if parent is not None and parent_three:
            phases = draw(st.sampled_from([1, 3]))
        connection = None
        if phases == 1 and parent is not None and parent_three:
            connection = parse_connection(draw(st.sampled_from(LINE_CONNECTIONS)))
        breaker_a = draw(st.sampled_from([15, 20, 30, 40, 50, 60, 80, 100, 150, 200]))
        limit_a = draw(st.one_of(st.none(), st.floats(6, breaker_a * 0.8)))
        max_power_w = draw(st.one_of(st.none(), st.floats(1000, 60000)))
        demand_limit_w = draw(st.one_of(st.none(), st.floats(1000, 60000)))
        safe_budget_a = draw(st.one_of(st.none(), st.floats(0, breaker_a * 0.5)))
        # a 3-phase circuit may be fed by a 480 V delta primary
        primary_breaker_a = None
        if phases == 3:
            primary_breaker_a = draw(st.one_of(st.none(), st.sampled_from([15, 30, 60, 100])))
        circuits.append(
            Circuit(
                f"c{j}",
                breaker_a,
                limit_a=limit_a,
                parent=None if parent is None else parent.id,
                phases=phases,
                connection=connection,
                max_power_w=max_power_w,
                safe_budget_a=safe_budget_a,
                demand_limit_w=demand_limit_w,
                primary_voltage_v=None if primary_breaker_a is None else 480,
                primary_breaker_a=primary_breaker_a,
            )
        )
    chargers = []
    for n in range(draw(st.integers(1, max_chargers))):
        circuit = draw(st.sampled_from(circuits))
        max_a = draw(st.sampled_from([6, 10, 16, 24, 32, 40, 48, 80]))
        min_a = draw(st.sampled_from([m for m in (6, 7, 8) if m <= max_a]))
        connection = None
        if circuit.phases == 3:
            connection = parse_connection(draw(st.sampled_from(CHARGER_CONNECTIONS)))
        chargers.append(
            Charger(
                f"ev{n}",
                circuit.id,
                max_a,
                min_current_a=min_a,
                fallback_current_a=draw(st.sampled_from([0, min_a])),
                connection=connection,
                priority=draw(st.sampled_from([0, 0, 0, 1])),
            )
        )
    meter_circuits = draw(st.lists(st.sampled_from(circuits), unique_by=lambda c: c.id, max_size=2))
    meters = tuple(Meter(f"m{j}", circuit.id) for j, circuit in enumerate(meter_circuits))
    voltage_v = 208.0 if three_phase else 240.0
    return Site("random", voltage_v, tuple(circuits), tuple(chargers), meters)


amps = st.floats(0, 90, allow_nan=False)


@st.composite
def charger_states(draw: st.DrawFn, charger: Charger) -> ChargerState:
    car = draw(st.sampled_from(list(CarState)))
    return ChargerState(
        car,
        measured_a=draw(st.one_of(st.none(), st.floats(0, charger.max_current_a))),
        offered_a=draw(st.one_of(st.none(), st.floats(0, charger.max_current_a))),
        offer_in_force=draw(st.booleans()),
        ev_max_a=draw(st.one_of(st.none(), st.floats(6, 80))),
        plugged_in_at=T0 + timedelta(minutes=draw(st.integers(0, 600))),
        # a schedule's wish (the control loop's planner), for some cars
        planned_a=draw(st.one_of(st.none(), st.floats(0, charger.max_current_a))),
    )


@st.composite
def meter_readings(draw: st.DrawFn, site: Site, meter: Meter) -> MeterReading:
    phases = site.circuits_by_id[meter.circuit].phases
    count = draw(st.sampled_from([1, phases]))
    currents = tuple(draw(amps) for _ in range(count))
    return MeterReading(
        current_a=draw(st.one_of(st.none(), st.just(currents))),
        power_w=draw(st.one_of(st.none(), st.floats(-5000, 50000))),
        stale=draw(st.booleans()),
    )


@st.composite
def site_states(draw: st.DrawFn, site: Site) -> SiteState:
    chargers = {c.id: draw(charger_states(c)) for c in site.chargers}
    meters = {m.id: draw(meter_readings(site, m)) for m in site.meters}
    # the control loop's power budgets: none (the demand limit holds), or any share of it
    budgets = {
        c.id: draw(st.floats(0, 60000))
        for c in site.circuits
        if (c.demand_limit_w is not None or c.max_power_w is not None) and draw(st.booleans())
    }
    return SiteState(chargers, meters, budgets)
