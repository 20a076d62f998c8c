"""How long each charger's offer holds without renewal, and the renewals that keep offers in force.

An offer is sent with a lease: a charger that hears nothing more falls back by itself once it
lapses (OCPP profiles with a duration, OpenEVSE's claim behind a dead-man switch). The loop
re-sends unchanged offers in time, and counts a silent charger at its last offer only while that
offer may still hold.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from ampshare.control.readings import Command
from ampshare.control.tracks import ChargerTrack

# an offline charger counts at its last offer until its lease has surely lapsed
LEASE_MARGIN_S = 2.0


class Leases:
    def __init__(
        self, charger_ids: Iterable[str], lease_s: float | None, *, refresh_s: float, tick_s: float
    ) -> None:
        self.default_s = lease_s
        self.refresh_s = refresh_s  # an unchanged offer is sent again this often
        self.tick_s = tick_s  # how often renewals are looked for (see renewals)
        # None: offers on that charger never lapse; adapters set it for their devices
        self._lease_s: dict[str, float | None] = dict.fromkeys(charger_ids, lease_s)
        # when ampshare started deciding: a charger never told anything since may still hold
        # an offer from before
        self.started_s: float | None = None
        self.refresh_due_s = 0.0  # when an offer next needs renewing

    def add(self, charger_id: str) -> None:
        self._lease_s[charger_id] = self.default_s

    def assign(self, charger_id: str, lease_s: float | None) -> None:
        self._lease_s[charger_id] = lease_s

    def of(self, charger_id: str) -> float | None:
        return self._lease_s[charger_id]

    def lapses_s(self, track: ChargerTrack) -> float | None:
        """When the charger's offer has surely lapsed if it is told nothing more (None: never,
        or not known to be in force)."""
        lease_s = self._lease_s[track.charger.id]
        since_s = track.last_sent_s if track.last_sent_s is not None else self.started_s
        if since_s is None or lease_s is None:
            return None
        return since_s + lease_s + LEASE_MARGIN_S

    def may_hold(self, track: ChargerTrack, now_s: float) -> bool:
        lapses_s = self.lapses_s(track)
        return lapses_s is None or now_s < lapses_s

    def renewals(
        self,
        managed: Mapping[str, ChargerTrack],
        commanded: set[str],
        now_s: float,
    ) -> list[Command]:
        """Re-send unchanged offers whose lease needs renewing (they change no decision). A
        tick sends at most twice its share of them, the longest unrenewed first: offers made
        together fall due together, and a thousand at once would hold up every charger's
        answer; a backlog of all of them is gone within half a refresh period, long before a
        lease lapses."""
        refresh_s = self.refresh_s
        due: list[tuple[float, str, float]] = []
        self.refresh_due_s = math.inf
        for charger_id, track in managed.items():
            last_s, latest_a = track.last_sent_s, track.latest_offer_a
            if latest_a is None or last_s is None or self._lease_s[charger_id] is None:
                continue
            if charger_id not in commanded and now_s - last_s >= refresh_s:
                due.append((last_s, charger_id, latest_a))
            else:
                self.refresh_due_s = min(self.refresh_due_s, last_s + refresh_s)
        if not due:
            return []
        due.sort()
        share = math.ceil(2 * len(managed) * self.tick_s / refresh_s)
        commands = []
        for _, charger_id, latest_a in due[:share]:
            managed[charger_id].last_sent_s = now_s
            commands.append(Command(charger_id, latest_a, self._lease_s[charger_id]))
        self.refresh_due_s = min(self.refresh_due_s, now_s + refresh_s)
        if len(due) > share:
            self.refresh_due_s = now_s  # the rest at the next tick
        return commands
