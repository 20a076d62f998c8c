"""What an OpenEVSE unit says on its status topics, and the reading ampshare makes of it.

The unit (WiFi firmware v4/v5) publishes each value on its own topic <base>/<key>: every
second while charging amp (mA), voltage (V) and power (W); on every state change state, vehicle
(0/1), status ("active"/"disabled") and, a firmware quirk, pilot set to the J1772 pilot *state*
(1-3) rather than the current; every 30 s the whole set, with pilot (A) and session_energy
(Wh); and pilot (A) again whenever the pilot changes. States: 1 no car, 2 car connected,
3 charging, 254 sleeping and 255 disabled (paused), 4-14 faults, 0 starting.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ampshare.control.readings import ChargerReading
from ampshare.devices.mqtt.errors import PayloadError
from ampshare.devices.mqtt.payloads import amps, energy_wh, mains_voltage, number, text
from ampshare.domain import CarState
from ampshare.domain.electrical import J1772_MIN_CURRENT_A

STARTING, NO_CAR, CONNECTED, CHARGING, SLEEPING, DISABLED = 0, 1, 2, 3, 254, 255
FAULTS = {
    4: "vent required",
    5: "diode check failed",
    6: "GFCI fault",
    7: "no ground",
    8: "stuck relay",
    9: "GFCI self-test failed",
    10: "over temperature",
    11: "over current",
    12: "unknown fault 12",
    13: "unknown fault 13",
    14: "unknown fault 14",
}
_PAUSED = (SLEEPING, DISABLED)
# state 2 after the car drew is a car that stopped (full, or its own timer) only once it lasts:
# a car that was paused and resumed passes through it for a few seconds
STOPPED_AFTER_S = 20.0
_MAX_PILOT_A = 80.0  # J1772
# the topics whose news can change a reading
READING_KEYS = frozenset({"state", "vehicle", "status", "amp", "pilot", "session_energy"})


@dataclass
class UnitStatus:
    state: int | None = None
    vehicle: bool | None = None
    status: str | None = None
    amp_a: float | None = None
    pilot_a: float | None = None
    voltage_v: float | None = None
    session_wh: float | None = None
    drew: bool = False  # the car has drawn since it was plugged in
    connected_since_s: float | None = None  # since when it has been in state 2

    def take_at(self, key: str, payload: bytes, now_s: float) -> None:
        """take(), noting since when the unit is in state 2."""
        before = self.state
        self.take(key, payload)
        if self.state != before:
            self.connected_since_s = now_s if self.state == CONNECTED else None

    def take(self, key: str, payload: bytes) -> None:
        """One status topic's news; PayloadError if it does not read."""
        if key == "state":
            self._state(number(payload))
        elif key == "vehicle":
            self.vehicle = _flag(text(payload))
        elif key == "status":
            value = text(payload)
            if value not in ("active", "disabled", "none"):
                raise PayloadError("is not 'active', 'disabled' or 'none'")
            self.status = value
        elif key == "amp":
            self.amp_a = amps(number(payload) / 1000, "the unit's current (mA)")
        elif key == "pilot":
            self._pilot(number(payload))
        elif key == "voltage":
            self.voltage_v = mains_voltage(payload)
        elif key == "session_energy":
            self.session_wh = energy_wh(payload)

    def _state(self, value: float) -> None:
        state = int(value)
        known = state in (STARTING, NO_CAR, CONNECTED, CHARGING, *_PAUSED) or state in FAULTS
        if state != value or not known:
            raise PayloadError(f"is not an OpenEVSE state (0-14, 254, 255): {value:g}")
        if state == NO_CAR:
            self.drew = False
        elif state == CHARGING:
            self.drew = True
        self.state = state

    def _pilot(self, value: float) -> None:
        if value > _MAX_PILOT_A or value < 0:
            raise PayloadError(f"has a pilot of {value:g} A, outside 0-80 A")
        if value < J1772_MIN_CURRENT_A:
            return  # the pilot state the firmware sends on a state change, not a current
        self.pilot_a = value

    def reading(self, offered_a: float | None, now_s: float) -> ChargerReading | None:
        """The reading for the loop, or None while the unit's state is unknown. offered_a is
        the last offer ampshare sent: the unit enforces it in whole amps (rounded down), so a
        pilot of exactly that many amps is reported as the offer itself."""
        state = self.state
        if state is None or state == STARTING:
            return None
        # a unit that does not charge draws nothing (it zeroes amp itself)
        measured_a = self.amp_a if state == CHARGING else 0.0
        return ChargerReading(
            car=self._car(state, now_s),
            measured_a=measured_a,
            offered_a=self._offered_a(state, offered_a),
            energy_wh=self.session_wh,
        )

    def _car(self, state: int, now_s: float) -> CarState:
        if state == NO_CAR:
            return CarState.NONE
        if state == CHARGING:
            return CarState.CHARGING
        if state == CONNECTED:
            since_s = self.connected_since_s
            stopped = since_s is not None and now_s - since_s >= STOPPED_AFTER_S
            return CarState.SUSPENDED if self.drew and stopped else CarState.CONNECTED
        # paused or faulted: a car is there if the unit says so
        return CarState.CONNECTED if self.vehicle else CarState.NONE

    def _offered_a(self, state: int, offered_a: float | None) -> float | None:
        if state in _PAUSED or (state != CHARGING and self.status == "disabled"):
            return 0.0
        pilot_a = self.pilot_a
        if pilot_a is None:
            return None
        if (
            offered_a is not None
            and offered_a >= J1772_MIN_CURRENT_A
            and pilot_a == math.floor(offered_a)
        ):
            return offered_a
        return pilot_a


def _flag(value: str) -> bool:
    if value not in ("0", "1", "true", "false"):
        raise PayloadError("is not 0 or 1")
    return value in ("1", "true")
