"""A scenario: the cars that come and go on a site, the faults injected, the non-EV load.

Times are seconds from the start of the scenario. `start` (optional) says what wall-clock time
that is, for plots and for sessions read from a CSV file with real dates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from ampshare.sim.car import CarModel
from ampshare.sim.household import HouseholdProfile


@dataclass(frozen=True)
class Session:
    """One car's visit: it plugs in at arrival_s and leaves at departure_s (None: stays to the
    end), wanting energy_wanted_wh; it stops by itself when it has that much."""

    id: str
    charger_id: str
    arrival_s: float
    departure_s: float | None
    energy_wanted_wh: float
    car: CarModel
    # the driver tells ampshare when the car leaves and the energy it wants: its charger
    # reports them (as OCPP 2.0.1's NotifyEVChargingNeeds does), and ampshare schedules by them
    shares_needs: bool = False


class FaultKind(StrEnum):
    AMPSHARE_DOWN = "ampshare_down"  # the server stops: no readings in, no commands out
    AMPSHARE_UP = "ampshare_up"
    METER_SILENT = "meter_silent"  # target: a meter id
    METER_BACK = "meter_back"
    CHARGER_DISCONNECT = "charger_disconnect"  # target: a charger id; it loses ampshare
    CHARGER_RECONNECT = "charger_reconnect"
    CHARGER_IGNORES_COMMANDS = "charger_ignores_commands"  # online but deaf
    CHARGER_OBEYS_COMMANDS = "charger_obeys_commands"


# the faults that name a device, and which kind of device
FAULT_TARGETS: Mapping[FaultKind, str] = {
    FaultKind.METER_SILENT: "meter",
    FaultKind.METER_BACK: "meter",
    FaultKind.CHARGER_DISCONNECT: "charger",
    FaultKind.CHARGER_RECONNECT: "charger",
    FaultKind.CHARGER_IGNORES_COMMANDS: "charger",
    FaultKind.CHARGER_OBEYS_COMMANDS: "charger",
}


@dataclass(frozen=True)
class Fault:
    at_s: float
    kind: FaultKind
    target: str | None = None  # the meter or charger id, for the kinds that name one


@dataclass(frozen=True)
class Scenario:
    name: str
    duration_s: float
    sessions: tuple[Session, ...] = ()
    faults: tuple[Fault, ...] = ()
    # circuit id -> the non-EV load on that circuit (a circuit carries the load of those below)
    households: Mapping[str, HouseholdProfile] = field(default_factory=dict)
    start: datetime | None = None
    reading_interval_s: float = 5.0  # how often each charger reports
    meter_period_s: float = 1.0  # how often each meter reports
