"""The part of a simulated OCPP charger that is not protocol: its EVSE and car (ampshare.sim's
models), its stored charging profiles and its configuration, in real time.

The pilot follows the composite limit of the stored profiles; the car follows the pilot with
the EVSE model's delays. What the protocol layer reports (status, MeterValues) is read here.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ampshare.domain.electrical import J1772_MIN_CURRENT_A
from ampshare.sim.car import Car, CarModel
from ampshare.sim.evse import SimCharger
from ampshare.sim.ocpp.profile_store import ProfileStore


@dataclass(frozen=True)
class Received:
    """A CALL from the central system, when it arrived (monotonic seconds)."""

    action: str
    payload: dict[str, Any]
    at_s: float = field(default_factory=time.monotonic)


@dataclass
class StationSpec:
    """What kind of charger it is."""

    max_current_a: float = 32.0
    voltage_v: float = 240.0
    phases: int = 1
    max_stack_level: int = 8
    rate_units: frozenset[str] = frozenset({"A", "W"})
    follow_delay_s: float = 0.2
    car_response_s: float = 0.3
    # a firmware quirk: a 0 A limit ends the transaction; only a remote start begins another
    stop_on_zero: bool = False
    connector_id: int = 1
    token: str = "SIMTAG01"
    sends_offered: bool = True  # reports Current.Offered (not all chargers do)
    accepts_profiles: bool = True  # False: answers every SetChargingProfile Rejected


@dataclass
class Station:
    spec: StationSpec
    charger_id: str
    store: ProfileStore = field(init=False)
    evse: SimCharger = field(init=False)
    transaction_id: str | None = None
    transaction_start: datetime | None = None
    offline_since: datetime | None = None
    register_wh: float = 1_000_000.0  # the energy meter's register
    _session_base_wh: float = 0.0
    plugged: bool = False
    finished: bool = False  # its transaction ended, the car is still plugged in
    pending_remote_start: str | None = None  # a token a remote start asked to begin with
    # what persists in the charger besides its profiles: configuration keys (1.6) or
    # variables (2.0.1), and every CALL it got from the central system, in order (for tests)
    config: dict[str, str] = field(default_factory=dict)
    variables: dict[tuple[str, str], str] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.store = ProfileStore(self.spec.max_stack_level, self.spec.rate_units)
        spec = self.spec
        self.evse = SimCharger(
            self.charger_id,
            max_current_a=spec.max_current_a,
            start_current_a=0.0,  # the pilot follows the profiles (none without a transaction)
            fallback_current_a=0.0,
            voltage_v=spec.voltage_v * spec.phases,
            follow_delay_s=spec.follow_delay_s,
            car_response_s=spec.car_response_s,
        )
        self._target_a = 0.0

    @staticmethod
    def now_s() -> float:
        return time.monotonic()

    @property
    def watts_per_amp(self) -> float:
        return self.spec.voltage_v * self.spec.phases

    def limit_a(self) -> float:
        """What the stored profiles allow now, capped at the rating."""
        limit = self.store.limit(
            self.spec.connector_id,
            datetime.now(UTC),
            transaction_id=self.transaction_id,
            transaction_start=self.transaction_start,
            offline_since=self.offline_since,
            watts_per_amp=self.watts_per_amp,
        )
        rating = self.spec.max_current_a
        if self.transaction_id is None:
            return 0.0  # no transaction, no energy: the contactor stays open
        if limit is None:
            return rating
        # below the pilot's minimum a charger offers nothing
        return min(rating, limit) if limit >= J1772_MIN_CURRENT_A else 0.0

    def follow_profiles(self) -> float:
        """Set the pilot to the composite limit (after the EVSE's delay); return it."""
        target = self.limit_a()
        if target != self._target_a:
            self._target_a = target
            self.evse.command(target, None, self.now_s())
        return target

    @property
    def target_a(self) -> float:
        return self._target_a

    def plug_in(self, model: CarModel, energy_wanted_wh: float) -> None:
        self.evse.plug_in(Car(model, energy_wanted_wh), self.now_s())
        self.plugged = True

    def unplug(self) -> None:
        self.evse.unplug(self.now_s())
        self.evse.command(self._target_a, None, self.now_s())
        self.plugged = False

    def start_transaction(self, transaction_id: str) -> None:
        self.transaction_id = transaction_id
        self.transaction_start = datetime.now(UTC)
        self._session_base_wh = self.evse.session_energy_wh

    def end_transaction(self) -> None:
        self.transaction_id = None
        self.transaction_start = None
        self.store.end_transaction()

    def drawing_a(self) -> float:
        self.evse.advance(self.now_s())
        return round(self.evse.drawing_a, 1) if self.plugged else 0.0

    def pilot_a(self) -> float:
        self.evse.advance(self.now_s())
        return self.evse.pilot_a

    def meter_wh(self) -> float:
        self.evse.advance(self.now_s())
        return self.register_wh + self.evse.session_energy_wh

    def charging_state(self) -> str:
        """ "Charging", "SuspendedEV", "SuspendedEVSE" or "EVConnected" (2.0.1's names; 1.6
        reports the first three, and Preparing for the last)."""
        drawing = self.drawing_a()
        car = self.evse.car
        if drawing > 0:
            return "Charging"
        if self.pilot_a() < J1772_MIN_CURRENT_A:
            return "SuspendedEVSE"
        if car is not None and (car.full or car.gave_up):
            return "SuspendedEV"
        return "EVConnected"  # allowed to draw, about to (its on-board charger is starting)

    def samples(self, measurands: str) -> list[tuple[str, str | None, float, str]]:
        """(measurand, phase, value, unit) for MeterValues, as the charger is set to send."""
        wanted = {m.strip() for m in measurands.split(",")}
        drawing = self.drawing_a()
        rows: list[tuple[str, str | None, float, str]] = []
        if "Current.Import" in wanted:
            for line in ("L1", "L2", "L3")[: self.spec.phases]:
                rows.append(("Current.Import", line, drawing, "A"))
        if "Current.Offered" in wanted and self.spec.sends_offered:
            rows.append(("Current.Offered", None, self.pilot_a(), "A"))
        if "Power.Active.Import" in wanted:
            rows.append(("Power.Active.Import", None, round(drawing * self.watts_per_amp, 1), "W"))
        if "Energy.Active.Import.Register" in wanted:
            rows.append(("Energy.Active.Import.Register", None, round(self.meter_wh(), 1), "Wh"))
        return rows
