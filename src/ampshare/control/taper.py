"""How the cars at a site slow down as they fill, learned from the cars themselves.

A car's battery takes less current as it nears full (lithium cells taper above ~80 % state of
charge), and most drivers stop it at 80-90 %: near the end of a session a car draws less than
it is offered. A plan that takes every car to draw its ceiling until it has all it wants gives
cars near the end room they cannot use, and the cars that could have used it get it later,
if at all.

ampshare does not know a car's battery, but it sees two things the taper shows in: what a car
still wants (its driver said what it wants; the charger says what it has delivered), and what
it draws while drawing clearly less than its offer and less than it drew before in the same
session (a car whose own charger takes 16 A draws 16 A from start to end: that is no taper).
Across the site's sessions, what a tapering car draws falls about linearly as what it still
wants falls (the usual constant-current, then falling-current charge). The learner fits that
line, draw = intercept + slope * remaining, over the latest samples: by least squares through
the median draw of each bin of remaining energy that holds at least 2 % of the samples, each
weighted by its samples. Medians and full bins, since a few samples are not the site's taper
(a reading taken before a car followed a raise; a car with a bigger battery, whose taper
falls more slowly), and a line through all of them is pulled far off by a handful.

- a car tapering now draws what it draws now, falling along the slope as it is given more;
- any other car draws at most its ceiling, or what the line says for what it still wants if
  that is more than it draws now, falling along the slope from there.

A site whose cars never draw clearly less than offered teaches nothing: the plan is then made
as before, every car taking its ceiling until it has all it wants.
"""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass
from statistics import median

_LEAST_IN_BIN = 3
_LEAST_SHARE_IN_BIN = 0.02


@dataclass(frozen=True)
class TaperFit:
    """draw_a = intercept_a + slope_a_per_wh * remaining_wh, for a car that tapers."""

    intercept_a: float
    slope_a_per_wh: float
    samples: int

    def draw_a(self, remaining_wh: float) -> float:
        return self.intercept_a + self.slope_a_per_wh * remaining_wh


class TaperLearner:
    """Samples of (what a tapering car still wants, what it draws), and the line through them.

    window: the latest samples kept (a site's fleet changes); min_samples and min_span_wh:
    how many, over how wide a range of remaining energy, before the line is trusted; a car
    adds a sample only once what it wants has moved by spacing_wh since its last one, so that
    a car that sits tapering for an hour is not a thousand samples of one point, and only
    while it draws at least fall_a less than it drew before in the session.
    """

    def __init__(
        self,
        *,
        window: int = 2000,
        min_samples: int = 30,
        min_span_wh: float = 1000.0,
        spacing_wh: float = 50.0,
        fall_a: float = 1.0,
        bin_wh: float = 500.0,
    ) -> None:
        self.window = window
        self.bin_wh = bin_wh
        self.fall_a = fall_a
        self.min_samples = min_samples
        self.min_span_wh = min_span_wh
        self.spacing_wh = spacing_wh
        self._samples: deque[tuple[float, float]] = deque()
        # by charger: the session (when its car plugged in), the most it drew in it, and what
        # it still wanted at its last sample
        self._sessions: dict[str, tuple[object, float, float | None]] = {}
        self._fit: TaperFit | None = None
        self._stale = False

    def observe(
        self,
        charger_id: str,
        session: object,
        remaining_wh: float,
        drawn_a: float,
        *,
        less_than_offered: bool,
    ) -> None:
        """What the car at charger_id draws, in the session that began at session, wanting
        remaining_wh more; less_than_offered: it draws clearly less than its offer."""
        known, peak_a, last_wh = self._sessions.get(charger_id, (None, 0.0, None))
        if known != session:
            peak_a, last_wh = 0.0, None
        self._sessions[charger_id] = (session, max(peak_a, drawn_a), last_wh)
        if not less_than_offered or drawn_a > peak_a - self.fall_a:
            return
        if last_wh is not None and abs(last_wh - remaining_wh) < self.spacing_wh:
            return
        self._sessions[charger_id] = (session, peak_a, remaining_wh)
        self._samples.append((remaining_wh, drawn_a))
        if len(self._samples) > self.window:
            self._samples.popleft()
        self._stale = True

    def fit(self) -> TaperFit | None:
        """The line, once enough samples say the draw falls with what the cars still want."""
        if self._stale:
            self._fit = self._fitted()
            self._stale = False
        return self._fit

    def _fitted(self) -> TaperFit | None:
        count = len(self._samples)
        if count < self.min_samples:
            return None
        bins: dict[int, list[float]] = defaultdict(list)
        for remaining_wh, drawn_a in self._samples:
            bins[int(remaining_wh // self.bin_wh)].append(drawn_a)
        # (middle of the bin, its median draw, its samples): a bin with a few samples far out
        # (a big battery that tapers early) would tilt the line, a bin of one or two is noise
        least = max(_LEAST_IN_BIN, _LEAST_SHARE_IN_BIN * count)
        points = [
            ((b + 0.5) * self.bin_wh, median(draws), len(draws))
            for b, draws in bins.items()
            if len(draws) >= least
        ]
        if len(points) < 2:
            return None
        xs = [x for x, _, _ in points]
        if max(xs) - min(xs) < self.min_span_wh:
            return None
        total = sum(w for _, _, w in points)
        mean_x = sum(x * w for x, _, w in points) / total
        mean_y = sum(y * w for _, y, w in points) / total
        sxx = sum(w * (x - mean_x) ** 2 for x, _, w in points)
        sxy = sum(w * (x - mean_x) * (y - mean_y) for x, y, w in points)
        slope = sxy / sxx
        if slope <= 0:
            return None  # the draw does not fall as the cars fill: nothing to plan by
        return TaperFit(max(0.0, mean_y - slope * mean_x), slope, count)
