"""Days and times as residents write them (meshaid.node.phone.when), on the phone and in
the CLI's --when and --expires (meshaid.node.timeparse), which read the same forms."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from meshaid.node.errors import InputError
from meshaid.node.phone import Intent, parse
from meshaid.node.phone.when import When, event_time, read_when
from meshaid.node.services import Node, PostRequest
from meshaid.node.timeparse import parse_datetime, parse_deadline

CHICAGO = ZoneInfo("America/Chicago")
NOW = datetime(2026, 11, 21, 9, 0, tzinfo=CHICAGO)  # a Saturday morning


def at(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=CHICAGO)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("seed swap sun 2pm", at(11, 22, 14)),
        ("tianguis domingo 9am", at(11, 22, 9)),
        ("Sábado 10:30am", at(11, 21, 10, 30)),
        ("sat 8am", at(11, 28, 8)),  # today's hour passed: next week
        ("swap at 6pm", at(11, 21, 18)),
        ("swap at 7am", at(11, 22, 7)),  # passed today: tomorrow
        ("mañana 9:30am", at(11, 22, 9, 30)),
        ("noon friday", at(11, 27, 12)),
        ("swap 14:30", at(11, 21, 14, 30)),
        ("next sat 10am", at(11, 28, 10)),
        ("pasado mañana 6pm", at(11, 23, 18)),
        ("generator 4-9pm", at(11, 21, 16)),  # a range starts at its start
        ("open 10-2pm", at(11, 21, 10)),  # ... which is 10am when it crosses noon
        ("de 2 a 4pm", at(11, 21, 14)),
        ("2p sunday", at(11, 22, 14)),
        ("2026-11-29 14:00", at(11, 29, 14)),
        ("dec 5 noon", at(12, 5, 12)),
        ("1/5 3pm", at(1, 5, 15, year=2027)),  # January has passed this year
        ("1/2 cord of firewood sat 10am", at(11, 21, 10)),  # 1/2 is an amount
        ("today 8am", None),
        ("seed swap sunday", None),  # a day alone: the node invents no hour
        ("3 tarps 12x16", None),
        ("13pm", None),
        ("meet at 12th st", None),
        ("sat 10 bags of rice", None),  # a count, not an hour
        ("sun 99:99", None),
    ],
)
def test_event_time(text: str, expected: datetime | None) -> None:
    assert event_time(text, NOW) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Found trying as residents would: the date was dropped and the time read as
        # today's or tomorrow's.
        ("trade day 12/5 at 2pm", at(12, 5, 14)),
        ("tools swap 11/28 10:30", at(11, 28, 10, 30)),
        ("swap on the 5 de diciembre a las 4 de la tarde", at(12, 5, 16)),
        # Found: Spanish hours were not read at all.
        ("trueque de semillas el sábado a las 3", at(11, 21, 15)),
        ("intercambio de ropa mañana a las 10 de la mañana", at(11, 22, 10)),
        ("tianguis el domingo 9 de la mañana", at(11, 22, 9)),
        ("el viernes 8 de la noche", at(11, 27, 20)),
        # Found: a bare hour after the day ("sat 10") was not read.
        ("swap meet sat 10", at(11, 21, 10)),
        ("tianguis domingo 9, en la pulga", at(11, 22, 9)),
    ],
)
def test_dates_and_spanish_hours(text: str, expected: datetime) -> None:
    assert event_time(text, NOW) == expected


def test_an_hour_without_am_or_pm_is_guessed_and_says_so() -> None:
    assert read_when("swap at 3", NOW) == When(date(2026, 11, 21), time(15, 0), guessed=True)
    assert read_when("swap at 9", NOW) == When(date(2026, 11, 22), time(9, 0), guessed=True)
    assert read_when("tonight at 7", NOW) == When(date(2026, 11, 21), time(19, 0))
    assert read_when("sat 2pm", NOW) == When(date(2026, 11, 21), time(14, 0))


def test_a_trade_carries_the_day_and_time_read_with_now() -> None:
    command = parse("seed swap sun 2pm", now=NOW)
    assert command.intent is Intent.POST_TRADE
    assert command.when is not None and command.when.at(NOW) == at(11, 22, 14)
    assert parse("seed swap sun 2pm").when is None  # no now, no time
    assert parse("need ride sun 2pm", now=NOW).when is None  # only trades


def test_whole_text_must_be_a_date_for_the_cli() -> None:
    assert read_when("sat 2pm", NOW, whole=True) == When(date(2026, 11, 21), time(14, 0))
    assert read_when("el sábado a las 3 de la tarde", NOW, whole=True) is not None
    assert read_when("swap sat 2pm", NOW, whole=True) is None
    assert read_when("2026-13-45 10:00", NOW, whole=True) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Found: the CLI took ISO dates only, though the phone reads "sat 2pm".
        ("sat 2pm", at(11, 21, 14)),
        ("tomorrow 9:30am", at(11, 22, 9, 30)),
        ("12/5 10am", at(12, 5, 10)),
        ("sábado a las 3", at(11, 21, 15)),
        # ISO forms as before
        ("2026-11-22 10:00", at(11, 22, 10)),
        ("2026-11-22", at(11, 22, 0)),
    ],
)
def test_the_cli_reads_the_phones_forms(text: str, expected: datetime) -> None:
    assert parse_datetime(text, CHICAGO, "--when", now=NOW) == expected


@pytest.mark.parametrize("text", ["next friday", "friday", "banana", "", "2026-13-01 10:00"])
def test_the_cli_still_refuses_what_is_no_moment(text: str) -> None:
    with pytest.raises(InputError, match=r"is not a date; use e\.g\. 2026-11-22 10:00"):
        parse_datetime(text, CHICAGO, "--when", now=NOW)


def test_a_deadline_takes_the_phones_forms_too() -> None:
    assert parse_deadline("fri 6pm", NOW, CHICAGO) == at(11, 27, 18)
    assert parse_deadline("3d", NOW, CHICAGO) == at(11, 24, 9)
    with pytest.raises(InputError, match="neither a date nor a duration"):
        parse_deadline("soon", NOW, CHICAGO)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_reading_any_text_never_raises_and_stays_ahead(text: str) -> None:
    found = event_time(text, NOW)
    assert found is None or found > NOW
    read_when(text, NOW, whole=True)


# --- issue 11: the forms people write, in both languages --------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Found: only the weekday and time were used, the date dropped.
        ("seed swap sat 1/9 10am", at(1, 9, 10, year=2027)),
        ("trueque sábado 9 de enero a las 10", at(1, 9, 10, year=2027)),
        ("tools 1/16 9am", at(1, 16, 9, year=2027)),  # was tomorrow 9am
        ("swap jan 6 2pm", at(1, 6, 14, year=2027)),  # was the next day at 2pm
        # Found: a range without am/pm gave nothing.
        ("next sunday 10-2", at(11, 22, 10)),  # crosses noon: starts in the morning
        ("sat 2-5 at the park", at(11, 21, 14)),
        ("domingo de 10 a 2", at(11, 22, 10)),
        ("from 9 to 12 on sunday", at(11, 22, 9)),
        # dates written every way
        ("12/12 9am", at(12, 12, 9)),
        ("dec 6 noon", at(12, 6, 12)),
        ("6 de diciembre a las 3 de la tarde", at(12, 6, 15)),
        ("el 6 de dic a las 16:00", at(12, 6, 16)),
        ("mañana a las 9 de la mañana", at(11, 22, 9)),
        # the 24 h clock, and minutes after a dot
        ("domingo a las 14", at(11, 22, 14)),
        ("sunday 14h30", at(11, 22, 14, 30)),
        ("sun 8.30am", at(11, 22, 8, 30)),
    ],
)
def test_dates_as_people_write_them(text: str, expected: datetime) -> None:
    assert event_time(text, NOW) == expected


@pytest.mark.parametrize(
    "text",
    ["sat 2-3 bags each", "bring 2-3 bags sunday", "$5-10 sat", "1-2 cups per family sun"],
)
def test_a_count_is_not_a_range_of_hours(text: str) -> None:
    found = read_when(text, NOW)
    assert found is not None and found.clock is None


def test_a_weekday_that_is_not_the_dates_is_kept_for_the_question() -> None:
    # 1/10/2027 is a Sunday: the desk asks rather than pick one of the two.
    found = read_when("swap sat 1/10 10am", NOW)
    assert found == When(date(2027, 1, 10), time(10, 0), said_weekday=5)
    assert found.weekday_conflict
    assert not read_when("swap sat 1/9 10am", NOW).weekday_conflict  # type: ignore[union-attr]
    assert not read_when("swap sat 10am", NOW).weekday_conflict  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("next sunday 10-2", at(11, 22, 10)),
        ("sábado 9 de enero a las 10", at(1, 9, 10, year=2027)),
        ("6 de diciembre 10am", at(12, 6, 10)),
        ("domingo a las 14", at(11, 22, 14)),
    ],
)
def test_the_cli_when_takes_the_same_forms(text: str, expected: datetime) -> None:
    assert parse_datetime(text, CHICAGO, "--when", now=NOW) == expected


def test_the_cli_when_reads_from_the_nodes_own_clock(node: Node) -> None:
    # Found: `meshaid post --when "sat 2pm"` read "sat" from the computer's clock, not the
    # node's (a node whose clock is set for a drill, or a test's clock).
    view = node.post(PostRequest(kind="trade", text="seed swap", when="sun 2pm"))
    assert view.when == at(11, 22, 14)  # the fixture's clock: Sat 2026-11-21 9:00
    view = node.post(PostRequest(kind="trade", text="tool swap", when="next sunday 10-2"))
    assert view.when == at(11, 22, 10)
