"""One connected charger as the loop sees it, whatever OCPP version it speaks: its car, its
transaction and its latest figures, reported to the LoopPort as ChargerReadings."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from ampshare.config.ocpp_schema import OcppChargerTable
from ampshare.control.readings import ChargerReading
from ampshare.devices.interfaces import LoopPort
from ampshare.devices.ocpp.meter_values import Measurements
from ampshare.domain import CarState, Charger

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChargerSetup:
    """What ampshare knows of a charger before it connects."""

    charger: Charger
    ocpp: OcppChargerTable
    watts_per_amp: float  # converts an offer to watts for chargers that only take watts
    lease_s: float | None  # None: its profiles never lapse (profiles_expire = false)
    lease_refresh_s: float
    # while the connection is open and the charger quiet (1.6 sends no MeterValues outside a
    # transaction), its last reading is reported again this often: it is idle, not lost
    keepalive_s: float

    @property
    def charger_id(self) -> str:
        return self.charger.id

    @property
    def needs_start_profile(self) -> bool:
        return self.charger.effective_start_current_a != self.charger.fallback_current_a


@dataclass
class _Needs:
    transaction_id: str | None
    ev_max_a: float | None
    departure_s: float | None
    energy_wanted_wh: float | None


class NeedsMemory:
    """What drivers said (NotifyEVChargingNeeds), kept across reconnections: a charger that
    reconnects mid-transaction does not say it again, and its car still leaves when it said."""

    def __init__(self) -> None:
        self._by_charger: dict[str, _Needs] = {}

    def keep(self, charger_id: str, needs: _Needs) -> None:
        self._by_charger[charger_id] = needs

    def forget(self, charger_id: str) -> None:
        self._by_charger.pop(charger_id, None)

    def recall(self, charger_id: str, transaction_id: str) -> _Needs | None:
        needs = self._by_charger.get(charger_id)
        if needs is None:
            return None
        if needs.transaction_id is None:  # told before its transaction began: it is this one
            needs.transaction_id = transaction_id
        return needs if needs.transaction_id == transaction_id else None


class ChargerSession:
    def __init__(
        self,
        setup: ChargerSetup,
        port: LoopPort,
        clock: Callable[[], float],
        needs: NeedsMemory | None = None,
    ) -> None:
        self.setup = setup
        self._memory = needs or NeedsMemory()
        self.port = port
        self.clock = clock
        self.car = CarState.NONE
        self.transaction_id: str | None = None
        self.measured_a: float | None = None
        self.energy_wh: float | None = None  # delivered in this session
        self._register_start_wh: float | None = None
        self.ev_max_a: float | None = None
        self.departure_s: float | None = None
        self.energy_wanted_wh: float | None = None
        self.last_report_s: float | None = None
        self.car_left = asyncio.Event()  # the link clears the session's offer

    @property
    def charger_id(self) -> str:
        return self.setup.charger_id

    def reading(self, offered_a: float | None = None) -> ChargerReading:
        return ChargerReading(
            car=self.car,
            measured_a=self.measured_a,
            offered_a=offered_a,
            energy_wh=self.energy_wh,
            ev_max_a=self.ev_max_a,
            departure_s=self.departure_s,
            energy_wanted_wh=self.energy_wanted_wh,
        )

    def report(self, offered_a: float | None = None) -> None:
        """Tell the loop. offered_a only when this very message carried Current.Offered: an
        older one repeated could undo a confirmation the loop made since."""
        self.last_report_s = self.clock()
        self.port.charger_reading(self.charger_id, self.reading(offered_a))

    def keepalive_due(self) -> bool:
        last = self.last_report_s
        return last is not None and self.clock() - last >= self.setup.keepalive_s

    def set_car(self, car: CarState) -> None:
        if car is self.car:
            return
        logger.info("charger %s: car %s -> %s", self.charger_id, self.car.value, car.value)
        if car is CarState.NONE:
            self.transaction_id = None
            self.measured_a = 0.0
            self.energy_wh = None
            self._register_start_wh = None
            self.ev_max_a = self.departure_s = self.energy_wanted_wh = None
            self._memory.forget(self.charger_id)
            self.car_left.set()
        self.car = car

    def start_transaction(self, transaction_id: str, register_wh: float | None) -> None:
        self.transaction_id = transaction_id
        self._register_start_wh = register_wh
        self.energy_wh = 0.0 if register_wh is not None else None
        needs = self._memory.recall(self.charger_id, transaction_id)
        if needs is not None and self.departure_s is None and self.energy_wanted_wh is None:
            self.ev_max_a = self.ev_max_a if needs.ev_max_a is None else needs.ev_max_a
            self.departure_s, self.energy_wanted_wh = needs.departure_s, needs.energy_wanted_wh

    def end_transaction(self) -> None:
        self.transaction_id = None

    def measure(self, found: Measurements) -> None:
        """Take one MeterValues message's figures and report them."""
        for problem in found.problems:
            logger.warning("charger %s: MeterValues: %s: skipped", self.charger_id, problem)
        measured_a = found.measured_a
        if measured_a is None and found.power_w is not None:
            measured_a = max(0.0, found.power_w) / self.setup.watts_per_amp
        if measured_a is not None:
            self.measured_a = round(measured_a, 1)
        if found.energy_wh is not None:
            if self._register_start_wh is None:
                self._register_start_wh = found.energy_wh
            self.energy_wh = max(0.0, found.energy_wh - self._register_start_wh)
        self.report(found.offered_a)

    def charging_needs(
        self, ev_max_a: float | None, departure: datetime | None, energy_wanted_wh: float | None
    ) -> None:
        """What OCPP 2.0.1's NotifyEVChargingNeeds says of the car and its driver."""
        self.ev_max_a = ev_max_a
        self.departure_s = None if departure is None else departure.timestamp()
        self.energy_wanted_wh = energy_wanted_wh
        self._memory.keep(
            self.charger_id,
            _Needs(self.transaction_id, ev_max_a, self.departure_s, energy_wanted_wh),
        )
        self.report()
