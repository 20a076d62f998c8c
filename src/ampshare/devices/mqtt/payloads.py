"""Reading MQTT payloads strictly, and remembering the ones that would not read.

Devices speak text ("230.41", "3") or JSON. A payload that does not say what its topic should
(text where a number belongs, NaN, a negative current, an absurd value, the wrong JSON) raises
PayloadError with words that say what is wrong; the caller ignores it, so it never becomes a
reading, least of all a zero one. RejectedPayloads logs the first bad payload of each topic with
its value and counts all of them for ampshare's published state.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from typing import Any

from ampshare.devices.mqtt.errors import PayloadError
from ampshare.domain.state import ABSURD_CURRENT_A

logger = logging.getLogger(__name__)

_SHOWN_CHARS = 60


def shown(payload: bytes | str) -> str:
    """A payload as a log line can show it: quoted, shortened."""
    text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else payload
    if len(text) > _SHOWN_CHARS:
        text = text[: _SHOWN_CHARS - 3] + "..."
    return repr(text)


def text(payload: bytes) -> str:
    try:
        return payload.decode("utf-8").strip()
    except UnicodeDecodeError as exc:
        raise PayloadError("is not UTF-8 text") from exc


def number(payload: bytes | str) -> float:
    """A finite number written as text ("12.5", "-3", "1e3")."""
    raw = text(payload) if isinstance(payload, bytes) else payload.strip()
    if not raw:
        raise PayloadError("is empty, not a number")
    try:
        value = float(raw)
    except ValueError as exc:
        raise PayloadError("is not a number") from exc
    return finite(value)


def finite(value: object) -> float:
    """A JSON value that must be a finite number (true/false are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PayloadError(f"has {json.dumps(value)[:30]} where a number belongs")
    result = float(value)
    if not math.isfinite(result):
        raise PayloadError(f"has {value} where a finite number belongs")
    return result


def amps(value: float, what: str = "a current") -> float:
    """A current's magnitude: 0 to 10,000 A (more is no circuit ampshare manages)."""
    if value < 0:
        raise PayloadError(f"has a negative current ({value:g} A) where {what} belongs")
    if value > ABSURD_CURRENT_A:
        raise PayloadError(f"has an absurd current ({value:g} A) for {what}")
    return value


def watts(value: float, limit_w: float, what: str = "a power") -> float:
    """A power in W, signed (generation is negative), at most limit_w either way."""
    if abs(value) > limit_w:
        raise PayloadError(f"has an absurd power ({value:g} W) for {what}")
    return value


_MIN_VOLTAGE_V, _MAX_VOLTAGE_V = 50.0, 500.0


def mains_voltage(payload: bytes) -> float:
    voltage_v = number(payload)
    if not _MIN_VOLTAGE_V <= voltage_v <= _MAX_VOLTAGE_V:
        raise PayloadError(f"has {voltage_v:g} V, not a mains voltage")
    return voltage_v


def energy_wh(payload: bytes) -> float:
    """An energy counter in Wh: never negative."""
    value_wh = number(payload)
    if value_wh < 0:
        raise PayloadError(f"has a negative energy counter ({value_wh:g} Wh)")
    return value_wh


def true_or_false(payload: bytes) -> bool:
    value = text(payload)
    if value not in ("true", "false"):
        raise PayloadError("is neither 'true' nor 'false'")
    return value == "true"


def _no_constants(name: str) -> float:
    raise PayloadError(f"has {name}, which is not a number")


def json_document(payload: bytes) -> Any:
    """The JSON in a payload; NaN and Infinity (which Python's json accepts) are refused."""
    try:
        return json.loads(text(payload), parse_constant=_no_constants)
    except json.JSONDecodeError as exc:
        raise PayloadError(f"is not JSON ({exc.msg} at character {exc.pos})") from exc


def json_object(payload: bytes) -> dict[str, Any]:
    document = json_document(payload)
    if not isinstance(document, dict):
        raise PayloadError(f"is JSON but not an object ({shown(payload)[:30]})")
    return document


def at_path(document: Any, path: str) -> Any:
    """document["a"]["b"][0] for path "a.b.0"."""
    value = document
    walked: list[str] = []
    for key in path.split("."):
        walked.append(key)
        if isinstance(value, dict) and key in value:
            value = value[key]
        elif isinstance(value, list) and key.isdigit() and int(key) < len(value):
            value = value[int(key)]
        else:
            raise PayloadError(f"has no {'.'.join(walked)!r} (json_path {path!r})")
    return value


@dataclass
class Rejection:
    count: int
    last_payload: str
    problem: str


class RejectedPayloads:
    """Per topic: how many payloads were ignored, the last one and why. The first of each topic
    is logged as a warning with the device's id; later ones only at debug level."""

    def __init__(self) -> None:
        self.by_topic: dict[str, Rejection] = {}

    def reject(self, device: str, topic: str, payload: bytes, error: PayloadError) -> None:
        value = shown(payload)
        known = self.by_topic.get(topic)
        if known is None:
            self.by_topic[topic] = Rejection(1, value, str(error))
            logger.warning(
                "%s: ignored the payload %s on %s: it %s (counted in ampshare's state; later "
                "ones on this topic are only counted)",
                device,
                value,
                topic,
                error,
            )
            return
        known.count += 1
        known.last_payload, known.problem = value, str(error)
        logger.debug("%s: ignored the payload %s on %s: it %s", device, value, topic, error)

    def total(self) -> int:
        return sum(rejection.count for rejection in self.by_topic.values())

    def as_dict(self) -> dict[str, dict[str, object]]:
        return {
            topic: {"count": r.count, "last_payload": r.last_payload, "problem": r.problem}
            for topic, r in sorted(self.by_topic.items())
        }
