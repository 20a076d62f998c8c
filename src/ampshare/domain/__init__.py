"""The pure domain: site model, validation, allocation and safe transitions.

Standard library only: no I/O, no asyncio, no clock. Adapters translate at the edges.
"""

from ampshare.domain.allocation import Allocator, allocate
from ampshare.domain.allocation_result import (
    Allocation,
    ChargerAllocation,
    CircuitAllocation,
    ConductorLoad,
)
from ampshare.domain.environment import MeterStatus
from ampshare.domain.errors import DomainError, Problem, ProblemsError, SiteError, StateError
from ampshare.domain.phases import Connection, parse_connection
from ampshare.domain.site import Charger, Circuit, Meter, Site
from ampshare.domain.state import CarState, ChargerState, MeterReading, SiteState, validate_state
from ampshare.domain.validation import check_site, validate_site

__all__ = [
    "Allocation",
    "Allocator",
    "CarState",
    "Charger",
    "ChargerAllocation",
    "ChargerState",
    "Circuit",
    "CircuitAllocation",
    "ConductorLoad",
    "Connection",
    "DomainError",
    "Meter",
    "MeterReading",
    "MeterStatus",
    "Problem",
    "ProblemsError",
    "Site",
    "SiteError",
    "SiteState",
    "StateError",
    "allocate",
    "check_site",
    "parse_connection",
    "validate_site",
    "validate_state",
]
