"""`ampshare serve --site SITE.toml`: load-manage a site's real chargers and meters."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from ampshare.cli.output import console, fail
from ampshare.config import ConfigError, load_installation
from ampshare.runtime.errors import ServeError
from ampshare.runtime.heap import settle_heap
from ampshare.runtime.serve import serve


def serve_command(
    site_file: Annotated[
        Path,
        typer.Option(
            "--site", metavar="SITE.toml", help="The site file to run.", show_default=False
        ),
    ],
) -> None:
    """Run ampshare for a site: accept its chargers (OCPP), read its MQTT devices, and
    allocate amps every second until stopped with Ctrl-C."""
    try:
        installation = load_installation(site_file)
    except ConfigError as exc:
        fail(exc)
    console().print(
        f"ampshare: serving site {installation.site.name!r} "
        f"({len(installation.site.chargers)} chargers); Ctrl-C stops",
        highlight=False,
    )
    settle_heap()  # a server runs for months: see runtime/heap.py
    try:
        asyncio.run(serve(installation))
    except ServeError as exc:
        typer.echo(f"{site_file}: {exc}", err=True)
        raise typer.Exit(code=1) from exc
    except KeyboardInterrupt:
        pass
