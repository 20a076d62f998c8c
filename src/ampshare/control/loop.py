"""The control loop: the latest readings in, commands out, one site.

It is synchronous and has no clock: every call says what time it is (now_s), so the same loop
runs in real time in the server and in simulated time, much faster, in the simulator and tests.
Each event (a reading, a lost charger) and each tick re-allocates and moves towards the new
allocation safely: cuts first; raises only once they fit with every unconfirmed cut still
counted at its old, higher offer.
"""

from __future__ import annotations

import logging
import math
from dataclasses import replace

from ampshare.control.errors import SiteChangeError, UnknownDeviceError
from ampshare.control.leases import Leases
from ampshare.control.planner import NeedsPlanner
from ampshare.control.readings import ChargerReading, Command, MeterSample
from ampshare.control.settings import LoopSettings
from ampshare.control.snapshot import allocated_draw_a, site_state, with_held, with_planned
from ampshare.control.tracks import ChargerTrack, MeterTrack
from ampshare.domain import (
    Allocation,
    Allocator,
    CarState,
    Charger,
    Site,
    SiteState,
    validate_site,
)
from ampshare.domain.environment import environments
from ampshare.domain.loads import ev_loads, may_draw_a, over_limit
from ampshare.domain.transition import safe_increases

logger = logging.getLogger(__name__)

_EPS_A = 1e-6


class ControlLoop:
    def __init__(self, site: Site, settings: LoopSettings | None = None) -> None:
        self.settings = settings = settings or LoopSettings()
        self._use_site(site)
        self.chargers = {c.id: ChargerTrack(c) for c in site.chargers}
        self.meters = {m.id: MeterTrack(m.id) for m in site.meters}
        self.last_allocation: Allocation | None = None
        self.last_state: SiteState | None = None
        self.last_evaluation_s: float | None = None
        # A tick decides nothing new unless an input changed or a timer ran out since the last
        # evaluation: then it is skipped (the simulator jumps over such stretches).
        self._inputs_changed = True
        self._wake_s = 0.0
        self.leases = Leases(
            self.chargers,
            settings.lease_s,
            refresh_s=settings.lease_refresh_s,
            tick_s=settings.tick_s,
        )
        self._operator_paused: set[str] = set()
        schedule = self.settings.schedule
        self.planner = None if schedule is None else NeedsPlanner(schedule, self.settings.replan_s)

    # events -------------------------------------------------------------------------------

    def charger_reading(
        self, charger_id: str, reading: ChargerReading, now_s: float
    ) -> list[Command]:
        return self.evaluate(now_s) if self.observe_charger(charger_id, reading, now_s) else []

    def observe_charger(self, charger_id: str, reading: ChargerReading, now_s: float) -> bool:
        """Take a charger's reading; True when the loop must decide again now (its car came,
        went or changed state, or the charger is back), False when the next tick may."""
        track = self._charger(charger_id)
        was_online = track.online(now_s, self.settings.charger_timeout_s)
        if was_online and track.repeats(reading):
            # most readings are the last one again (an idle charger's heartbeat, a car drawing
            # steadily): it is alive, and nothing else changes
            track.last_seen_s = now_s
            return False
        before = track.car
        known = self._seen(track)
        if not was_online and track.reading is not None:
            track.back_online(reading, self.leases.may_hold(track, now_s))
        changed = track.observe(reading, now_s)
        if self._seen(track) != known:
            self._inputs_changed = True
        if changed:
            logger.info("charger %s: car %s -> %s", charger_id, before.value, reading.car.value)
            if before is CarState.NONE and not track.pending:
                start_a = track.charger.effective_start_current_a
                track.confirmed_a = reading.offered_a if reading.offered_a is not None else start_a
                track.confirmed_s = now_s
        if not was_online:
            logger.info("charger %s is back", charger_id)
        return changed or not was_online

    def charger_lost(self, charger_id: str, now_s: float) -> list[Command]:
        self.lose_charger(charger_id)
        return self.evaluate(now_s)

    def lose_charger(self, charger_id: str) -> None:
        """The adapter lost the connection: the charger is offline now, not after a timeout.
        The loop must decide again at once."""
        track = self._charger(charger_id)
        track.last_seen_s = None
        self._inputs_changed = True
        logger.warning("charger %s is unreachable", charger_id)

    def offer_refused(self, charger_id: str, offer_a: float, now_s: float) -> list[Command]:
        self.refuse_offer(charger_id, offer_a)
        return self.evaluate(now_s)

    def refuse_offer(self, charger_id: str, offer_a: float) -> None:
        """The charger refused an offer: what it enforces is unknown, so it counts at its
        rating until it confirms one (the loop sends the offer again once it may change it).
        The loop must decide again at once."""
        track = self._charger(charger_id)
        logger.warning(
            "charger %s refused an offer of %.1f A: counting it at %.1f A until it takes one",
            charger_id,
            offer_a,
            track.charger.max_current_a,
        )
        track.refused(offer_a)
        self._inputs_changed = True

    # the operator ---------------------------------------------------------------------------

    def set_paused(self, charger_id: str, paused: bool, now_s: float) -> list[Command]:
        """Pause a charger until resumed (its share goes to the others), or resume it."""
        self._charger(charger_id)
        if paused:
            self._operator_paused.add(charger_id)
        else:
            self._operator_paused.discard(charger_id)
        logger.info("charger %s %s by the operator", charger_id, "paused" if paused else "resumed")
        self._inputs_changed = True
        return self.evaluate(now_s)

    def set_priority(self, charger_id: str, priority: int, now_s: float) -> list[Command]:
        """Give a charger another priority: higher is served first when not all fit."""
        charger = self._charger(charger_id).charger
        self._replace_charger(replace(charger, priority=priority))
        logger.info("charger %s: priority %d", charger_id, priority)
        return self.evaluate(now_s)

    def add_charger(self, charger: Charger, now_s: float) -> list[Command]:
        """A charger joins the site while ampshare runs (OCPP auto-registration)."""
        if charger.id in self.chargers:
            raise SiteChangeError(f"charger {charger.id!r} is already in the site")
        site = replace(self.site, chargers=(*self.site.chargers, charger))
        problems = validate_site(site)
        if problems:
            raise SiteChangeError(
                f"charger {charger.id!r} cannot join the site: "
                + "; ".join(f"{p.where}: {p.message}" for p in problems)
            )
        self._use_site(site)
        self.chargers[charger.id] = ChargerTrack(charger)
        self.leases.add(charger.id)
        logger.info("charger %s joined circuit %s", charger.id, charger.circuit)
        return self.evaluate(now_s)

    def _replace_charger(self, charger: Charger) -> None:
        chargers = tuple(charger if c.id == charger.id else c for c in self.site.chargers)
        self._use_site(replace(self.site, chargers=chargers))
        self.chargers[charger.id].charger = charger

    def _use_site(self, site: Site) -> None:
        self.site = site
        self.allocator = Allocator(site)
        self._metered = {
            charger_id for meter in site.meters for charger_id in site.chargers_under[meter.circuit]
        }
        self._inputs_changed = True

    # devices lost ---------------------------------------------------------------------------

    def meter_lost(self, meter_id: str, now_s: float) -> list[Command]:
        self.lose_meter(meter_id)
        return self.evaluate(now_s)

    def lose_meter(self, meter_id: str) -> None:
        """The adapter lost the meter (its broker went away): stale now, not after a timeout.
        The loop must decide again at once."""
        self._meter(meter_id).last_seen_s = None
        self._inputs_changed = True
        logger.warning("meter %s is unreachable: its circuit gets its safe budget", meter_id)

    def set_lease_s(self, charger_id: str, lease_s: float | None) -> None:
        """How long an offer holds on this charger without renewal (None: it never lapses)."""
        self._charger(charger_id)
        self.leases.assign(charger_id, lease_s)
        self._inputs_changed = True

    def meter_sample(self, meter_id: str, sample: MeterSample, now_s: float) -> list[Command]:
        return self.evaluate(now_s) if self.observe_meter(meter_id, sample, now_s) else []

    def observe_meter(self, meter_id: str, sample: MeterSample, now_s: float) -> bool:
        """Take a meter's sample; True when it jumped and the loop must decide again now."""
        track = self._meter(meter_id)
        if sample != track.sample:
            self._inputs_changed = True
        return track.observe(sample, now_s, self.settings.meter_jump_a)

    def tick(self, now_s: float) -> list[Command]:
        if not self._inputs_changed and now_s >= self._wake_s:
            # a timer set at the last decision is due, but what it timed may have moved since
            # (a charger heard from again is not timed out): decide only if one still falls
            # between that decision and now
            last_s = self.last_evaluation_s
            if last_s is not None:
                self._wake_s = self._next_timer_s(last_s)
        if not self._inputs_changed and now_s < self._wake_s:
            # the same inputs at the same timers: the same decision; only leases may be due
            if now_s < self.leases.refresh_due_s:
                return []
            managed = {
                cid: track
                for cid, track in self.chargers.items()
                if track.car is not CarState.NONE
                and track.online(now_s, self.settings.charger_timeout_s)
            }
            return self.leases.renewals(managed, set(), now_s)
        return self.evaluate(now_s)

    def next_tick_s(self, now_s: float) -> float:
        """When a tick could next decide something, if no input arrives before: the simulator
        jumps there. Ticks fall on the tick_s grid."""
        tick_s = self.settings.tick_s
        after_s = (math.floor(now_s / tick_s + 1e-9) + 1) * tick_s
        wake_s = min(self._wake_s, self.leases.refresh_due_s)
        if self._inputs_changed or wake_s <= after_s:
            return after_s
        if math.isinf(wake_s):
            return math.inf
        return max(after_s, math.ceil(wake_s / tick_s - 1e-9) * tick_s)

    def _seen(self, track: ChargerTrack) -> tuple[object, ...]:
        """What an allocation reads of a charger's track: when it is unchanged, so is every
        decision (the energy counter, say, is not read)."""
        reading = track.reading
        if reading is None:
            return (None, track.confirmed_a, len(track.pending))
        return (
            reading.car,
            track.stopped,
            allocated_draw_a(track, self._metered),
            reading.offered_a,
            reading.ev_max_a,
            reading.departure_s,
            reading.energy_wanted_wh,
            track.confirmed_a,
            len(track.pending),
        )

    def _meter(self, meter_id: str) -> MeterTrack:
        track = self.meters.get(meter_id)
        if track is None:
            raise UnknownDeviceError(f"meter {meter_id!r} is not in the site")
        return track

    def _charger(self, charger_id: str) -> ChargerTrack:
        track = self.chargers.get(charger_id)
        if track is None:
            raise UnknownDeviceError(f"charger {charger_id!r} is not in the site")
        return track

    # the decision -------------------------------------------------------------------------

    def evaluate(self, now_s: float) -> list[Command]:
        settings = self.settings
        if self.leases.started_s is None:
            self.leases.started_s = now_s
        online = {}
        for charger_id, track in self.chargers.items():
            track.expire_pending(now_s, settings.confirmation_timeout_s, settings.car_follow_s)
            if track.online(now_s, settings.charger_timeout_s):
                online[charger_id] = track
                track.check_overdraw(
                    now_s, settings.overdraw_grace_s, settings.overdraw_tolerance_a
                )
        state = site_state(
            self.chargers,
            self.meters,
            online,
            now_s,
            settings,
            metered=self._metered,
            operator_paused=self._operator_paused,
            leases=self.leases,
        )
        if self.planner is not None:
            planned = self.planner.planned(self.allocator, state, self.chargers, now_s)
            if planned:
                state = with_planned(state, planned)
        managed = {cid: t for cid, t in online.items() if t.car is not CarState.NONE}
        worst = {cid: self._may_draw_a(t) for cid, t in managed.items()}
        allocation = self.allocator.allocate(state)
        state, allocation = self._hold_small_changes(state, managed, worst, allocation)
        self.last_state, self.last_allocation = state, allocation
        self.last_evaluation_s = now_s

        unsafe: bool | None = None  # worked out only when a cut waits on the rate limit
        target = allocation.offers_a()
        commands: list[Command] = []
        increases: dict[str, float] = {}
        small_cuts: list[tuple[ChargerTrack, float]] = []
        for charger_id, track in managed.items():
            goal_a, now_a = target[charger_id], worst[charger_id]
            # what it was told last: a goal above that is a raise even while an older, higher
            # offer still counts in its worst case
            latest = track.latest_offer_a
            told_a = now_a if latest is None else latest
            if goal_a < now_a - _EPS_A and goal_a < told_a - _EPS_A:
                if self._may_change(track, now_s, told_a, goal_a) or (
                    unsafe := unsafe if unsafe is not None else self._over_limit(state, worst)
                ):
                    commands.append(self._send(track, goal_a, now_s))
                elif self._may_change(track, now_s, told_a, told_a - settings.min_change_a):
                    small_cuts.append((track, goal_a))
            elif (
                goal_a > told_a + _EPS_A
                and self._may_change(track, now_s, told_a, goal_a)
                # raise only a car that had time to show what it draws with its offer
                and track.settled_offer_a(now_s, settings.confirmation_timeout_s) is not None
            ):
                increases[charger_id] = goal_a
        granted = safe_increases(self.allocator, state, worst, increases) if increases else {}
        for charger_id, goal_a in granted.items():
            commands.append(self._send(managed[charger_id], goal_a, now_s))
        if len(granted) < len(increases):
            # a raise waits for room that cuts too small to send would free (a newcomer's
            # minimum, say): send them, it follows once they are confirmed
            commands += [self._send(track, goal_a, now_s) for track, goal_a in small_cuts]
        # sending changes what the loop knows: look again at the next tick
        self._inputs_changed = bool(commands)
        self._wake_s = self._next_timer_s(now_s)
        return commands + self.leases.renewals(managed, {c.charger_id for c in commands}, now_s)

    def _hold_small_changes(
        self,
        state: SiteState,
        managed: dict[str, ChargerTrack],
        worst: dict[str, float],
        allocation: Allocation,
    ) -> tuple[SiteState, Allocation]:
        """Keep the cars whose share moved by less than the least change sent at their offers,
        and share again what that leaves: otherwise the room those changes would have moved
        idles (a tapering car frees a little at a time, shared among the others in crumbs that
        are never sent). Small cuts are kept only while every limit holds, and only if that
        pauses no car the first sharing did not."""
        least_a = self.settings.min_change_a
        target = allocation.offers_a()
        raises: dict[str, float] = {}
        cuts: dict[str, float] = {}
        for charger_id, track in managed.items():
            latest_a, goal_a = track.latest_offer_a, target[charger_id]
            if latest_a is None or latest_a == 0 or goal_a == 0:
                continue  # pauses and resumes are never too small
            if state.charger(charger_id).fixed_draw_a is not None:
                continue
            if latest_a + _EPS_A < goal_a < latest_a + least_a:
                raises[charger_id] = latest_a
            elif latest_a - least_a < goal_a < latest_a - _EPS_A:
                cuts[charger_id] = latest_a
        if cuts and self._over_limit(state, worst):
            cuts = {}
        if not raises and not cuts:
            return state, allocation
        held_state = with_held(state, raises | cuts)
        held = self.allocator.allocate(held_state)
        if cuts and any(
            offer_a == 0 < target[charger_id] for charger_id, offer_a in held.offers_a().items()
        ):
            if not raises:
                return state, allocation
            held_state = with_held(state, raises)
            held = self.allocator.allocate(held_state)
        return held_state, held

    def _next_timer_s(self, now_s: float) -> float:
        """The earliest time, from now on, at which a comparison of the clock with something the
        loop remembers may come out differently: until then only new inputs change a decision.
        Listing a time too many costs an evaluation; missing one would change what the loop
        decides, so this lists every timer the evaluation reads."""
        s = self.settings
        times: list[float] = []
        for track in self.chargers.values():
            if track.last_seen_s is not None:
                times.append(track.last_seen_s + s.charger_timeout_s)
            for pending in track.pending:
                times.append(pending.sent_s + s.confirmation_timeout_s)
                if pending.pilot_s is not None:
                    times.append(pending.pilot_s + s.car_follow_s)
            if track.confirmed_s is not None:
                times.append(track.confirmed_s + s.confirmation_timeout_s)
            if track.overdraw_since_s is not None:
                times.append(track.overdraw_since_s + s.overdraw_grace_s)
            if track.paused_s is not None:
                times.append(track.paused_s + s.min_pause_s)
            if track.last_change_s is not None:
                times.append(track.last_change_s + s.min_change_interval_s)
            lapses_s = self.leases.lapses_s(track)
            if lapses_s is not None:
                times.append(lapses_s)
        for meter in self.meters.values():
            if meter.last_seen_s is not None:
                times.append(meter.last_seen_s + s.meter_timeout_s)
        if self.planner is not None:
            times.append(self.planner.next_replan_s())
        return min((t for t in times if t >= now_s), default=math.inf)

    @staticmethod
    def _may_draw_a(track: ChargerTrack) -> float:
        measured = track.reading.measured_a if track.reading else None
        if track.overdrawing and measured is not None:
            return max(track.worst_case_a(), measured)
        return track.worst_case_a()

    def _over_limit(self, state: SiteState, worst: dict[str, float]) -> bool:
        network = self.allocator.network
        loads = ev_loads(network, may_draw_a(network, state, worst))
        return bool(over_limit(environments(network, state), loads))

    def _may_change(self, track: ChargerTrack, now_s: float, now_a: float, goal_a: float) -> bool:
        settings = self.settings
        last_s = track.last_change_s
        if last_s is not None and now_s - last_s < settings.min_change_interval_s:
            return False
        small = abs(goal_a - now_a) < settings.min_change_a
        return not small or goal_a == 0 or now_a == 0

    def _send(self, track: ChargerTrack, offer_a: float, now_s: float) -> Command:
        track.sent(offer_a, now_s)
        return Command(track.charger.id, offer_a, self.leases.of(track.charger.id))
