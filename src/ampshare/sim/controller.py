"""What the simulator drives: ampshare's control loop, or one of the strategies it is compared
with. The same two small interfaces as the real devices use: readings in, commands out."""

from __future__ import annotations

from typing import Protocol

from ampshare.control.readings import ChargerReading, Command, MeterSample


class Controller(Protocol):
    def charger_reading(
        self, charger_id: str, reading: ChargerReading, now_s: float
    ) -> list[Command]: ...

    def charger_lost(self, charger_id: str, now_s: float) -> list[Command]: ...

    def meter_sample(self, meter_id: str, sample: MeterSample, now_s: float) -> list[Command]: ...

    def tick(self, now_s: float) -> list[Command]: ...
