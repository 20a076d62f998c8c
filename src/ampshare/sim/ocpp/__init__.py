"""Simulated OCPP charge points (1.6J, 2.0.1 and 2.1) that speak to a real central system
over real websockets, with the charging-profile memory and the electrics of real ones."""

from ampshare.sim.ocpp.driver import SimulatedChargePoint
from ampshare.sim.ocpp.station import Station, StationSpec

__all__ = ["SimulatedChargePoint", "Station", "StationSpec"]
