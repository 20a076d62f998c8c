"""A simulated charger (EVSE): the pilot it offers, its lease, and the car plugged into it.

Two delays make a real charger lag behind ampshare, and both matter for safety: the charger
applies a new offer to its pilot only after follow_delay_s, and the car follows a pilot change
only after car_response_s more. Until both have passed, a car that was cut may still draw its old
current, which is why ampshare counts a charger at the higher limit until it confirms the lower.

Time is explicit: every call takes now_s, which must never go backwards. Internal events (a
pilot change, the car following it, a lease lapsing) are processed in time order within a step,
so the result does not depend on how large the steps are.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from ampshare.control.readings import ChargerReading
from ampshare.domain import CarState
from ampshare.domain.electrical import J1772_MIN_CURRENT_A
from ampshare.sim.car import Car

# chargers report currents to 0.1 A (OCPP MeterValues, OpenEVSE's amp topic in mA rounded)
_REPORTED_DECIMALS = 1


@dataclass(frozen=True)
class _Change:
    """A pilot value that takes effect at at_s."""

    at_s: float
    pilot_a: float


class SimCharger:
    def __init__(
        self,
        charger_id: str,
        *,  # many floats in a row: keywords keep a simulator from swapping two of them
        max_current_a: float,
        start_current_a: float,
        fallback_current_a: float,
        voltage_v: float,
        follow_delay_s: float = 2.0,
        car_response_s: float = 5.0,
    ) -> None:
        if follow_delay_s < 0 or car_response_s < 0:
            raise ValueError("delays must not be negative")
        self.charger_id = charger_id
        self.max_current_a = max_current_a
        self.start_current_a = start_current_a
        self.fallback_current_a = fallback_current_a
        self.voltage_v = voltage_v
        self.follow_delay_s = follow_delay_s
        self.car_response_s = car_response_s
        self.connected_to_ampshare = True
        self.ignore_commands = False  # a charger that stays online but does not obey

        self._now_s = 0.0
        self._car: Car | None = None
        self._departure_s: float | None = None  # what the driver told, if anything
        self._energy_wanted_wh: float | None = None
        self._pilot_a = self._clamp(start_current_a)
        self._pending_pilots: deque[_Change] = deque()  # commands not yet applied, in order
        self._lease_ends_s: float | None = None
        self._followed_a = 0.0  # the pilot the car responds to (0: not started yet)
        self._pending_follows: deque[_Change] = deque()
        self._next_s: float | None = None  # the next of the three above, kept up to date
        self._session_wh = 0.0
        self.pilot_changes = 0  # in the current session: what a car experiences as changes

    # --- what ampshare and the simulator see -------------------------------------------------

    @property
    def now_s(self) -> float:
        return self._now_s

    @property
    def car(self) -> Car | None:
        return self._car

    @property
    def pilot_a(self) -> float:
        """The offer the charger enforces on its pilot now."""
        return self._pilot_a

    @property
    def drawing_a(self) -> float:
        """What the car draws now."""
        return 0.0 if self._car is None else self._car.draw_a(self._followed_a)

    @property
    def session_energy_wh(self) -> float:
        return self._session_wh

    def reading(self, now_s: float) -> ChargerReading:
        self.advance(now_s)
        car = self._car
        if car is None:
            return ChargerReading(car=CarState.NONE, measured_a=0.0, offered_a=self._pilot_a)
        drawing_a = self.drawing_a
        if drawing_a > 0:
            state = CarState.CHARGING
        elif (car.full or car.gave_up) and self._pilot_a >= J1772_MIN_CURRENT_A:
            state = CarState.SUSPENDED  # offered current, but the car does not take it
        else:
            state = CarState.CONNECTED
        return ChargerReading(
            car=state,
            measured_a=round(drawing_a, _REPORTED_DECIMALS),
            offered_a=self._pilot_a,
            energy_wh=self._session_wh,
            departure_s=self._departure_s,
            energy_wanted_wh=self._energy_wanted_wh,
        )

    # --- the car -------------------------------------------------------------------------------

    def plug_in(
        self,
        car: Car,
        now_s: float,
        departure_s: float | None = None,
        energy_wanted_wh: float | None = None,
    ) -> None:
        """departure_s, energy_wanted_wh: what the driver told (reported with every reading)."""
        self.advance(now_s)
        if self._car is not None:
            raise ValueError(f"{self.charger_id}: a car is already plugged in")
        self._car = car
        self._departure_s, self._energy_wanted_wh = departure_s, energy_wanted_wh
        self._session_wh = 0.0
        self.pilot_changes = 0
        # The car sees the pilot at once but starts drawing only after its response delay.
        self._followed_a = 0.0
        self._pending_follows.clear()
        self._pending_follows.append(_Change(now_s + self.car_response_s, self._pilot_a))
        self._next_s = self._next_event_s()

    def unplug(self, now_s: float) -> None:
        self.advance(now_s)
        if self._car is None:
            raise ValueError(f"{self.charger_id}: no car to unplug")
        self._car = None
        self._departure_s = self._energy_wanted_wh = None
        self._followed_a = 0.0
        self._pending_follows.clear()
        # Like real chargers: the next car starts at the charger's own default. Offers in flight
        # and the lease belonged to the session that ended.
        self._pending_pilots.clear()
        self._lease_ends_s = None
        self._set_pilot(self._clamp(self.start_current_a))
        self._next_s = self._next_event_s()

    # --- ampshare ------------------------------------------------------------------------------

    def command(self, offer_a: float, lease_s: float | None, now_s: float) -> None:
        """An offer from ampshare; with lease_s, the charger falls back by itself unless another
        command arrives within lease_s. Lost if the charger is offline or ignores commands."""
        self.advance(now_s)
        if not self.connected_to_ampshare or self.ignore_commands:
            return
        self._pending_pilots.append(_Change(now_s + self.follow_delay_s, self._clamp(offer_a)))
        self._lease_ends_s = None if lease_s is None else now_s + lease_s
        self._next_s = self._next_event_s()

    def disconnect(self) -> None:
        self.connected_to_ampshare = False

    def reconnect(self) -> None:
        self.connected_to_ampshare = True

    # --- time ----------------------------------------------------------------------------------

    def advance(self, now_s: float) -> None:
        """Move to now_s, processing the internal events on the way in time order."""
        if now_s < self._now_s:
            raise ValueError(f"{self.charger_id}: time went backwards ({now_s} < {self._now_s})")
        while (event_s := self._next_s) is not None and event_s <= now_s:
            self._charge_until(event_s)
            self._process_events_at(event_s)
            self._next_s = self._next_event_s()
        self._charge_until(now_s)

    def next_event_s(self) -> float | None:
        """When the pilot or the car's response next changes by itself (None: never)."""
        return self._next_s

    @property
    def idle(self) -> bool:
        """No car and nothing pending: moving it on in time changes nothing (every call that
        acts on it moves it to its time first)."""
        return self._car is None and self._next_s is None

    def _next_event_s(self) -> float | None:
        times = [q[0].at_s for q in (self._pending_pilots, self._pending_follows) if q]
        if self._lease_ends_s is not None:
            times.append(self._lease_ends_s)
        return min(times, default=None)

    def _process_events_at(self, at_s: float) -> None:
        # At equal times: a command's offer lands first, then the lease may lapse over it (the
        # charger's own timer wins), then the car reacts (with car_response_s = 0, to the result).
        while self._pending_pilots and self._pending_pilots[0].at_s <= at_s:
            self._set_pilot(self._pending_pilots.popleft().pilot_a)
        if self._lease_ends_s is not None and self._lease_ends_s <= at_s:
            self._lease_ends_s = None
            # Offers still in flight were sent before the lease lapsed: they are stale.
            self._pending_pilots.clear()
            self._set_pilot(self._clamp(self.fallback_current_a))
        while self._pending_follows and self._pending_follows[0].at_s <= at_s:
            self._follow(self._pending_follows.popleft().pilot_a)

    def _set_pilot(self, pilot_a: float) -> None:
        if pilot_a == self._pilot_a:
            return
        self._pilot_a = pilot_a
        if self._car is not None:
            self.pilot_changes += 1
            self._pending_follows.append(_Change(self._now_s + self.car_response_s, pilot_a))

    def _follow(self, pilot_a: float) -> None:
        car = self._car
        if car is None:
            return
        was_allowed = self._followed_a >= J1772_MIN_CURRENT_A
        if was_allowed and pilot_a < J1772_MIN_CURRENT_A:
            car.note_pause()  # counted when the car actually stops, not when the pilot changes
        self._followed_a = pilot_a

    def _charge_until(self, until_s: float) -> None:
        dt_s = until_s - self._now_s
        if self._car is not None and dt_s > 0:
            self._session_wh += self._car.charge(self.drawing_a, dt_s, self.voltage_v)
        self._now_s = until_s

    def _clamp(self, offer_a: float) -> float:
        return min(max(offer_a, 0.0), self.max_current_a)
