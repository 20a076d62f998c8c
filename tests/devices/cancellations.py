"""What the stopping tests do to a cancellation, and how they end a task that failed to stop."""

from __future__ import annotations

import asyncio
from typing import Any


async def lose_the_cancellation() -> None:
    """Wait until cancelled, then return normally: Python 3.11's wait_for when what it awaits
    completes as the cancellation arrives (python/cpython#86296)."""
    try:
        await asyncio.Event().wait()
    except asyncio.CancelledError:
        return


async def stop_for_sure(task: asyncio.Task[Any]) -> None:
    """End a task that a failed test left running: cancel it until it is done."""
    while not task.done():
        task.cancel()
        await asyncio.wait([task], timeout=0.2)
