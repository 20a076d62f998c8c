"""`ampshare check SITE.toml`: is the site file safe to run? Show what it describes."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from ampshare.cli.output import console, fail
from ampshare.cli.site_tree import site_tree
from ampshare.config import ConfigError, load_site

logger = logging.getLogger(__name__)


def check_command(
    site_file: Annotated[
        Path,
        typer.Argument(metavar="SITE.toml", help="The site file to check.", show_default=False),
    ],
) -> None:
    """Check a site file and show its circuit tree; list every problem if it is not safe."""
    try:
        site = load_site(site_file)
    except ConfigError as exc:
        fail(exc)
    out = console()
    out.print(site_tree(site))
    out.print(
        f"OK: {len(site.circuits)} circuit(s), {len(site.chargers)} charger(s), "
        f"{len(site.meters)} meter(s)",
        highlight=False,
    )
    logger.debug("checked %s", site_file)
