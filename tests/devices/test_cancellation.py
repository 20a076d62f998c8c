"""A loop that looks at stop_if_cancelled() stops even when a library lost its cancellation."""

from __future__ import annotations

import asyncio

from ampshare.devices.cancellation import stop_if_cancelled
from tests.devices.cancellations import lose_the_cancellation


async def test_a_loop_that_lost_its_cancellation_stops_when_it_goes_round_again() -> None:
    rounds: list[int] = []

    async def loop() -> None:
        while True:
            stop_if_cancelled()
            rounds.append(1)
            await lose_the_cancellation()

    task = asyncio.create_task(loop())
    await asyncio.sleep(0.01)
    task.cancel()
    done, _ = await asyncio.wait([task], timeout=1.0)
    assert done and task.cancelled()
    assert len(rounds) == 1


async def test_nothing_happens_to_a_task_that_is_not_being_cancelled() -> None:
    stop_if_cancelled()  # no exception
    assert await asyncio.create_task(_answer()) == 42


async def _answer() -> int:
    stop_if_cancelled()
    return 42
