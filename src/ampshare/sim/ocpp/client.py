"""What both simulated charge points share: connecting (subprotocol, basic auth, TLS),
the physics tick that keeps the pilot on the profiles' limit, and the periodic messages."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

from ocpp import routing
from websockets.asyncio.client import ClientConnection, connect
from websockets.headers import build_authorization_basic

from ampshare.devices.cancellation import stop_if_cancelled

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])


def on(action: str) -> Callable[[F], F]:
    """ocpp's @on, typed; a charger checks what it is sent against the schemas."""
    return cast(Callable[[F], F], routing.on(action))


async def open_connection(
    url: str,
    subprotocol: str,
    *,
    charger_id: str,
    password: str | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> ClientConnection:
    headers = {}
    if password is not None:
        headers["Authorization"] = build_authorization_basic(charger_id, password)
    return await connect(
        f"{url.rstrip('/')}/{charger_id}",
        subprotocols=[subprotocol],  # type: ignore[list-item]
        additional_headers=headers,
        ssl=ssl_context,
        compression=None,
        open_timeout=30,
    )


class Ticker:
    """Runs step() every period_s until stopped; a failing step is logged, not fatal."""

    def __init__(self, period_s: float, step: Callable[[], Awaitable[None]], name: str) -> None:
        self.period_s = period_s
        self._step = step
        self._name = name
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self._name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            stop_if_cancelled()  # a call's answer may have come in place of a cancellation
            await asyncio.sleep(self.period_s)
            try:
                await self._step()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a closed socket while the test tears down, say
                logger.debug("%s: %s", self._name, exc)


def first_value(items: Any, default: Any = None) -> Any:
    return items[0] if items else default
