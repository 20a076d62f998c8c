"""Stopping a task for sure: a cancellation can be lost on its way through a library."""

from __future__ import annotations

import asyncio


def stop_if_cancelled(exc: BaseException | None = None) -> None:
    """Raise CancelledError if this task is being cancelled. A loop that must stop when told
    checks this where it goes round again, and where it catches a library's errors, because a
    cancellation can be lost on the way:

    - an aiomqtt client that is told to stop says goodbye to the broker, and when the broker
      is slow to answer, the goodbye's MqttError replaces the cancellation; caught as a lost
      connection, it would reconnect and keep running (ampshare would not stop on Ctrl-C);
    - on Python 3.11, asyncio.wait_for returns normally when what it waits for completes as
      the cancellation arrives (python/cpython#86296, fixed in 3.12), and aiomqtt waits for
      every publish and subscribe with it, the ocpp library for every call's answer: the
      loop would go round again and never stop.

    The task's cancelling() count survives both, so the loop stops the next time it looks."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError from exc
