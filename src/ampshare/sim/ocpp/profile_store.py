"""A charger's charging profiles as OCPP says it keeps them (1.6 §3.13, 2.0.1 K01/K08).

Profiles persist (the store outlives connections: a simulated reboot keeps it). The limit in
force on a connector: a TxProfile of the running transaction overrides the TxDefaultProfiles,
within a purpose the highest stackLevel in force wins, a ChargePointMaxProfile (1.6; 2.0.1
ChargingStationMaxProfile) caps it; a profile is in force between validFrom and validTo, and an
OCPP 2.1 profile with maxOfflineDuration not after that long offline.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

_MAX_PURPOSES = ("ChargePointMaxProfile", "ChargingStationMaxProfile")


@dataclass(frozen=True)
class Period:
    start_s: float
    limit: float


@dataclass(frozen=True)
class Profile:
    profile_id: int
    connector_id: int
    stack_level: int
    purpose: str
    unit: str  # "A" or "W"
    periods: tuple[Period, ...]
    start: datetime | None
    valid_from: datetime | None
    valid_to: datetime | None
    transaction_id: str | None
    max_offline_duration_s: float | None

    def in_force(self, now: datetime, offline_since: datetime | None) -> bool:
        if self.valid_from is not None and now < self.valid_from:
            return False
        if self.valid_to is not None and now >= self.valid_to:
            return False
        duration = self.max_offline_duration_s
        return not (
            duration is not None
            and offline_since is not None
            and now >= offline_since + timedelta(seconds=duration)
        )

    def limit(self, now: datetime, transaction_start: datetime | None) -> float:
        start = self.start or transaction_start or now
        elapsed_s = (now - start).total_seconds()
        current = self.periods[0].limit
        for period in self.periods:
            if period.start_s <= elapsed_s:
                current = period.limit
        return current


def _time(text: object) -> datetime | None:
    return datetime.fromisoformat(str(text).replace("Z", "+00:00")) if text else None


def parse_profile(connector_id: int, raw: Mapping[str, Any]) -> Profile:
    """A profile as the ocpp package hands it over (snake_case), either version."""
    schedule = raw["charging_schedule"]
    if isinstance(schedule, list):  # 2.0.1: a list of schedules; the first is used
        schedule = schedule[0]
    periods = tuple(
        Period(float(p["start_period"]), float(p["limit"]))
        for p in schedule["charging_schedule_period"]
    )
    transaction_id = raw.get("transaction_id")
    offline = raw.get("max_offline_duration")
    return Profile(
        profile_id=int(raw.get("charging_profile_id", raw.get("id", 0))),
        connector_id=connector_id,
        stack_level=int(raw["stack_level"]),
        purpose=str(raw["charging_profile_purpose"]),
        unit=str(schedule["charging_rate_unit"]),
        periods=periods,
        start=_time(schedule.get("start_schedule")),
        valid_from=_time(raw.get("valid_from")),
        valid_to=_time(raw.get("valid_to")),
        transaction_id=None if transaction_id is None else str(transaction_id),
        max_offline_duration_s=None if offline is None else float(offline),
    )


class ProfileStore:
    def __init__(self, max_stack_level: int, rate_units: frozenset[str]) -> None:
        self.max_stack_level = max_stack_level
        self.rate_units = rate_units
        self.profiles: dict[int, Profile] = {}

    def install(self, profile: Profile, transaction_id: str | None) -> str:
        """ "Accepted" or "Rejected", as a charger answers SetChargingProfile."""
        if profile.stack_level > self.max_stack_level or profile.unit not in self.rate_units:
            return "Rejected"
        if profile.purpose == "TxProfile" and (
            transaction_id is None or profile.transaction_id not in (None, transaction_id)
        ):
            return "Rejected"  # 1.6 §5.16.3: a TxProfile needs its transaction
        if profile.purpose in _MAX_PURPOSES and profile.connector_id != 0:
            return "Rejected"
        for other in list(self.profiles.values()):
            same_place = (other.stack_level, other.purpose, other.connector_id) == (
                profile.stack_level,
                profile.purpose,
                profile.connector_id,
            )
            if same_place:
                del self.profiles[other.profile_id]  # replaced, as both versions say
        self.profiles[profile.profile_id] = profile
        return "Accepted"

    def clear(
        self,
        profile_id: int | None = None,
        connector_id: int | None = None,
        purpose: str | None = None,
        stack_level: int | None = None,
    ) -> bool:
        """ClearChargingProfile: True if anything matched."""
        matched = [
            p
            for p in self.profiles.values()
            if (profile_id is None or p.profile_id == profile_id)
            and (connector_id is None or p.connector_id == connector_id)
            and (purpose is None or p.purpose == purpose)
            and (stack_level is None or p.stack_level == stack_level)
        ]
        for profile in matched:
            del self.profiles[profile.profile_id]
        return bool(matched)

    def end_transaction(self) -> None:
        """A TxProfile ends with its transaction."""
        for profile in [p for p in self.profiles.values() if p.purpose == "TxProfile"]:
            del self.profiles[profile.profile_id]

    def limit(
        self,
        connector_id: int,
        now: datetime,
        *,
        transaction_id: str | None,
        transaction_start: datetime | None,
        offline_since: datetime | None,
        watts_per_amp: float,
    ) -> float | None:
        """The limit in force in amps (None: no profile: the charger's own maximum)."""

        def best(purposes: tuple[str, ...], connectors: tuple[int, ...]) -> Profile | None:
            found = [
                p
                for p in self.profiles.values()
                if p.purpose in purposes
                and p.connector_id in connectors
                and p.in_force(now, offline_since)
                and (p.purpose != "TxProfile" or p.transaction_id == transaction_id)
            ]
            return max(found, key=lambda p: p.stack_level, default=None)

        connectors = (connector_id, 0)
        chosen = None
        if transaction_id is not None:
            chosen = best(("TxProfile",), connectors)
        if chosen is None:
            chosen = best(("TxDefaultProfile",), (connector_id,)) or best(
                ("TxDefaultProfile",), (0,)
            )
        cap = best(_MAX_PURPOSES, (0,))
        limits = [
            p.limit(now, transaction_start) / (watts_per_amp if p.unit == "W" else 1.0)
            for p in (chosen, cap)
            if p is not None
        ]
        return min(limits, default=None)

    def next_change(self, now: datetime) -> datetime | None:
        """The next validFrom or validTo after now (the limit may change then)."""
        times = [
            t
            for p in self.profiles.values()
            for t in (p.valid_from, p.valid_to)
            if t is not None and t > now
        ]
        return min(times, default=None)
