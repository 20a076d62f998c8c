"""What the loop remembers about each charger and meter between events."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ampshare.control.readings import ChargerReading, MeterSample
from ampshare.domain import CarState, Charger

logger = logging.getLogger(__name__)

_SAME_A = 0.1  # offers within this are the same offer (chargers round)
# the draw the allocation goes by follows the measured one in steps of at least this: a
# tapering car's draw creeps down a little at every reading, and each creep would re-allocate
# for changes far below the 1 A a charger is ever sent (its cap keeps 2.5 A of headroom)
DEADBAND_A = 0.5


@dataclass
class Pending:
    offer_a: float
    sent_s: float
    pilot_s: float | None = None  # when the charger reported it on its pilot


@dataclass
class ChargerTrack:
    charger: Charger
    last_seen_s: float | None = None
    reading: ChargerReading | None = None
    plugged_in_at: datetime | None = None  # who waited longest goes first when not all fit
    confirmed_a: float | None = None  # the offer the charger enforces, as far as we know
    confirmed_s: float | None = None  # since when
    pending: list[Pending] = field(default_factory=list)  # sent, not yet confirmed
    last_sent_s: float | None = None
    last_change_s: float | None = None
    paused_s: float | None = None  # when ampshare paused its car
    overdraw_since_s: float | None = None
    overdrawing: bool = False
    reports_offer: bool = False  # it tells the offer it enforces: trust that, not a timeout
    raised: bool = False  # the latest change raised the offer (the car may still be ramping)
    judged_a: float | None = None  # the draw allocations go by (see DEADBAND_A)
    # its car stopped drawing while offered a current (full, or waiting): until it draws again
    # it stays "suspended" to the allocation, also once paused (a paused car looks connected)
    stopped: bool = False
    # the offer it last refused: until it confirms one it counts at its rating
    refused_a: float | None = None

    @property
    def car(self) -> CarState:
        return CarState.NONE if self.reading is None else self.reading.car

    @property
    def latest_offer_a(self) -> float | None:
        return self.pending[-1].offer_a if self.pending else self.confirmed_a

    def worst_case_a(self) -> float:
        """Until a charger confirms a lower offer it counts at the higher one; an unknown offer
        counts at the charger's rating."""
        known = self.charger.max_current_a if self.confirmed_a is None else self.confirmed_a
        return max([known, *(p.offer_a for p in self.pending)])

    def online(self, now_s: float, timeout_s: float) -> bool:
        return self.last_seen_s is not None and now_s - self.last_seen_s <= timeout_s

    def repeats(self, reading: ChargerReading) -> bool:
        """It says again what it said last, with nothing in flight that this could confirm:
        taking the reading would change nothing but when it was last heard from."""
        return (
            not self.pending
            and reading == self.reading
            and (reading.offered_a is None or reading.offered_a == self.confirmed_a)
        )

    def observe(self, reading: ChargerReading, now_s: float) -> bool:
        """Take a reading; True if the car's state changed."""
        changed = self.car is not reading.car
        if changed and reading.car is not CarState.NONE and self.car is CarState.NONE:
            self.plugged_in_at = datetime.fromtimestamp(now_s, UTC)
        if reading.car is CarState.NONE:
            self.plugged_in_at = None
            self.paused_s = None
            if changed:
                self._session_ended(reading)
        measured_a, judged_a = reading.measured_a, self.judged_a
        if (
            changed
            or measured_a is None
            or judged_a is None
            or measured_a == 0
            or abs(measured_a - judged_a) >= DEADBAND_A
        ):
            self.judged_a = measured_a
        if reading.car is CarState.SUSPENDED:
            self.stopped = True
        elif reading.car in (CarState.CHARGING, CarState.NONE):
            self.stopped = False
        self.reading = reading
        self.last_seen_s = now_s
        self._confirm_from(reading)
        return changed

    def _session_ended(self, reading: ChargerReading) -> None:
        """The car left: what was sent for it is moot (the charger greets the next car at its
        own start current), and must never be re-sent as a lease refresh to the next one."""
        self.pending.clear()
        self.last_sent_s = None
        self.raised = False
        start_a = self.charger.effective_start_current_a
        self.confirmed_a = reading.offered_a if reading.offered_a is not None else start_a

    def back_online(self, reading: ChargerReading, offer_may_hold: bool) -> None:
        """It was unreachable and speaks again: what was in flight may never have arrived, and
        its offer may have lapsed to its fallback. It enforces what it says it does, else the
        last offer if that may still hold, else its fallback; nothing old is re-sent."""
        if reading.offered_a is not None:
            known_a: float | None = reading.offered_a
        elif offer_may_hold:
            known_a = self.worst_case_a() if self.confirmed_a is not None else None
        else:
            known_a = self.charger.fallback_current_a
        self.pending.clear()
        self.last_sent_s = None
        self.raised = False
        self.confirmed_a = known_a

    def _confirm_from(self, reading: ChargerReading) -> None:
        if reading.offered_a is not None:
            self.reports_offer = True
            latest = self.pending[-1] if self.pending else None
            if latest is not None and abs(reading.offered_a - latest.offer_a) <= _SAME_A:
                if latest.pilot_s is None:
                    latest.pilot_s = self.last_seen_s
                # the pilot is cut; the car has done so too once it draws no more than that
                # (or, in expire_pending, once a car has surely had time to follow)
                followed = reading.measured_a is not None and reading.measured_a <= (
                    latest.offer_a + _SAME_A
                )
                if followed or latest.offer_a >= (self.confirmed_a or 0.0):
                    self._confirm(latest.offer_a, self.last_seen_s)
            elif not self.pending and reading.offered_a != self.confirmed_a:
                # the charger says what it enforces (it may have fallen back by itself)
                self._confirm(reading.offered_a, self.last_seen_s)
        elif (
            self.pending
            and reading.measured_a is not None
            and reading.measured_a <= self.pending[-1].offer_a + _SAME_A
            and self.pending[-1].offer_a < (self.confirmed_a or self.charger.max_current_a)
        ):
            # no offer reported: a car that draws no more than the cut has followed it
            self._confirm(self.pending[-1].offer_a, self.last_seen_s)

    def _confirm(self, offer_a: float, now_s: float | None) -> None:
        self.refused_a = None
        self.confirmed_a = offer_a
        self.confirmed_s = now_s
        self.pending.clear()

    def refused(self, offer_a: float) -> None:
        """It refused an offer: what it enforces is unknown until it confirms one."""
        self.pending.clear()
        self.confirmed_a = None
        self.confirmed_s = None
        self.refused_a = offer_a

    def settled_offer_a(self, now_s: float, settle_s: float) -> float | None:
        """The offer a car is judged against (a car drawing clearly less than it is tapering),
        or None while a raised car may still be ramping up to it. After a cut the lower offer
        counts at once: a car still drawing more is following it, one drawing clearly less
        was tapering anyway; waiting would read a tapering car as hungry and squeeze the
        others for nothing."""
        if not self.raised and self.latest_offer_a is not None:
            return self.latest_offer_a
        if self.pending or self.confirmed_s is None or now_s - self.confirmed_s < settle_s:
            return None
        return self.confirmed_a

    def expire_pending(self, now_s: float, timeout_s: float, car_follow_s: float) -> None:
        """A cut is done once a car has surely followed it: car_follow_s after the charger
        reported the new pilot, or, for a charger that does not report its offer, timeout_s
        after it was sent. A charger that reports another pilot keeps its old offer counted."""
        if not self.pending:
            return
        latest = self.pending[-1]
        if self.reports_offer:
            if latest.pilot_s is not None and now_s - latest.pilot_s >= car_follow_s:
                self._confirm(latest.offer_a, now_s)
        elif now_s - latest.sent_s >= timeout_s:
            self._confirm(latest.offer_a, now_s)

    def sent(self, offer_a: float, now_s: float) -> None:
        latest = self.latest_offer_a
        if latest is None or abs(latest - offer_a) > _SAME_A:
            self.last_change_s = now_s
            self.raised = latest is None or offer_a > latest
            # a car is given the whole grace period to follow each new offer
            self.overdraw_since_s = None
            self.pending.append(Pending(offer_a, now_s))
            # only pausing a car that draws is an on/off cycle some cars cannot stand
            if offer_a == 0 and self.car is CarState.CHARGING:
                self.paused_s = now_s
            elif offer_a > 0:
                self.paused_s = None
        self.last_sent_s = now_s

    def check_overdraw(self, now_s: float, grace_s: float, tolerance_a: float) -> bool:
        """True when it has drawn more than its offer for longer than the grace period."""
        measured = None if self.reading is None else self.reading.measured_a
        told_a = self.latest_offer_a
        if measured is None or told_a is None or measured <= told_a + tolerance_a:
            if self.overdrawing:
                logger.info("charger %s draws within its offer again", self.charger.id)
            self.overdraw_since_s = None
            self.overdrawing = False
            return False
        if self.overdraw_since_s is None:
            self.overdraw_since_s = now_s
        if not self.overdrawing and now_s - self.overdraw_since_s >= grace_s:
            self.overdrawing = True
            logger.warning(
                "charger %s draws %.1f A, above its offer of %.1f A, for %.0f s: counting it "
                "at what it draws and cutting the others",
                self.charger.id,
                measured,
                told_a,
                now_s - self.overdraw_since_s,
            )
        return self.overdrawing


@dataclass
class MeterTrack:
    meter_id: str
    sample: MeterSample | None = None
    last_seen_s: float | None = None

    def fresh(self, now_s: float, timeout_s: float) -> bool:
        return self.last_seen_s is not None and now_s - self.last_seen_s <= timeout_s

    def observe(self, sample: MeterSample, now_s: float, jump_a: float) -> bool:
        """Take a sample; True if it jumped by more than jump_a on any line."""
        before = self.sample
        self.sample = sample
        self.last_seen_s = now_s
        if before is None or before.current_a is None or sample.current_a is None:
            return True
        pairs = zip(sample.current_a, before.current_a, strict=False)
        return any(abs(a - b) > jump_a for a, b in pairs)
