"""serve(): run an installation's adapters and its control loop until stopped."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from ampshare.config import Installation
from ampshare.runtime.adapters import Adapter, build_adapters
from ampshare.runtime.errors import NothingToServeError
from ampshare.runtime.site_runtime import SiteRuntime

logger = logging.getLogger(__name__)


async def serve(
    installation: Installation,
    runtime: SiteRuntime | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Run until stop is set (or SIGINT/SIGTERM arrives)."""
    runtime = runtime or SiteRuntime(installation.site)
    adapters = build_adapters(installation, runtime)
    if not adapters:
        raise NothingToServeError(
            "no charger or meter in the site file says how ampshare reaches it: set protocol "
            '= "ocpp1.6", "ocpp2.0.1" or "openevse" on a charger, or "shelly" or "mqtt" on a '
            "meter"
        )
    stop = stop or asyncio.Event()
    _stop_on_signals(stop)
    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(runtime.run(), name="control loop")]
        tasks += [group.create_task(_run(adapter), name=adapter.name) for adapter in adapters]
        logger.info(
            "site %s: serving %s", installation.site.name, ", ".join(a.name for a in adapters)
        )
        await stop.wait()
        for task in tasks:
            task.cancel()


async def _run(adapter: Adapter) -> None:
    await adapter.run()


def _stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
