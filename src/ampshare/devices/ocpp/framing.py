"""OCPP-J framing on the central system's side: every CALL a charger sends gets an answer,
malformed ones the CALLERROR OCPP-J names, and the connection lives on.

The ocpp package only logs a frame it cannot parse and answers none, and calls an action
nobody handles NotImplemented where OCPP-J (1.6 §4.2.3, 2.0.1 Part 4 §4.3) says NotSupported
(and the other way round), so frames are checked here before the package handles them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import fastjsonschema
from ocpp.charge_point import ChargePoint
from ocpp.exceptions import OCPPError
from ocpp.messages import Call, CallError, MessageType, get_validator, unpack
from ocpp.v16.enums import Action as Action16
from ocpp.v21.enums import Action as Action21
from ocpp.v201.enums import Action as Action201

logger = logging.getLogger(__name__)

# an id for a CALLERROR answering a frame whose own id cannot be read (OCPP 2.0.1 Part 4)
UNKNOWN_ID = "-1"

_ACTIONS = {"1.6": Action16, "2.0.1": Action201, "2.1": Action21}
# the same errors spelt as each version spells them (1.6 kept two typos as its names)
_FORMAT = {"1.6": "FormationViolation", "2.0.1": "FormatViolation", "2.1": "FormatViolation"}
_OCCURRENCE = {
    "1.6": "OccurenceConstraintViolation",
    "2.0.1": "OccurenceConstraintViolation",
    "2.1": "OccurrenceConstraintViolation",
}
# a frame that is JSON but not an RPC frame (2.0.1 names it; 1.6 calls it a ProtocolError)
_FRAMEWORK = {"1.6": "ProtocolError", "2.0.1": "RpcFrameworkError", "2.1": "RpcFrameworkError"}
_MESSAGE_TYPE = {
    "1.6": "ProtocolError",
    "2.0.1": "MessageTypeNotSupported",
    "2.1": "MessageTypeNotSupported",
}


def spelt(code: str, version: str) -> str:
    """An error code as this version of OCPP spells it."""
    if code in ("FormatViolation", "FormationViolation"):
        return _FORMAT[version]
    if code in ("OccurenceConstraintViolation", "OccurrenceConstraintViolation"):
        return _OCCURRENCE[version]
    return code


def schema_error_code(validator: str, version: str) -> str:
    """The CALLERROR for a payload that breaks its JSON schema, by the rule it breaks."""
    if validator in ("type", "maxLength"):
        return "TypeConstraintViolation"  # OCPP types carry their length: string[0..20]
    if validator in ("required", "minItems", "maxItems"):
        return _OCCURRENCE[version]
    if validator in ("enum", "minimum", "maximum", "pattern", "format", "multipleOf"):
        return "PropertyConstraintViolation"
    return _FORMAT[version]  # additionalProperties and the like: the structure is wrong


async def route_frame(cp: ChargePoint, raw: str | bytes, version: str, charger_id: str) -> None:
    """ChargePoint.route_message, with every malformed CALL answered."""
    try:
        frame = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        logger.warning("charger %s sent a frame that is not JSON: %.80r", charger_id, raw)
        await _answer(cp, UNKNOWN_ID, _FORMAT[version], "the frame is not valid JSON")
        return
    if not isinstance(frame, list) or not frame or type(frame[0]) is not int:
        logger.warning("charger %s sent a frame that is not an OCPP-J array", charger_id)
        await _answer(cp, UNKNOWN_ID, _FRAMEWORK[version], "the frame is not an OCPP-J array")
        return
    message_id = frame[1] if len(frame) > 1 and isinstance(frame[1], str) else UNKNOWN_ID
    if frame[0] in (MessageType.CallResult, MessageType.CallError):
        await _route_answer(cp, raw, charger_id)
        return
    if frame[0] != MessageType.Call:
        logger.warning("charger %s sent message type %r", charger_id, frame[0])
        await _answer(cp, message_id, _MESSAGE_TYPE[version], f"message type {frame[0]!r}")
        return
    if len(frame) != 4 or message_id == UNKNOWN_ID or not isinstance(frame[2], str):
        logger.warning("charger %s sent a CALL that is not [2, id, action, {}]", charger_id)
        await _answer(cp, message_id, _FRAMEWORK[version], "a CALL is [2, id, action, {...}]")
        return
    await _route_call(cp, Call(message_id, frame[2], frame[3]), version, charger_id)


async def _route_call(cp: ChargePoint, call: Call, version: str, charger_id: str) -> None:
    if call.action not in cp.route_map:
        known = call.action in {action.value for action in _ACTIONS[version]}
        code = "NotSupported" if known else "NotImplemented"
        logger.warning("charger %s: %s %s (%s)", charger_id, code, call.action, version)
        await _answer(cp, call.unique_id, code, f"{call.action} is not handled by ampshare")
        return
    problem = _schema_problem(call, version)
    if problem is not None:
        code, text = problem
        logger.warning("charger %s: %s %s: %s", charger_id, call.action, code, text)
        await _answer(cp, call.unique_id, code, text[:255])
        return
    try:
        await cp._handle_call(call)
    except OCPPError as exc:
        await _answer(cp, call.unique_id, spelt(exc.code, version), exc.description)


# every CALL is checked against its schema: compiled, a check takes a twentieth of what the
# ocpp package's jsonschema validator takes, which at a thousand chargers was a third of the
# server's work; jsonschema still names what is wrong when the compiled check finds anything
_COMPILED: dict[tuple[str, str], Callable[[Any], Any]] = {}


def _valid(action: str, version: str, payload: dict[str, Any]) -> bool:
    check = _COMPILED.get((action, version))
    if check is None:
        schema = get_validator(MessageType.Call, action, version).schema
        check = _COMPILED[action, version] = fastjsonschema.compile(schema)
    try:
        check(payload)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


def _schema_problem(call: Call, version: str) -> tuple[str, str] | None:
    if not isinstance(call.payload, dict):
        return _FORMAT[version], "the payload of a CALL is a JSON object"
    if _valid(call.action, version, call.payload):
        return None
    validator = get_validator(MessageType.Call, call.action, version)
    # the ocpp package's validator is the judge (the compiled check may be stricter, on
    # formats, say): what it accepts is accepted
    error: Any = next(iter(validator.iter_errors(call.payload)), None)
    if error is None:
        return None
    where = "/".join(str(part) for part in error.absolute_path) or "payload"
    return schema_error_code(error.validator, version), f"{where}: {error.message}"


async def _route_answer(cp: ChargePoint, raw: str | bytes, charger_id: str) -> None:
    try:
        message = unpack(raw)
    except OCPPError:
        logger.warning("charger %s sent a malformed answer: %.80r", charger_id, raw)
        return
    cp._response_queue.put_nowait(message)


async def _answer(cp: ChargePoint, message_id: str, code: str, description: str) -> None:
    await cp._send(CallError(message_id, code, description, {}).to_json())
