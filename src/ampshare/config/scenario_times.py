"""Times in scenario files: spans ("1:30", "0:00:45", "2d 4:00") and ISO 8601 moments.

A time in a scenario is either an offset from the scenario's start (a span) or a wall-clock
moment with a UTC offset. Moments are kept as aware datetimes; the loader turns them into
seconds once it knows the start. Every parser raises ValueError with a message that follows
the key's name ("arrive must be ...").
"""

from __future__ import annotations

import re
from datetime import date, datetime, time

SECONDS_PER_MINUTE = 60.0
SECONDS_PER_HOUR = 3600.0
SECONDS_PER_DAY = 86400.0

# an offset from the start, or a moment (an aware datetime)
When = float | datetime

_SPAN = re.compile(
    r"^\s*(?:(?P<days>\d+)\s*d)?\s*"
    r"(?:(?P<hours>\d+):(?P<minutes>[0-5]\d)(?::(?P<seconds>[0-5]\d(?:\.\d+)?))?)?\s*$"
)
SPAN_FORMS = '"1:30" (H:MM), "0:00:45" (H:MM:SS) or "2d 4:00"'
MOMENT_EXAMPLE = '"2026-11-20T18:30:00-08:00"'
_MAX_SHOWN_CHARS = 40


def _shown(value: object) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= _MAX_SHOWN_CHARS else text[: _MAX_SHOWN_CHARS - 3] + "..."


def span_s(text: str) -> float | None:
    """Seconds of "H:MM", "H:MM:SS", "2d", "2d 4:00"; None if the text is none of these."""
    match = _SPAN.match(text)
    if match is None or (match["days"] is None and match["hours"] is None):
        return None
    return (
        int(match["days"] or 0) * SECONDS_PER_DAY
        + int(match["hours"] or 0) * SECONDS_PER_HOUR
        + int(match["minutes"] or 0) * SECONDS_PER_MINUTE
        + float(match["seconds"] or 0)
    )


def parse_span(value: object) -> float:
    """A duration: a positive span in quotes."""
    seconds = span_s(value) if isinstance(value, str) else None
    if seconds is None:
        raise ValueError(f"must be a time span in quotes such as {SPAN_FORMS}, got {_shown(value)}")
    if seconds <= 0:
        raise ValueError(f"must be longer than zero, got {_shown(value)}")
    return seconds


def parse_moment(value: object) -> datetime:
    """An ISO 8601 date and time with a UTC offset (a string, or a TOML offset date-time)."""
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(
                f"must be an ISO 8601 date and time with a UTC offset such as {MOMENT_EXAMPLE}, "
                f"got {_shown(value)}"
            ) from None
    elif isinstance(value, datetime):
        moment = value
    else:
        raise ValueError(
            f"must be an ISO 8601 date and time with a UTC offset such as {MOMENT_EXAMPLE}, "
            f"got {_shown(value)}"
        )
    if moment.utcoffset() is None:
        raise ValueError(
            f"{_shown(value)} has no UTC offset: add one such as -08:00 or Z "
            f"(e.g. {MOMENT_EXAMPLE})"
        )
    return moment


def parse_when(value: object) -> When:
    """An offset from the start ("1:30") or a moment ("2026-11-20T18:30:00-08:00")."""
    if isinstance(value, str):
        seconds = span_s(value)
        if seconds is not None:
            return seconds
        if not re.match(r"^\s*\d{4}-", value):
            raise ValueError(
                f"must be an offset from the start such as {SPAN_FORMS}, or an ISO 8601 date "
                f"and time with a UTC offset such as {MOMENT_EXAMPLE}; got {_shown(value)}"
            )
        return parse_moment(value)
    if isinstance(value, datetime):
        return parse_moment(value)
    if isinstance(value, time):
        # TOML reads 18:00:00 unquoted as a time of day: an offset or a clock time? Ask.
        raise ValueError(
            f"is a time of day ({value}): write an offset from the start in quotes "
            f'("{value.hour}:{value.minute:02d}"), or a full date and time with a UTC offset '
            f"such as {MOMENT_EXAMPLE}"
        )
    if isinstance(value, date):
        raise ValueError(f"is a date ({value}) without a time: write e.g. {MOMENT_EXAMPLE}")
    raise ValueError(
        f"must be a time in quotes: an offset from the start such as {SPAN_FORMS}, or an ISO "
        f"8601 date and time such as {MOMENT_EXAMPLE}; got {_shown(value)}"
    )


def show_span(seconds: float) -> str:
    """Seconds as the files write them: "6:00", "0:02:30", "2d 4:00" (parse_span reads it)."""
    whole = round(seconds)
    days, rest = divmod(whole, round(SECONDS_PER_DAY))
    hours, rest = divmod(rest, round(SECONDS_PER_HOUR))
    minutes, secs = divmod(rest, round(SECONDS_PER_MINUTE))
    text = f"{hours}:{minutes:02d}" + (f":{secs:02d}" if secs else "")
    return f"{days}d {text}" if days else text


def show_when(when: When) -> str:
    return show_span(when) if isinstance(when, float) else when.isoformat()
