"""A session as read from a scenario file or a sessions CSV, before its times are resolved."""

from __future__ import annotations

from dataclasses import dataclass

from ampshare.config.scenario_schema import CarTable
from ampshare.config.scenario_times import When


@dataclass(frozen=True)
class SessionDraft:
    """where: how problems name it ("session 'a' (sessions[0])", "x.csv, line 7 (...)");
    arrive_key, leave_key: what the file calls its times."""

    where: str
    id: str
    charger_id: str
    arrive: When
    leave: When | None
    energy_wh: float
    car: CarTable | None = None
    shares_needs: bool | None = None  # None: as the scenario says
    arrive_key: str = "arrive"
    leave_key: str = "leave"
