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

_DURATION = re.compile(r"(\d+)([wdhm])")
_UNIT_MINUTES = {"w": 7 * 24 * 60, "d": 24 * 60, "h": 60, "m": 1}


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


def parse_duration(text: str) -> int | None:
    """Minutes in ``3d``, ``12h``, ``1w2d``, ``90m``; None when ``text`` is not a duration."""
    compact = text.strip().lower()
    if not compact or _DURATION.sub("", compact):
        return None
    return sum(int(n) * _UNIT_MINUTES[unit] for n, unit in _DURATION.findall(compact))


def parse_deadline(text: str, now: datetime, tz: ZoneInfo, option: str = "--expires") -> datetime:
    """A point in time given as a duration from ``now`` or as a date/time."""
    minutes = parse_duration(text)
    if minutes is not None:
        return now + timedelta(minutes=minutes)
    try:
        return parse_datetime(text, tz, option, now=now)
    except InputError:
        raise InputError(
            f"{option} {text!r} is neither a date nor a duration; "
            "use e.g. 2026-11-22 18:00, 3d or 12h"
        ) from None
