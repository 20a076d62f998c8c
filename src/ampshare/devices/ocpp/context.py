"""What every charger's session shares with the others: the server's settings."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime


@dataclass
class ServerContext:
    heartbeat_interval_s: int
    authorized_tokens: frozenset[str] | None  # None: every token is accepted
    # transaction ids ampshare hands out (1.6): counted on from the start time, so that a
    # restarted server does not hand out the ids of transactions still open on chargers
    _ids: Iterator[int] = field(
        default_factory=lambda: itertools.count(int(time.time()) % 1_000_000_000)
    )
    clock: Callable[[], float] = time.time

    def authorized(self, token: str) -> bool:
        return self.authorized_tokens is None or token in self.authorized_tokens

    def next_id(self) -> int:
        return next(self._ids)

    def now_iso(self) -> str:
        moment = datetime.fromtimestamp(self.clock(), UTC)
        return moment.isoformat(timespec="seconds").replace("+00:00", "Z")
