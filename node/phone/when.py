"""When a trade happens, read from how residents write it: "sun 2pm", "sábado 10am",
"tomorrow 9:30", "swap at 6pm".

Pure: the caller gives ``now`` as an aware datetime in the node's time zone. A day and a
time of day give that day's next occurrence; a time alone gives today, or tomorrow when it
has passed; a day without a time gives nothing, since the node will not invent an hour.
Finding nothing is normal: a trade posts without a time.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta

_DAYS = {
    0: "mon monday mondays lun lunes",
    1: "tue tues tuesday tuesdays mar martes",
    2: "wed weds wednesday wednesdays mie miercoles",
    3: "thu thur thurs thursday thursdays jue jueves",
    4: "fri friday fridays vie viernes",
    5: "sat saturday saturdays sab sabado sabados",
    6: "sun sunday sundays dom domingo domingos",
}
_WEEKDAY = {word: day for day, words in _DAYS.items() for word in words.split()}
# "mañana" is "tomorrow" except after "la"/"de"/"por" ("in the morning").
_RELATIVE = {"today": 0, "hoy": 0, "tonight": 0, "tomorrow": 1, "tmrw": 1, "manana": 1}
_MORNING_AFTER = {"la", "de", "por", "esta"}

_TIME = re.compile(
    r"\b(?P<hour>\d{1,2})(?::(?P<minute>[0-5]\d))?\s?(?P<half>am|pm|a\.m\.|p\.m\.)"
    r"|\b(?P<hour24>[01]?\d|2[0-3]):(?P<minute24>[0-5]\d)\b"
    r"|\b(?P<noon>noon|mediodia)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[a-z]+")


def _fold(text: str) -> str:
    """Lower case without accents: "Sábado" → "sabado"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _time_of_day(text: str) -> tuple[int, int] | None:
    match = _TIME.search(text)
    if match is None:
        return None
    if match.group("noon"):
        return 12, 0
    if match.group("hour24") is not None:
        return int(match.group("hour24")), int(match.group("minute24"))
    hour = int(match.group("hour"))
    if not 1 <= hour <= 12:
        return None
    minute = int(match.group("minute") or 0)
    afternoon = match.group("half").lower().startswith("p")
    return hour % 12 + (12 if afternoon else 0), minute


def _day(words: list[str], today: int) -> tuple[int, bool] | None:
    """Days from today to the day the words name, and whether it was a weekday's name."""
    for i, word in enumerate(words):
        if word in _RELATIVE and not (word == "manana" and i and words[i - 1] in _MORNING_AFTER):
            return _RELATIVE[word], False
        if word in _WEEKDAY:
            return (_WEEKDAY[word] - today) % 7, True
    return None


def event_time(text: str, now: datetime) -> datetime | None:
    """The next moment after ``now`` that ``text`` names, or None (see the module)."""
    folded = _fold(text)
    clock = _time_of_day(folded)
    if clock is None:
        return None
    named = _day(_WORD.findall(folded), now.weekday())
    offset, weekday = named if named is not None else (0, False)
    hour, minute = clock
    day = now.date() + timedelta(days=offset)
    at = datetime(day.year, day.month, day.day, hour, minute, tzinfo=now.tzinfo)
    if at > now:
        return at
    if weekday:
        return at + timedelta(days=7)  # "sun 2pm" said on Sunday at 3pm: next Sunday
    if named is None:
        return at + timedelta(days=1)  # "6pm" said at 7pm: tomorrow
    return None  # "today 2pm" said at 3pm is not a future event
