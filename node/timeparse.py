"""Dates, times and durations as people type them, read in the node's time zone.

The CLI reads ``--when`` and ``--expires`` the way the phone desk reads a resident's text:
ISO 8601 (``2026-11-22 10:00``), and every form of meshaid.node.phone.when (``sat 2pm``,
``tomorrow 9:30``, ``12/5 10am``, ``dec 5 noon``, ``sábado a las 3``, ``next sunday
10-2``, ``6 de diciembre a las 16:00``), which name the next such moment from the node's
own clock (the caller's ``now``). A moment that has passed or is too far ahead is the
caller's to refuse (meshaid.node.services says so in one line, as the desk asks).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from meshaid.node.errors import InputError
from meshaid.node.phone.when import read_when

# Longer spellings first, so that "min" is not read as "m" and "in". A month is 30 days.
_DURATION = re.compile(
    r"(\d+)(months?|mo|minutes?|mins?|m|weeks?|w|days?|d|hours?|hrs?|h)"
)
_UNIT_MINUTES = {"mo": 30 * 24 * 60, "w": 7 * 24 * 60, "d": 24 * 60, "h": 60, "min": 1}
_UNIT_OF = {
    "month": "mo", "months": "mo", "minute": "min", "minutes": "min", "mins": "min",
    "week": "w", "weeks": "w", "day": "d", "days": "d", "hour": "h", "hours": "h",
    "hr": "h", "hrs": "h",
}


def parse_datetime(
    text: str, tz: ZoneInfo, option: str = "date", now: datetime | None = None
) -> datetime:
    """``2026-11-22 10:00``, ``2026-11-22T10:00``, ``2026-11-22`` (midnight), ISO 8601 with
    an offset, or a day and time as residents write them (``sat 2pm``, ``12/5 10am``,
    ``tomorrow 9:30``): the next such moment after ``now`` (default: the wall clock). Those
    forms need a time of day, as on the phone: the node does not invent an hour for "friday".
    Without an offset the time is local time in ``tz``."""
    given = text.strip()
    try:
        value = datetime.fromisoformat(given)
    except ValueError:
        pass
    else:
        return value if value.tzinfo is not None else value.replace(tzinfo=tz)
    start = (now or datetime.now(tz)).astimezone(tz)
    found = read_when(given, start, whole=True) if given else None
    at = found.at(start) if found is not None else None
    if at is None:
        raise InputError(
            f"{option} {text!r} is not a date; use e.g. 2026-11-22 10:00 or 2026-11-22"
        )
    return at


def parse_duration(text: str, option: str = "--expires") -> int | None:
    """Minutes in ``3d``, ``12h``, ``1w2d``, ``90min``, ``1mo`` (30 days), ``2h30m``; None
    when ``text`` is not a duration.

    A bare ``m`` (``1m``) is read by some as a minute and by many as a month, so it is
    refused (InputError) unless it follows hours, as in ``1h30m``."""
    compact = text.strip().lower()
    if not compact or _DURATION.sub("", compact):
        return None
    total = 0
    previous = ""
    for number, written in _DURATION.findall(compact):
        unit = _UNIT_OF.get(written, written)
        if unit == "m":
            if previous != "h":
                raise InputError(
                    f"{option} {text.strip()!r} is ambiguous: a minute or a month? "
                    f"write {number}min for minutes, or days such as 30d (1mo is 30 days)"
                )
            unit = "min"
        total += int(number) * _UNIT_MINUTES[unit]
        previous = unit
    return total


def parse_deadline(text: str, now: datetime, tz: ZoneInfo, option: str = "--expires") -> datetime:
    """A point in time given as a duration from ``now`` or as a date/time."""
    minutes = parse_duration(text, option)
    if minutes is not None:
        return now + timedelta(minutes=minutes)
    try:
        return parse_datetime(text, tz, option, now=now)
    except InputError:
        raise InputError(
            f"{option} {text!r} is neither a date nor a duration; "
            "use e.g. 2026-11-22 18:00, 3d or 12h"
        ) from None
