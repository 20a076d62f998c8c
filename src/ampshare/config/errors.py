"""The config package's error tree: ConfigError is its root."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ampshare.domain import Problem


def format_problem(path: Path, problem: Problem) -> str:
    """One line: "site.toml: charger 'left' (chargers[0]): unknown key ..."."""
    where = f"{problem.where}: " if problem.where else ""
    return f"{path}: {where}{problem.message}"


class ConfigError(Exception):
    """A file that cannot be used as it is; every problem found is listed, not only the first."""

    def __init__(self, path: Path, problems: Iterable[Problem]) -> None:
        self.path = path
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        """One line per problem, each naming the file, the entry and the key."""
        return [format_problem(self.path, problem) for problem in self.problems]


def read_problem(exc: OSError | UnicodeDecodeError) -> Problem:
    """Why a file could not be read, in words a user can act on."""
    if isinstance(exc, FileNotFoundError):
        return Problem("", "file not found: check the path")
    if isinstance(exc, UnicodeDecodeError):
        return Problem("", "the file is not UTF-8 text: save it as UTF-8")
    return Problem("", f"cannot read the file ({exc.strerror or exc})")
