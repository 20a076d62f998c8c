"""Seed 004's home, simulated on a broker: two OpenEVSE units and the house on one 50 A
service (40 A continuous) with a Shelly EM on it, which measures the house and both cars.
Tests and the latency benchmark run ampshare against it."""

from __future__ import annotations

from dataclasses import dataclass, field

from ampshare.sim.car import Car, CarModel
from ampshare.sim.mqtt.broker import BrokerAddress
from ampshare.sim.mqtt.openevse_firmware import ShaperConfig
from ampshare.sim.mqtt.openevse_unit import SimOpenevseUnit, UnitSettings
from ampshare.sim.mqtt.shelly import PhaseLoad, SimShellyEm

VOLTAGE_V = 240.0
UNITS = (("left", "1a2b"), ("right", "3c4d"))


def home_site(prefix: str, broker: BrokerAddress, shelly_id: str, extra: str = "") -> str:
    """The home's site file: both units reached by MQTT under <prefix>/."""
    chargers = ""
    for name, short in UNITS:
        chargers += f"""
[[chargers]]
id = "{name}"
circuit = "service"
max_current_a = 40
fallback_current_a = 0
protocol = "openevse"
[chargers.openevse]
base_topic = "{prefix}/openevse-{short}"
announce_topic = "{prefix}/openevse/announce/{short}"
"""
    return f"""
[site]
name = "home"
voltage_v = {VOLTAGE_V}

[[circuits]]
id = "service"
breaker_a = 50
safe_budget_a = 12
{chargers}
[[meters]]
id = "house"
circuit = "service"
protocol = "shelly"
[meters.shelly]
generation = 1
device = "{shelly_id}"

[mqtt]
host = "{broker.host}"
port = {broker.port}
prefix = "{prefix}"
reconnect_max_s = 1.0
state_interval_s = 0.2
home_assistant_prefix = "{prefix}/homeassistant"
{extra}
"""


def unit_settings(
    prefix: str, short: str, charger_id: str, data_maxinterval_s: int, **shaper: object
) -> UnitSettings:
    """A unit set up as the README tells installers (shaper on, fed by ampshare, smoothing 0)."""
    config = ShaperConfig(
        max_pwr_w=9600,
        smoothing_time_s=0,
        data_maxinterval_s=data_maxinterval_s,
        **shaper,  # type: ignore[arg-type]
    )
    return UnitSettings(
        short_id=short,
        base_topic=f"{prefix}/openevse-{short}",
        announce_topic=f"{prefix}/openevse/announce/{short}",
        live_pwr_topic=f"{prefix}/charger/{charger_id}/live_pwr",
        shaper=config,
        max_current_a=40,
        voltage_v=VOLTAGE_V,
        status_period_s=5.0,
        car_response_s=0.5,
    )


def hungry_car() -> Car:
    return Car(CarModel(battery_wh=60_000, max_current_a=40), energy_wanted_wh=40_000)


@dataclass
class SimHome:
    units: dict[str, SimOpenevseUnit]
    meter: SimShellyEm = field(init=False)
    house_a: float = 2.0

    @classmethod
    def on(
        cls,
        broker: BrokerAddress,
        prefix: str,
        shelly_id: str,
        *,
        data_maxinterval_s: int,
        meter_period_s: float,
        shaper: dict[str, object] | None = None,
    ) -> SimHome:
        units = {
            name: SimOpenevseUnit(
                unit_settings(prefix, short, name, data_maxinterval_s, **(shaper or {})), broker
            )
            for name, short in UNITS
        }
        home = cls(units)
        home.meter = SimShellyEm(shelly_id, broker, home.loads, meter_period_s)
        return home

    def loads(self) -> list[PhaseLoad]:
        return [PhaseLoad(self.total_a(), VOLTAGE_V)]

    def total_a(self) -> float:
        return self.house_a + sum(unit.drawing_a for unit in self.units.values())
