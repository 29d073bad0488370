"""Dates and times as residents type them: "sun 2pm", "sábado a las 3", "12/5 at 10am",
"tomorrow 9:30", "el domingo 9 de la mañana", "dec 5 noon", "2026-11-29 14:00".

Pure: the caller gives ``now`` as an aware datetime in the node's time zone. This is the
one reader of dates for the whole node: the phone desk reads a trade's time with it, and
the CLI's ``--when`` and ``--expires`` (meshaid.node.timeparse) accept the same forms.

What is read, first match of each part wins:

* the day: an ISO date (``2026-11-29``), a month and day (``12/5``, US order, or day first
  when the first number cannot be a month; ``dec 5``, ``5 de diciembre``), a relative day
  (today, tonight, tomorrow, hoy, mañana, pasado mañana) or a weekday (``sat``, ``sábado``,
  ``next fri``), which is its next occurrence;
* the time of day: ``2pm``, ``2:30 p.m.``, ``8.30am``, ``14:30``, ``14h30``, ``a las 14``,
  ``noon``, ``mediodía``, ``4-9pm`` (the start), ``at 3``, ``a las 3``, ``3 de la tarde``,
  and a range without am/pm (``10-2``, ``de 10 a 2``) when a day is named too. An hour
  without am/pm is read as the afternoon from 1 to 6 and the morning from 7 to 11 (a
  range that crosses noon, ``10-2``, starts in the morning), unless the message says
  morning, afternoon, evening or night; the answer then says the time it took, so that the
  resident can correct it.

A day and a time give that moment; a weekday or a time alone whose moment has passed
today gives next week or tomorrow. A time is never invented: a day alone has no time
(``When.clock`` is None). Words and numbers that are no date (``3 bags``, ``12x16``) are
left alone; finding nothing is normal.

What is read is not judged here: a date that has passed (``2026-11-01``, ``today 8am`` at
9), one far ahead (``12/1`` said on 12/2 is next year's), or a weekday that is not the
date's (``sat 1/10`` when 1/10 is a Sunday, ``When.weekday_conflict``) is the caller's to
ask about; the phone desk asks the resident rather than guess.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

_WEEKDAY_WORDS = {
    0: "mon monday mondays lun lunes",
    1: "tue tues tuesday tuesdays martes",
    2: "wed weds wednesday wednesdays mie miercoles",
    3: "thu thur thurs thursday thursdays jue jueves",
    4: "fri friday fridays vie viernes",
    5: "sat saturday saturdays sab sabado sabados",
    6: "sun sunday sundays dom domingo domingos",
}
WEEKDAYS = {word: day for day, words in _WEEKDAY_WORDS.items() for word in words.split()}
_MONTH_WORDS = {
    1: "jan january enero ene",
    2: "feb february febrero",
    3: "mar march marzo",
    4: "apr april abril abr",
    5: "may mayo",
    6: "jun june junio",
    7: "jul july julio",
    8: "aug august agosto",
    9: "sep sept september septiembre setiembre",
    10: "oct october octubre",
    11: "nov november noviembre",
    12: "dec december diciembre dic",
}
MONTHS = {word: month for month, words in _MONTH_WORDS.items() for word in words.split()}
# Days from today. "mañana" is tomorrow except after "la", "de", "por", "en" or "esta",
# where it is the morning.
_RELATIVE = {
    "today": 0, "hoy": 0, "tonight": 0, "tonite": 0, "tomorrow": 1, "tmrw": 1, "tmr": 1,
    "tomoro": 1, "2moro": 1, "manana": 1, "mnn": 1,
}
_TWO_DAYS = (("pasado", "manana"), ("day", "after", "tomorrow"))
_MORNING_AFTER = frozenset({"la", "de", "por", "en", "esta"})
_NEXT = frozenset({"next", "proximo", "proxima"})
# Words that say which half of the day an hour without am/pm is in.
_MORNING = frozenset({"morning", "mornings", "am"})
_AFTERNOON = frozenset(
    {"afternoon", "afternoons", "evening", "evenings", "tonight", "tonite", "night", "tarde",
     "noche", "pm"}
)
_NOON = frozenset({"noon", "mediodia", "midday"})
_MIDNIGHT = frozenset({"midnight", "medianoche"})

_ISO = re.compile(
    r"\b(?P<y>20\d\d)-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?:[t ](?P<hh>\d{1,2}):(?P<mm>\d\d))?\b"
)
_NUMERIC_DATE = re.compile(
    r"(?<![\d/])(?P<a>\d{1,2})/(?P<b>\d{1,2})(?:/(?P<y>\d{2}|\d{4}))?(?![\d/])"
)
# 1/2, 3/4, 2/3, 1/8: amounts, not dates.
_FRACTION_DENOMINATORS = frozenset({2, 3, 4, 8})
_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
_MONTH_DAY = re.compile(rf"\b(?P<mon>{_MONTH_NAMES})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b")
_DAY_MONTH = re.compile(
    rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:de\s+|of\s+)?(?P<mon>{_MONTH_NAMES})\b"
)
# 2pm, 2 pm, 2:30p.m., 8.30am, 2p (no space), the end of a range "4-9pm".
_HALF_TIME = re.compile(
    r"(?<![\d:.])(?:(?P<from>\d{1,2})(?:[:.](?P<from_mm>[0-5]\d))?\s?(?:-|–|to|a)\s?)?"
    r"(?P<h>\d{1,2})(?:[:.](?P<mm>[0-5]\d))?"
    r"(?:\s?(?P<half>[ap])\.?m\.?\b|(?P<short>[ap])\b)"
)
_CLOCK_TIME = re.compile(
    r"(?<![\d:/.])(?P<h>[01]?\d|2[0-3])(?::|h(?=[0-5]\d))(?P<mm>[0-5]\d)(?![\d:])"
    r"|(?<![\d:/.])(?P<h24>1[3-9]|2[0-3])h\b"
)
# "10-2", "de 10 a 2", "from 9 to 12": a range of hours without am/pm, read only when the
# message names a day too (a count such as "2-3 bags" is no time).
_RANGE = re.compile(
    r"(?<![\d:/.$])(?P<a>\d{1,2})(?::(?P<amm>[0-5]\d))?\s?(?:-|–|to|a|hasta)\s?"
    r"(?P<b>\d{1,2})(?::[0-5]\d)?(?![\d/:.%]|\s?[ap]\.?m)"
)
# "at 3", "a las 3", "@ 3", "3 de la tarde", "9 in the morning".
_BARE_HOUR = re.compile(
    r"(?:(?:(?<!\w)(?:at|a\s+las?|alas)\s+|@\s*)(?P<h>\d{1,2})(?:[:.](?P<mm>[0-5]\d))?\b)"
    r"|(?:\b(?P<h2>\d{1,2})(?::(?P<mm2>[0-5]\d))?\s+(?:de|en|por|in)\s+(?:la|the)\s+"
    r"(?P<part>manana|tarde|noche|morning|afternoon|evening|night)\b)"
)
# "sat 10", "domingo 9": a bare hour right after a weekday, when nothing follows it but
# punctuation or a word of place or time ("sat 10 at the church", not "sat 10 bags").
_WEEKDAY_NAMES = "|".join(sorted(WEEKDAYS, key=len, reverse=True))
_DAY_HOUR = re.compile(
    rf"\b(?:{_WEEKDAY_NAMES})\s+(?P<h>\d{{1,2}})(?::(?P<mm>[0-5]\d))?"
    r"(?=\s*(?:$|[,.;!)]|(?:at|en|in|on|by|near|behind|til|till|to|hasta|a|por|@)\b))"
)
_WORD = re.compile(r"[a-z0-9]+")
# Words that may follow a range of hours ("sun 10-2 at the park"): a word of place or time.
_PLACE_WORDS = frozenset({"at", "en", "in", "on", "by", "near", "behind", "hrs", "hours",
                          "horas", "til", "till", "hasta"})
# Words that may stand around a date and time: "on sat at 2", "el sábado a las 3 de la tarde".
DATE_WORDS = (
    frozenset(WEEKDAYS) | frozenset(MONTHS) | frozenset(_RELATIVE) | _NEXT | _MORNING
    | _AFTERNOON | _NOON | _MIDNIGHT
    | frozenset(
        {"this", "coming", "este", "esta", "el", "la", "las", "los", "a", "at", "on", "de",
         "del", "in", "the", "of", "en", "por", "day", "after", "pasado", "that", "que", "viene"}
    )
)
_AFTER_RANGE = DATE_WORDS | _PLACE_WORDS


@dataclass(frozen=True)
class When:
    """A moment named in a message: its day, and its time of day when one was given.
    ``guessed`` is True when am/pm was not said and the half of the day was inferred.
    ``said_weekday`` is the weekday the message named beside a date ("sat 1/9"), 0 for
    Monday, None when it named none or no date."""

    day: date
    clock: time | None
    guessed: bool = False
    said_weekday: int | None = None

    @property
    def weekday_conflict(self) -> bool:
        """The message named a weekday that is not its date's ("sat 1/10", a Sunday)."""
        return self.said_weekday is not None and self.said_weekday != self.day.weekday()

    def at(self, now: datetime) -> datetime | None:
        """The moment in ``now``'s time zone, or None without a time of day."""
        if self.clock is None:
            return None
        return datetime.combine(self.day, self.clock, tzinfo=now.tzinfo)


def fold(text: str) -> str:
    """Lower case without accents: "Sábado" → "sabado"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _twelve(hour: int, minute: int, afternoon: bool) -> time | None:
    if not 1 <= hour <= 12:
        return None
    return time(hour % 12 + (12 if afternoon else 0), minute)


def _half_said(words: list[str]) -> bool | None:
    """True for the afternoon or night, False for the morning, None when not said."""
    for i, word in enumerate(words):
        if word in _AFTERNOON:
            return True
        if word in _MORNING or (word == "manana" and i and words[i - 1] in _MORNING_AFTER):
            return False
    return None


def _guess_half(hour: int, said: bool | None) -> bool:
    if said is not None:
        return said
    return 1 <= hour <= 6


Span = tuple[int, int]


def _clock(text: str, words: list[str]) -> tuple[time, bool, Span | None] | None:
    """The time of day in ``text``, whether its half of the day was guessed, and where in
    ``text`` it was written (None for a word such as "noon")."""
    match = _HALF_TIME.search(text)
    if match is not None:
        afternoon = (match.group("half") or match.group("short")) == "p"
        hour, minute = int(match.group("h")), int(match.group("mm") or 0)
        start = match.group("from")
        if start is not None and 1 <= int(start) <= 12 and int(start) != hour:
            # "4-9pm" starts at 4pm; "10-2pm" starts at 10am (the range crosses noon).
            crosses = int(start) > hour and hour != 12
            hour, minute = int(start), int(match.group("from_mm") or 0)
            afternoon = afternoon and not crosses
        found = _twelve(hour, minute, afternoon)
        if found is not None:
            return found, False, match.span()
    if any(word in _NOON for word in words):
        return time(12, 0), False, None
    if any(word in _MIDNIGHT for word in words):
        return time(0, 0), False, None
    match = _CLOCK_TIME.search(text)
    if match is not None and match.group("h24") is not None:
        return time(int(match.group("h24")), 0), False, match.span()
    if match is not None:
        hour, minute = int(match.group("h")), int(match.group("mm"))
        if hour > 12 or hour == 0:
            return time(hour, minute), False, match.span()
        said = _half_said(words)
        found = _twelve(hour, minute, _guess_half(hour, said))
        return (found, said is None, match.span()) if found is not None else None
    match = _BARE_HOUR.search(text) or _DAY_HOUR.search(text)
    if match is not None:
        groups = match.groupdict()
        hour = int(groups.get("h") or groups["h2"])
        minute = int(groups.get("mm") or groups.get("mm2") or 0)
        part = groups.get("part")
        said = _half_said([part]) if part else _half_said(words)
        if part == "manana":
            said = False
        if 13 <= hour <= 23:
            return time(hour, minute), False, match.span()  # "a las 14": a 24 h clock
        found = _twelve(hour, minute, _guess_half(hour, said))
        if found is not None:
            return found, said is None and hour != 12, match.span()
    return None


def _range_start(text: str, words: list[str]) -> tuple[time, bool, Span] | None:
    """The start of a range of hours without am/pm ("10-2": 10am), whether its half of
    the day was guessed, and where it was written; None when there is no such range."""
    for match in _RANGE.finditer(text):
        following = _WORD.match(text[match.end() :].lstrip())
        if following is not None and following.group() not in _AFTER_RANGE:
            continue  # "2-3 bags": a count
        start, end = int(match.group("a")), int(match.group("b"))
        if not (1 <= start <= 23 and 1 <= end <= 24) or start == end:
            continue
        said = _half_said(words)
        if start > 12:
            return time(start, int(match.group("amm") or 0)), False, match.span()
        # "10-2" crosses noon: it starts in the morning; "2-5" is guessed as any hour is.
        afternoon = False if start > end and end <= 12 else _guess_half(start, said)
        found = _twelve(start, int(match.group("amm") or 0), afternoon)
        if found is not None:
            return found, said is None and not start > end, match.span()
    return None


def _valid_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _next_of(month: int, day: int, today: date) -> date | None:
    """The next ``month``/``day`` from today (this year, or next year if it has passed)."""
    found = _valid_date(today.year, month, day)
    if found is not None and found < today:
        found = _valid_date(today.year + 1, month, day)
    return found


def _full_year(text: str) -> int:
    year = int(text)
    return 2000 + year if year < 100 else year


def _explicit_date(text: str, today: date) -> tuple[date, time | None, Span] | None:
    """An ISO, numeric or month-name date, an ISO time with it, and where it was written."""
    match = _ISO.search(text)
    if match is not None:
        found = _valid_date(int(match.group("y")), int(match.group("m")), int(match.group("d")))
        if found is not None:
            clock = None
            if match.group("hh") is not None and int(match.group("hh")) < 24:
                clock = time(int(match.group("hh")), min(int(match.group("mm")), 59))
            return found, clock, match.span()
    match = _NUMERIC_DATE.search(text)
    if match is not None:
        first, second = int(match.group("a")), int(match.group("b"))
        if first < second and second in _FRACTION_DENOMINATORS:
            return None
        month, day = (second, first) if first > 12 >= second else (first, second)
        if match.group("y") is not None:
            found = _valid_date(_full_year(match.group("y")), month, day)
        else:
            found = _next_of(month, day, today)
        if found is not None:
            return found, None, match.span()
    for pattern in (_MONTH_DAY, _DAY_MONTH):
        match = pattern.search(text)
        if match is not None:
            found = _next_of(MONTHS[match.group("mon")], int(match.group("d")), today)
            if found is not None:
                return found, None, match.span()
    return None


def _named_day(words: list[str], today: date) -> tuple[date, bool] | None:
    """A relative day or a weekday, and whether it was a weekday."""
    for phrase in _TWO_DAYS:
        n = len(phrase)
        if any(tuple(words[i : i + n]) == phrase for i in range(len(words) - n + 1)):
            return today + timedelta(days=2), False
    for i, word in enumerate(words):
        if word in _RELATIVE and not (
            word == "manana" and i and words[i - 1] in _MORNING_AFTER
        ):
            return today + timedelta(days=_RELATIVE[word]), False
        if word in WEEKDAYS:
            ahead = (WEEKDAYS[word] - today.weekday()) % 7
            if ahead == 0 and i and words[i - 1] in _NEXT:
                ahead = 7
            return today + timedelta(days=ahead), True
    return None


def _only_dates(text: str, spans: list[Span]) -> bool:
    """Nothing in ``text`` but the spans read and words that belong to dates."""
    rest = list(text)
    for first, last in spans:
        rest[first:last] = " " * (last - first)
    return all(word in DATE_WORDS for word in _WORD.findall("".join(rest)))


def read_when(text: str, now: datetime, *, whole: bool = False) -> When | None:
    """The first day and time of day ``text`` names, resolved from ``now``; None when it
    names neither (see the module docstring). With ``whole``, ``text`` must be a date and
    nothing else ("sat 2pm", not "swap sat 2pm" or "2026-13-45 10:00")."""
    folded = fold(text)
    words = _WORD.findall(folded)
    today = now.date()
    explicit = _explicit_date(folded, today)
    named = _named_day(words, today)
    clock_found = _clock(folded, words)
    if clock_found is None and (explicit is not None or named is not None):
        clock_found = _range_start(folded, words)
    spans = [found[2] for found in (explicit, clock_found) if found and found[2] is not None]
    if whole and not _only_dates(folded, spans):
        return None
    said_weekday = next((WEEKDAYS[w] for w in words if w in WEEKDAYS), None)
    if explicit is not None and explicit[1] is not None:
        return When(explicit[0], explicit[1], said_weekday=said_weekday)
    clock, guessed = (clock_found[0], clock_found[1]) if clock_found else (None, False)
    if explicit is not None:
        return When(explicit[0], clock, guessed, said_weekday)
    if named is None:
        if clock is None:
            return None
        day = today if datetime.combine(today, clock, now.tzinfo) > now else today + timedelta(1)
        return When(day, clock, guessed)
    day, weekday = named
    if weekday and clock is not None and datetime.combine(day, clock, now.tzinfo) <= now:
        day += timedelta(days=7)  # "sun 2pm" said on Sunday at 3pm: next Sunday
    return When(day, clock, guessed)


def event_time(text: str, now: datetime) -> datetime | None:
    """The moment a trade's text names, when it names a day or time of day, a time, and is
    after ``now``; None otherwise ("today 8am" said at 9 names no future event)."""
    found = read_when(text, now)
    at = found.at(now) if found is not None else None
    return at if at is not None and at > now else None
