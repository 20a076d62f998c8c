"""The charging profiles ampshare installs, and how they stack (OCPP 1.6 §3.13, 2.0.1 K01).

Within a purpose the highest stackLevel in force wins; a TxProfile overrides the
TxDefaultProfile for its transaction; a ChargePointMaxProfile caps both. ampshare uses:

- the baseline: a TxDefaultProfile at stack level 0 at the charger's fallback current, with no
  end. It is "the group maximum remembered offline": it persists through reboots and outages,
  so a charger that loses ampshare falls back to it by itself.
- the start profile, only where start_current_a differs from the fallback: a TxDefaultProfile
  one level up at start_current_a, with a validTo one lease ahead, refreshed while ampshare is
  connected. A new car starts at it; when ampshare is gone it lapses to the baseline.
- the offer: a TxProfile (with the transactionId) while a transaction runs, else a
  TxDefaultProfile one level above the start profile, with validTo = now + lease (or, on
  OCPP 2.1, maxOfflineDuration = lease), so that it lapses to the ones below by itself.

Profile ids are ampshare's own, so ClearChargingProfile by id removes only what ampshare set.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any

BASELINE_ID = 4_270_001
START_ID = 4_270_002
OFFER_DEFAULT_ID = 4_270_003
OFFER_TX_ID = 4_270_004
AMPSHARE_PROFILE_IDS = (BASELINE_ID, START_ID, OFFER_DEFAULT_ID, OFFER_TX_ID)

# a charger that does not say how many levels it stacks: the fewest ampshare needs
DEFAULT_MAX_STACK_LEVEL = 2


class Kind(Enum):
    BASELINE = "baseline"
    START = "start"
    OFFER = "offer"


@dataclass(frozen=True)
class Levels:
    """The stack levels of ampshare's profiles on a charger that stacks up to max_level."""

    max_level: int

    @property
    def start(self) -> int:
        return min(1, self.max_level)

    @property
    def offer_default(self) -> int:
        return min(2, self.max_level)

    @property
    def offer_tx(self) -> int:
        return min(2, self.max_level)

    @property
    def offer_replaces_start(self) -> bool:
        """Too few levels: a TxDefault offer takes the start profile's place while it holds."""
        return self.offer_default == self.start

    @property
    def can_fall_back(self) -> bool:
        """With one level only the baseline cannot sit under an offer."""
        return self.max_level >= 1


@dataclass(frozen=True)
class Limit:
    """What a profile allows, in the unit the charger takes."""

    value: float
    unit: str  # "A" or "W"

    @staticmethod
    def of(current_a: float, rate_unit: str, watts_per_amp: float) -> Limit:
        if rate_unit == "W":
            # rounded down: a watt limit never allows more than the amps ampshare decided
            return Limit(float(math.floor(current_a * watts_per_amp)), "W")
        # 1.6 takes one decimal; the loop's offers are in 0.1 A steps already
        return Limit(math.floor(current_a * 10 + 1e-6) / 10, "A")


@dataclass(frozen=True)
class ProfileSpec:
    """One profile, the same in every protocol version."""

    profile_id: int
    stack_level: int
    purpose: str  # "TxDefaultProfile" or "TxProfile"
    limit: Limit
    valid_to: datetime | None = None
    transaction_id: str | None = None
    max_offline_duration_s: int | None = None  # OCPP 2.1
    start: datetime | None = None  # the schedule's start; None: relative to the transaction

    @property
    def kind(self) -> Kind:
        if self.profile_id == BASELINE_ID:
            return Kind.BASELINE
        return Kind.START if self.profile_id == START_ID else Kind.OFFER


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def baseline(limit: Limit, now: datetime) -> ProfileSpec:
    return ProfileSpec(BASELINE_ID, 0, "TxDefaultProfile", limit, start=now)


def start_profile(levels: Levels, limit: Limit, now: datetime, lease_s: float) -> ProfileSpec:
    valid_to = now + timedelta(seconds=lease_s)
    return ProfileSpec(START_ID, levels.start, "TxDefaultProfile", limit, valid_to, start=now)


def offer(
    levels: Levels,
    limit: Limit,
    now: datetime,
    *,
    lease_s: float | None,
    transaction_id: str | None,
    max_offline_duration: bool = False,
) -> ProfileSpec:
    """The live offer. With max_offline_duration the lease is given as OCPP 2.1's
    maxOfflineDuration and as validTo both: whichever ends first."""
    valid_to = None if lease_s is None else now + timedelta(seconds=lease_s)
    offline_s = None if lease_s is None or not max_offline_duration else int(lease_s)
    if transaction_id is not None:
        return ProfileSpec(
            OFFER_TX_ID,
            levels.offer_tx,
            "TxProfile",
            limit,
            valid_to,
            transaction_id,
            offline_s,
            start=now,
        )
    return ProfileSpec(
        OFFER_DEFAULT_ID,
        levels.offer_default,
        "TxDefaultProfile",
        limit,
        valid_to,
        None,
        offline_s,
        start=now,
    )


def profile_16(spec: ProfileSpec) -> dict[str, Any]:
    """csChargingProfiles of a 1.6 SetChargingProfile (snake_case: the ocpp package's)."""
    schedule: dict[str, Any] = {
        "charging_rate_unit": spec.limit.unit,
        "charging_schedule_period": [{"start_period": 0, "limit": spec.limit.value}],
    }
    profile: dict[str, Any] = {
        "charging_profile_id": spec.profile_id,
        "stack_level": spec.stack_level,
        "charging_profile_purpose": spec.purpose,
        "charging_profile_kind": "Absolute",
        "charging_schedule": schedule,
    }
    if spec.start is not None:
        schedule["start_schedule"] = iso(spec.start)
    if spec.transaction_id is not None:
        profile["transaction_id"] = int(spec.transaction_id)
    if spec.valid_to is not None:
        profile["valid_to"] = iso(spec.valid_to)
    return profile


def profile_201(spec: ProfileSpec) -> dict[str, Any]:
    """chargingProfile of a 2.0.1 (or 2.1) SetChargingProfile."""
    schedule: dict[str, Any] = {
        "id": spec.profile_id,
        "charging_rate_unit": spec.limit.unit,
        "charging_schedule_period": [{"start_period": 0, "limit": spec.limit.value}],
    }
    if spec.start is not None:
        schedule["start_schedule"] = iso(spec.start)
    profile: dict[str, Any] = {
        "id": spec.profile_id,
        "stack_level": spec.stack_level,
        "charging_profile_purpose": spec.purpose,
        "charging_profile_kind": "Absolute",
        "charging_schedule": [schedule],
    }
    if spec.transaction_id is not None:
        profile["transaction_id"] = spec.transaction_id
    if spec.valid_to is not None:
        profile["valid_to"] = iso(spec.valid_to)
    if spec.max_offline_duration_s is not None:
        profile["max_offline_duration"] = spec.max_offline_duration_s
    return profile
