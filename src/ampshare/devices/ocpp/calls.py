"""The ocpp package's typed edge: its routing decorator and its call(), with CALLERRORs,
timeouts and closed connections raised as this package's errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from ocpp import routing
from ocpp.charge_point import ChargePoint
from ocpp.exceptions import OCPPError
from websockets.exceptions import ConnectionClosed

from ampshare.devices.ocpp.errors import CallFailedError, CallRejectedError

F = TypeVar("F", bound=Callable[..., Any])

# how long a charger may take to answer a CALL before it counts as failed
RESPONSE_TIMEOUT_S = 20


def on(action: str) -> Callable[[F], F]:
    """ocpp's @on: schema checks happen in framing.route_frame, with OCPP-J's error codes."""
    return cast(Callable[[F], F], routing.on(action, skip_schema_validation=True))


def after(action: str) -> Callable[[F], F]:
    return cast(Callable[[F], F], routing.after(action))


async def checked_call(cp: ChargePoint, payload: Any) -> Any:
    """Send one CALL and wait for its answer; a CALLERROR is an error, never None."""
    action = type(payload).__name__
    try:
        return await cp.call(payload, suppress=False)
    except OCPPError as exc:
        raise CallFailedError(f"{action}: CALLERROR {exc.code}: {exc.description}") from exc
    except TimeoutError as exc:
        raise CallFailedError(f"{action}: no answer within {cp._response_timeout} s") from exc
    except ConnectionClosed as exc:
        raise CallFailedError(f"{action}: the connection closed") from exc


def accepted(action: str, status: object, *ok: str) -> None:
    """Raise CallRejectedError unless status is Accepted (or one of ok)."""
    if status != "Accepted" and status not in ok:
        raise CallRejectedError(f"{action}: {status}")
