"""What OCPP's connector and charging states mean for the car at a charger.

1.6 reports one ChargePointStatus per connector. 2.0.1 splits it: StatusNotification says
whether a connector is occupied, TransactionEvent's chargingState what the car does.
"""

from __future__ import annotations

from ampshare.domain import CarState

# 1.6 ChargePointStatus. Preparing: plugged in (or authorised), no energy yet. SuspendedEVSE:
# the charger (ampshare's 0 A, say) holds the car back: it would draw if offered, so it is a
# connected car, not a full one. Finishing: the transaction is over but the car is still
# plugged in and draws nothing: a stopped car, whose share goes to the others where they need
# it (unplugging it makes the connector Available: no car).
STATUS_16: dict[str, CarState] = {
    "Available": CarState.NONE,
    "Preparing": CarState.CONNECTED,
    "Charging": CarState.CHARGING,
    "SuspendedEV": CarState.SUSPENDED,
    "SuspendedEVSE": CarState.CONNECTED,
    "Finishing": CarState.SUSPENDED,
    "Reserved": CarState.NONE,
    "Unavailable": CarState.NONE,
    "Faulted": CarState.NONE,
}

# 2.0.1 ChargingStateEnumType, while a transaction runs on an occupied connector
CHARGING_STATE_201: dict[str, CarState] = {
    "Charging": CarState.CHARGING,
    "EVConnected": CarState.CONNECTED,
    "SuspendedEV": CarState.SUSPENDED,
    "SuspendedEVSE": CarState.CONNECTED,
    "Idle": CarState.CONNECTED,
}


def car_16(status: str) -> CarState | None:
    """None for a status 1.6 does not define (the caller logs it and keeps the last state)."""
    return STATUS_16.get(status)


def car_201(
    occupied: bool, charging_state: str | None, in_transaction: bool, finished: bool
) -> CarState:
    """A free connector has no car; an occupied one whose transaction ended has a stopped car
    (as 1.6's Finishing); one without a transaction yet has a car that waits (for a token, or
    for ampshare); in a transaction its chargingState tells."""
    if not occupied:
        return CarState.NONE
    if not in_transaction:
        return CarState.SUSPENDED if finished else CarState.CONNECTED
    if charging_state is None:
        return CarState.CONNECTED
    return CHARGING_STATE_201.get(charging_state, CarState.CONNECTED)
