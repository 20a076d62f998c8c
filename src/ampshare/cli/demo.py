"""`ampshare demo`: the story of the seeds on two JuiceBoxes sharing one 50 A circuit.

Car 1 arrives; car 2 arrives and is raised only after car 1 confirms its cut; car 1 tapers;
car 1 leaves; ampshare is lost and both chargers fall back by themselves. Played live in
simulated time (demo_live.py), or, with --story, narrated allocation by allocation.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ampshare.cli.demo_live import play_live
from ampshare.cli.output import console
from ampshare.domain import (
    Allocation,
    Allocator,
    CarState,
    Charger,
    ChargerState,
    Circuit,
    Site,
    SiteState,
)
from ampshare.domain.loads import ev_loads, may_draw_a
from ampshare.domain.transition import Transition, old_offers_a, transition
from ampshare.domain.units import fmt_a

SEED_SITE = Site(
    "Two JuiceBoxes on one 50 A circuit",
    240,
    (Circuit("garage", 50),),
    (Charger("left", "garage", 40), Charger("right", "garage", 40)),
)


@dataclass(frozen=True)
class Moment:
    title: str
    cars: dict[str, tuple[CarState, float | None]]  # charger -> (car, amps it draws)


STORY = (
    Moment(
        "Car 1 plugs in at 'left'. The charger starts it at its own 6 A before ampshare speaks.",
        {"left": (CarState.CHARGING, 5.7)},
    ),
    Moment(
        "Car 2 plugs in at 'right' and starts at its own 6 A. For a moment the circuit may carry "
        "46 A: above its 40 A continuous limit, within its 50 A breaker.",
        {"left": (CarState.CHARGING, 38.0), "right": (CarState.CHARGING, 5.7)},
    ),
    Moment(
        "Car 1's battery is nearly full: it tapers to 8 A of its 20 A.",
        {"left": (CarState.CHARGING, 8.0), "right": (CarState.CHARGING, 19.0)},
    ),
    Moment(
        "Car 1 leaves. Its share returns to the pool at once.",
        {"right": (CarState.CHARGING, 28.0)},
    ),
)


def demo_command(
    story: Annotated[
        bool,
        typer.Option("--story", help="Narrate each allocation step by step instead."),
    ] = False,
    pause_s: Annotated[
        float, typer.Option("--pause", help="With --story: seconds between steps.", min=0)
    ] = 0.0,
    seconds: Annotated[
        float,
        typer.Option(
            "--seconds", help="Real seconds the live simulation takes (0: at once).", min=0
        ),
    ] = 15.0,
    plot: Annotated[
        Path, typer.Option("--plot", metavar="OUT.png", help="Where to write the plot.")
    ] = Path("ampshare-demo.png"),
) -> None:
    """Two cars share one 50 A circuit, safely and fairly: played live in simulated time."""
    out = console()
    if not story:
        play_live(out, SEED_SITE, plot, seconds)
        return
    allocator = Allocator(SEED_SITE)
    out.rule(f"[bold]{SEED_SITE.name}[/]: 40 A continuous (80 % of the breaker)")
    offers: dict[str, float] = {}
    for number, moment in enumerate(STORY, start=1):
        state = _state(moment, offers)
        allocation = allocator.allocate(state)
        plan = transition(allocator, state, old_offers_a(allocator, state), allocation.offers_a())
        out.print(f"\n[bold]{number}.[/] {moment.title}")
        _narrate(out, allocator, state, plan)
        out.print(_table(state, allocation))
        offers = allocation.offers_a()  # every charger confirms its new offer
        time.sleep(pause_s)
    _server_lost(out)


def _state(moment: Moment, offers: dict[str, float]) -> SiteState:
    chargers = {}
    for charger in SEED_SITE.chargers:
        car, draws_a = moment.cars.get(charger.id, (CarState.NONE, None))
        offered_a = offers.get(charger.id) or None
        if car is not CarState.NONE and offered_a is None:
            offered_a = charger.effective_start_current_a
        chargers[charger.id] = ChargerState(car, measured_a=draws_a, offered_a=offered_a)
    return SiteState(chargers)


def _narrate(out: Console, allocator: Allocator, state: SiteState, plan: Transition) -> None:
    current = old_offers_a(allocator, state)
    for step in plan.steps:
        during = {cid: max(a, step.offers_a.get(cid, a)) for cid, a in current.items()}
        worst_a = max(ev_loads(allocator.network, may_draw_a(allocator.network, state, during)))
        for charger_id, offer_a in step.offers_a.items():
            verb = "cut" if offer_a < current[charger_id] else "raise"
            if state.charger(charger_id).car is CarState.NONE:
                verb = "release"
            out.print(
                f"   → {verb} {charger_id!r} {fmt_a(current[charger_id])} → {fmt_a(offer_a)}",
                highlight=False,
            )
        wait = "; wait until it confirms (or its timeout passes)" if step.await_confirmation else ""
        out.print(f"     worst case while it follows: {fmt_a(worst_a)}{wait}", highlight=False)
        current.update(step.offers_a)


def _table(state: SiteState, allocation: Allocation) -> Table:
    table = Table(show_edge=False, pad_edge=False)
    for column in ("charger", "car", "draws", "offer", "limited by", "why"):
        table.add_column(column)
    for charger_id, result in allocation.chargers.items():
        charger_state = state.charger(charger_id)
        draws = charger_state.measured_a
        table.add_row(
            charger_id,
            charger_state.car.value,
            "" if draws is None else fmt_a(draws),
            fmt_a(result.offered_a),
            result.limited_by,
            result.reason,
        )
    garage = allocation.circuits["garage"]
    table.caption = f"circuit garage: {fmt_a(garage.load_a)} of {fmt_a(garage.limit_a)} offered"
    return table


def _server_lost(out: Console) -> None:
    out.print(
        "\n[bold]5.[/] ampshare is lost (power cut, network down). Nobody tells the chargers "
        "anything: each drops to its own fallback current, remembered offline."
    )
    table = Table(show_edge=False, pad_edge=False)
    for column in ("charger", "offer", "why"):
        table.add_column(column)
    total_a = 0.0
    for charger in SEED_SITE.chargers:
        total_a += charger.fallback_current_a
        table.add_row(charger.id, fmt_a(charger.fallback_current_a), "its own fallback current")
    limit_a = SEED_SITE.circuits[0].continuous_limit_a
    out.print(table)
    out.print(
        f"circuit garage: at most {fmt_a(total_a)} of {fmt_a(limit_a)}. `ampshare check` "
        "refuses any site whose fallbacks could add up to more than a circuit's limit.",
        highlight=False,
    )
