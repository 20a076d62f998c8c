"""What a charger's OCPP session can be asked to do, the same in every version."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ampshare.devices.ocpp.profiles import ProfileSpec


@dataclass(frozen=True)
class Capabilities:
    """What the charger said at configuration (None: it did not say)."""

    max_stack_level: int | None
    rate_units: frozenset[str] | None  # {"A"}, {"W"} or both


class Device(Protocol):
    """The CALLs ampshare makes. Each raises CallFailedError (CALLERROR, timeout, closed)
    or CallRejectedError (answered, but not Accepted)."""

    async def configure_meter_values(self, interval_s: int, measurands: str) -> None: ...

    async def read_capabilities(self) -> Capabilities: ...

    async def set_profile(self, connector_id: int, spec: ProfileSpec) -> None: ...

    async def clear_profile(self, profile_id: int) -> None:
        """Clearing a profile the charger does not have is no failure."""

    async def remote_start(self, connector_id: int) -> None: ...
