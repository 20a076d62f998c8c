"""How the command line talks to people: problems on stderr, one per line; wide rich output."""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console

from ampshare.config import ConfigError

# Piped output is not wrapped at 80 columns: one circuit or charger per line, always.
_PIPED_WIDTH = 200


def fail(error: ConfigError) -> NoReturn:
    """Print every problem of a file to stderr and exit with status 1 (no traceback)."""
    for line in error.lines():
        typer.echo(line, err=True)
    raise typer.Exit(code=1)


def console() -> Console:
    """A console on stdout; as wide as the terminal, or wide enough when piped."""
    terminal = Console()
    return terminal if terminal.is_terminal else Console(width=_PIPED_WIDTH)
