"""A Shelly Pro 3EM (Gen2) as a circuit's meter, per phase.

It reports its em:<n> component's status, with per-phase a_/b_/c_current (A) and
a_/b_/c_act_power (W, signed), and total_act_power:
- as NotifyStatus on <prefix>/events/rpc, carrying only what changed ({"method":
  "NotifyStatus", "params": {"ts": ..., "em:0": {...}}}), and NotifyFullStatus with all of it;
- on <prefix>/status/em:<n>, the whole status, when "generic status update" is on.
<prefix>/online is "true" (retained) or "false", its last will.

Deltas are merged into the last whole status; after a (re)connection ampshare asks for the
whole status over MQTT RPC (EM.GetStatus on <prefix>/rpc, the answer on <reply>/rpc), so no
reading is made from a delta on top of a status from before.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from typing import Any

from ampshare.config.mqtt_schema import ShellyTable
from ampshare.control.readings import MeterSample
from ampshare.devices.mqtt.errors import PayloadError
from ampshare.devices.mqtt.meter_feed import MeterFeed
from ampshare.devices.mqtt.outbox import Outbox, Outgoing
from ampshare.devices.mqtt.payloads import (
    amps,
    finite,
    json_object,
    true_or_false,
    watts,
)

_request_ids = itertools.count(1)


class ShellyGen2Meter:
    def __init__(
        self,
        *,
        feed: MeterFeed,
        table: ShellyTable,
        phases: Sequence[str],
        outbox: Outbox,
        reply_prefix: str,
        limit_w: float,
        three_phase: bool,
    ) -> None:
        self.feed = feed
        self.name = feed.name
        self.prefix = table.device
        self.component = f"em:{table.channel}"
        self.phases = phases
        self.reply_prefix = reply_prefix
        self._outbox = outbox
        self._limit_w = limit_w
        self._three_phase = three_phase
        self.status: dict[str, Any] | None = None
        self._request_id = 0
        self.online: bool | None = None

    def topics(self) -> list[str]:
        p = self.prefix
        return [
            f"{p}/online",
            f"{p}/events/rpc",
            f"{p}/status/{self.component}",
            f"{self.reply_prefix}/rpc",
        ]

    def connected(self) -> None:
        self.status = None
        self.online = None
        self._request_id = next(_request_ids)
        request = {
            "id": self._request_id,
            "src": self.reply_prefix,
            "method": "EM.GetStatus",
            "params": {"id": int(self.component.split(":")[1])},
        }
        self._outbox.post(Outgoing(f"{self.prefix}/rpc", json.dumps(request)))

    def lost(self) -> None:
        self.feed.lost("the MQTT broker is gone: stale until it reports again")

    def handle(self, topic: str, payload: bytes, retained: bool) -> None:
        p = self.prefix
        if topic == f"{p}/online":
            self.online = self.feed.device_online(true_or_false(payload), self.online)
            if not self.online:
                self.status = None
        elif topic == f"{p}/status/{self.component}":
            self._whole(json_object(payload))
        elif topic == f"{p}/events/rpc":
            self._event(json_object(payload))
        elif topic == f"{self.reply_prefix}/rpc":
            self._answer(json_object(payload))

    def _event(self, event: dict[str, Any]) -> None:
        method = event.get("method")
        params = event.get("params")
        if method not in ("NotifyStatus", "NotifyFullStatus"):
            return  # NotifyEvent and the like say nothing about the load
        if not isinstance(params, dict):
            raise PayloadError(f"has a {method} without params")
        part = params.get(self.component)
        if part is None:
            return  # another component changed
        if not isinstance(part, dict):
            raise PayloadError(f"has {self.component} that is not an object")
        if method == "NotifyFullStatus":
            self._whole(part)
        elif self.status is not None:
            self._whole({**self.status, **part})
        # a delta before any whole status is not a reading of every phase: wait for one

    def _answer(self, answer: dict[str, Any]) -> None:
        if answer.get("id") != self._request_id:
            return  # an answer to an earlier connection's question
        if "error" in answer:
            raise PayloadError(f"answers EM.GetStatus with an error: {answer['error']}")
        result = answer.get("result")
        if not isinstance(result, dict):
            raise PayloadError("answers EM.GetStatus without a result object")
        self._whole(result)

    def _whole(self, status: dict[str, Any]) -> None:
        sample = self._sample(status)  # raises before anything is kept
        self.status = status
        self.feed.sample(sample)

    def _sample(self, status: dict[str, Any]) -> MeterSample:
        currents = []
        for phase in self.phases:
            current_a = amps(finite(_key(status, f"{phase}_current")), f"phase {phase}")
            power_w = watts(finite(_key(status, f"{phase}_act_power")), self._limit_w)
            # a phase that feeds the grid adds nothing to what the circuit carries for its
            # loads: generation is never counted as extra capacity, nor as load
            currents.append(0.0 if power_w < 0 else current_a)
        total = status.get("total_act_power")
        total_w = None if total is None else watts(finite(total), 3 * self._limit_w)
        if self._three_phase:
            return MeterSample(current_a=tuple(currents), power_w=total_w)
        return MeterSample(current_a=(max(currents),), power_w=total_w)


def _key(status: dict[str, Any], key: str) -> Any:
    if key not in status:
        raise PayloadError(f"has no {key!r}")
    return status[key]
