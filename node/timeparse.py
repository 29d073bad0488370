"""Dates, times and durations as people type them, read in the node's time zone."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from meshaid.node.errors import InputError

_DURATION = re.compile(r"(\d+)([wdhm])")
_UNIT_MINUTES = {"w": 7 * 24 * 60, "d": 24 * 60, "h": 60, "m": 1}


def parse_datetime(text: str, tz: ZoneInfo, option: str = "date") -> datetime:
    """``2026-11-22 10:00``, ``2026-11-22T10:00``, ``2026-11-22`` (midnight) or ISO 8601
    with an offset. Without an offset the time is local time in ``tz``."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(
            f"{option} {text!r} is not a date; use e.g. 2026-11-22 10:00 or 2026-11-22"
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value


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
        return parse_datetime(text, tz, option)
    except InputError:
        raise InputError(
            f"{option} {text!r} is neither a date nor a duration; "
            "use e.g. 2026-11-22 18:00, 3d or 12h"
        ) from None
