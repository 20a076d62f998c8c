"""Simulated devices: cars, chargers, household load and meters.

Pure and synchronous: time is passed in explicitly as now_s (seconds since the scenario
started), so a simulator can drive them much faster than real time.
"""

from ampshare.sim.car import Car, CarModel
from ampshare.sim.evse import SimCharger
from ampshare.sim.household import HouseholdProfile, SimMeter, Spike, typical_evening

__all__ = [
    "Car",
    "CarModel",
    "HouseholdProfile",
    "SimCharger",
    "SimMeter",
    "Spike",
    "typical_evening",
]
