"""`ampshare hash-password`: the password_hash of a charger's [chargers.ocpp] table."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from ampshare.devices.ocpp.passwords import DEFAULT_ITERATIONS, generate_password, hash_password

# OCPP (1.6 security whitepaper, 2.0.1 BasicAuthPassword) wants 16 to 40 characters
_MIN_CHARS, _MAX_CHARS = 16, 40


def hash_password_command(
    generate: Annotated[
        bool,
        typer.Option(
            "--generate", help="Make up a random password, print it, then print its hash."
        ),
    ] = False,
    iterations: Annotated[
        int, typer.Option(min=1, help="PBKDF2 iterations (more is slower to guess).")
    ] = DEFAULT_ITERATIONS,
) -> None:
    """Print the password_hash for a charger's \\[chargers.ocpp] table (security profiles 1 and
    2). The password is asked for twice, or read from the first line of standard input when
    it is not a terminal. Set the same password on the charger (1.6: AuthorizationKey; 2.0.1:
    BasicAuthPassword)."""
    if generate:
        password = generate_password()
        typer.echo(f"password (set it on the charger): {password}")
    elif sys.stdin.isatty():
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        typer.echo("hash-password: the password is empty: give one", err=True)
        raise typer.Exit(code=1)
    if not _MIN_CHARS <= len(password) <= _MAX_CHARS:
        typer.echo(
            f"hash-password: warning: the password has {len(password)} characters; OCPP "
            f"chargers expect {_MIN_CHARS} to {_MAX_CHARS}",
            err=True,
        )
    typer.echo(f'password_hash = "{hash_password(password, iterations)}"')
