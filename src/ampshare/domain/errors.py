"""The domain's error tree: every error the pure model raises derives from DomainError."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a site or a state: where it is and what to do about it."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class DomainError(Exception):
    """Root of every error raised by ampshare.domain."""


class ProblemsError(DomainError):
    """An input with one or more problems; all of them are listed, not only the first."""

    def __init__(self, problems: tuple[Problem, ...] | list[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class SiteError(ProblemsError):
    """The site description is unsafe or inconsistent."""


class StateError(ProblemsError):
    """A state (readings of chargers and meters) does not fit the site."""
