"""When and for which cars the control loop re-plans by the drivers' needs (see schedule.py).

A plan is made when a car whose driver said when it leaves or what it wants is present, and
made again when the cars change (one arrives, leaves, stops drawing, is paused or resumed),
when a driver's needs change, and every replan_s in between: cars taper and meters
move, and the plan's first step is only five minutes long.

A car the plan gives all it can take now is not held to that amount until the next plan: its
ceiling may rise before then (a tapering car's cap lifts once it draws near it), and it then
takes more, sharing fairly with the others. A car planned below its ceiling is held to its
plan: its draw moves, but the plan does not flap with every reading.

Cars whose drivers said nothing are planned too, as taking what they can until a default stay,
so that a plan leaves them their part; with no needs known at all there is no plan and cars
share fairly.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import replace

from ampshare.control.schedule import (
    PlanCar,
    ScheduleSettings,
    Taper,
    by_charger_id,
    plan_currents,
)
from ampshare.control.taper import TaperLearner
from ampshare.control.tracks import ChargerTrack
from ampshare.domain import Allocator, CarState, ChargerState, SiteState
from ampshare.domain.demand import Ceiling, bounds, draws_clearly_less
from ampshare.domain.loads import steerable_room
from ampshare.domain.network import Network

logger = logging.getLogger(__name__)

_PLANNED = (CarState.CONNECTED, CarState.CHARGING)
_AT_CEILING_A = 0.05  # a plan this close to a car's ceiling gives it all it can take


class NeedsPlanner:
    def __init__(self, settings: ScheduleSettings, replan_s: float) -> None:
        self.settings = settings
        self.replan_s = replan_s
        self.plans_made = 0
        self.taper = TaperLearner()
        self._planned: dict[str, float] = {}
        self._key: tuple[object, ...] | None = None
        self._planned_s: float | None = None

    def next_replan_s(self) -> float:
        """When the plan in force is next made again if nothing changes before (inf: none)."""
        if self._planned_s is None:
            return math.inf
        return self._planned_s + self.replan_s

    def planned(
        self,
        allocator: Allocator,
        state: SiteState,
        tracks: Mapping[str, ChargerTrack],
        now_s: float,
    ) -> dict[str, float]:
        """What the plan gives each car now (empty: no needs are known)."""
        if not any(_has_needs(track) for track in tracks.values()):
            # most sites never hear a driver's needs (OCPP 1.6 has no way to say them)
            self._planned, self._key, self._planned_s = {}, None, None
            return {}
        network = allocator.network
        cars, key = self._cars(network, state, tracks)
        if not any(car.departure_s is not None or car.wanted_wh is not None for car in cars):
            self._planned, self._key, self._planned_s = {}, None, None
            return {}
        due = self._planned_s is None or now_s >= self._planned_s + self.replan_s
        if due or tuple(key) != self._key:
            room = steerable_room(network, allocator.environments(state), state)
            cars = self._with_tapers(network, cars, state, tracks)
            planned = plan_currents(network, room, cars, now_s, self.settings)
            for car in cars:
                if planned.get(car.charger, 0.0) >= car.ceiling_a - _AT_CEILING_A:
                    planned[car.charger] = network.site.chargers[car.charger].max_current_a
            self._planned = by_charger_id(network, planned)
            self._key, self._planned_s = tuple(key), now_s
            self.plans_made += 1
            logger.debug(
                "planned %d cars by their drivers' needs: %s",
                len(cars),
                ", ".join(
                    _described(network.charger_ids[car.charger], car, now_s, self._planned)
                    for car in cars
                ),
            )
        return self._planned

    def _cars(
        self, network: Network, state: SiteState, tracks: Mapping[str, ChargerTrack]
    ) -> tuple[list[PlanCar], list[object]]:
        """The cars the plan is for, and what, when it changes, calls for a new plan. Each
        car's draw is a sample for the taper learner."""
        cars: list[PlanCar] = []
        key: list[object] = []
        for i, (charger, charger_id) in enumerate(
            zip(network.site.chargers, network.charger_ids, strict=True)
        ):
            charger_state = state.charger(charger_id)
            track = tracks[charger_id]
            reading = track.reading
            if reading is None or not _plannable(charger_state):
                continue
            _, ceiling_a, why = bounds(charger, charger_state)
            if why is Ceiling.WAITING:  # not drawing yet: it may take what its charger allows
                ceiling_a = min(charger.max_current_a, charger_state.ev_max_a or math.inf)
            departure_s, wanted_wh = reading.departure_s, reading.energy_wanted_wh
            remaining_wh = None
            if wanted_wh is not None:
                remaining_wh = max(0.0, wanted_wh - (reading.energy_wh or 0.0))
                if reading.measured_a is not None and charger_state.car is CarState.CHARGING:
                    self.taper.observe(
                        charger_id,
                        track.plugged_in_at,
                        remaining_wh,
                        reading.measured_a,
                        less_than_offered=_tapering(reading.measured_a, charger_state),
                    )
            cars.append(PlanCar(i, ceiling_a, departure_s, remaining_wh, wanted_wh))
            key.append((charger_id, departure_s, wanted_wh))
        return cars, key

    def _with_tapers(
        self,
        network: Network,
        cars: list[PlanCar],
        state: SiteState,
        tracks: Mapping[str, ChargerTrack],
    ) -> list[PlanCar]:
        """The cars with how their draw falls as they fill, once the learner knows (see
        taper.py): a car tapering now from what it draws now, any other from the more of what
        it draws and what the learned line says for what it still wants."""
        fit = self.taper.fit() if self.settings.learn_taper else None
        if fit is None:
            return cars
        result = []
        for car in cars:
            charger_id = network.charger_ids[car.charger]
            reading = tracks[charger_id].reading
            if car.remaining_wh is None or reading is None:
                result.append(car)
                continue
            drawn_a = reading.measured_a or 0.0
            if _tapering(drawn_a, state.charger(charger_id)):
                now_a = drawn_a
            else:
                now_a = max(drawn_a, fit.draw_a(car.remaining_wh))
            result.append(replace(car, taper=Taper(now_a, fit.slope_a_per_wh)))
        return result


def _tapering(drawn_a: float, state: ChargerState) -> bool:
    """It draws clearly less than the offer it had time to follow."""
    offered_a = state.offered_a
    return offered_a is not None and draws_clearly_less(drawn_a, offered_a)


def _has_needs(track: ChargerTrack) -> bool:
    reading = track.reading
    return reading is not None and (
        reading.departure_s is not None or reading.energy_wanted_wh is not None
    )


def _plannable(state: ChargerState) -> bool:
    """A car the plan can give current to now: not stopped, held or paused by the operator, and
    steered by ampshare (not offline, not ignoring its offer)."""
    return (
        state.car in _PLANNED
        and not state.hold_paused
        and not state.operator_paused
        and state.fixed_draw_a is None
    )


def _described(charger_id: str, car: PlanCar, now_s: float, planned: dict[str, float]) -> str:
    leaves = "?" if car.departure_s is None else f"{(car.departure_s - now_s) / 3600:.1f} h"
    wants = "?" if car.remaining_wh is None else f"{car.remaining_wh / 1000:.1f} kWh"
    return (
        f"{charger_id} {planned.get(charger_id, 0.0):.1f} A "
        f"(up to {car.ceiling_a:.1f} A, wants {wants}, leaves in {leaves})"
    )
