"""What every MQTT meter does with a reading: hand it to ampshare, and notice when the device
reports too rarely for the loop to keep it fresh."""

from __future__ import annotations

import logging

from ampshare.control.readings import MeterSample
from ampshare.devices.mqtt.device import DevicePort

logger = logging.getLogger(__name__)


class MeterFeed:
    def __init__(self, meter_id: str, port: DevicePort, timeout_s: float) -> None:
        self.meter_id = meter_id
        self.name = f"meter {meter_id!r}"
        self._port = port
        self._timeout_s = timeout_s
        self._last_s: float | None = None
        self._warned_slow = False
        self.last_sample: MeterSample | None = None

    def sample(self, sample: MeterSample) -> None:
        now_s = self._port.now_s()
        if self._last_s is not None and not self._warned_slow:
            gap_s = now_s - self._last_s
            if gap_s > self._timeout_s / 2:
                self._warned_slow = True
                logger.warning(
                    "meter %s reports only every %.0f s; it counts as stale after %.0f s of "
                    "silence: set the device to report every 1-2 s",
                    self.meter_id,
                    gap_s,
                    self._timeout_s,
                )
        self._last_s = now_s
        self.last_sample = sample
        self._port.meter_sample(self.meter_id, sample)

    def device_online(self, online: bool, was: bool | None) -> bool:
        """The device's online topic (its last will says false): lost at once when it goes."""
        if not online and was is not False:
            self.lost("the device is offline (its last will): stale until it is back")
        return online

    def lost(self, why: str) -> None:
        """The device or the broker is gone: stale now, not after the timeout."""
        self._last_s = None
        logger.warning("meter %s: %s", self.meter_id, why)
        self._port.meter_lost(self.meter_id)
