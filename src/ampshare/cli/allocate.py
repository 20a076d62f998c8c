"""`ampshare allocate SITE.toml --state STATE.json`: the offers, as JSON on stdout."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ampshare.cli.output import fail
from ampshare.config import ConfigError, allocation_to_dict, load_site, load_state
from ampshare.domain import SiteState, allocate


def allocate_command(
    site_file: Annotated[
        Path, typer.Argument(metavar="SITE.toml", help="The site file.", show_default=False)
    ],
    state_file: Annotated[
        Path | None,
        typer.Option(
            "--state",
            "-s",
            metavar="STATE.json",
            help="Cars at the chargers and meter readings; without it, no cars.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Print how many amps each charger may offer, and why, for one state of the site."""
    try:
        site = load_site(site_file)
        state = SiteState() if state_file is None else load_state(state_file, site)
    except ConfigError as exc:
        fail(exc)
    report = allocation_to_dict(site, allocate(site, state))
    typer.echo(json.dumps(report, indent=2))
