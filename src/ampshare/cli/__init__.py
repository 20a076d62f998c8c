"""The command line: `ampshare check`, `allocate`, `simulate`, `demo`, `serve` and
`hash-password`.

Only here is logging configured."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from ampshare.cli.allocate import allocate_command
from ampshare.cli.check import check_command
from ampshare.cli.demo import demo_command
from ampshare.cli.hash_password import hash_password_command
from ampshare.cli.serve import serve_command
from ampshare.cli.simulate import simulate_command

app = typer.Typer(
    name="ampshare",
    help="Automatic load management for EV chargers that share circuits.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)


@app.callback()
def _configure(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log what ampshare does, to stderr.")
    ] = False,
) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )


app.command("check")(check_command)
app.command("allocate")(allocate_command)
app.command("demo")(demo_command)
app.command("simulate")(simulate_command)
app.command("serve")(serve_command)
app.command("hash-password")(hash_password_command)


def main() -> None:
    """The console script `ampshare`."""
    app(prog_name="ampshare")
