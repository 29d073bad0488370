"""A record dated year 10000: refused before storage, and harmless if one is stored."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from nacl.signing import SigningKey

from meshaid.node.services import BoardQuery, open_node
from meshaid.protocol import timebase
from meshaid.protocol.errors import DecodeError
from meshaid.protocol.record import (
    MAX_TIME_MINUTES,
    SIGN_DOMAIN,
    WIRE_VERSION,
    Category,
    Kind,
    RecordBody,
    decode,
    decode_stored,
    origin_id,
)

from .conftest import START, Run

MEMBER = SigningKey(b"\x33" * 32)
YEAR_10000 = timebase.to_minutes(datetime(9999, 12, 31, tzinfo=UTC).timestamp()) + 2 * 1440
NOW = timebase.to_minutes(START)


def _forged(**times: int) -> bytes:
    body = RecordBody(origin=origin_id(bytes(MEMBER.verify_key)), seq=1, kind=Kind.NEED,
                      category=Category.WATER, text="water from the future",
                      **{"created": NOW, **times})
    signed = bytes([WIRE_VERSION]) + body.to_message().SerializeToString(deterministic=True)
    return signed + MEMBER.sign(SIGN_DOMAIN + signed).signature


def test_the_range_ends_at_2100() -> None:
    assert timebase.from_minutes(MAX_TIME_MINUTES) == datetime(2100, 1, 1, tzinfo=UTC).timestamp()


@pytest.mark.parametrize("times", [{"created": YEAR_10000}, {"when": YEAR_10000},
                                   {"lifetime": YEAR_10000 - NOW}])
def test_far_future_times_are_refused_on_arrival(times: dict[str, int], node: Run,
                                                 home: Path) -> None:
    with pytest.raises(DecodeError):
        decode(_forged(**times))
    with open_node(home) as opened:
        opened.store.add_key(bytes(MEMBER.verify_key), "far node")
        result = opened.store.apply(_forged(**times))
        assert result.outcome == "malformed"
    assert json.loads(node("board", "--json").stdout) == []


def test_a_stored_far_future_entry_still_lists_and_shows(node: Run, home: Path) -> None:
    # As an older node stored it, before the range check: bypass decode.
    with open_node(home) as opened:
        opened.store.add_key(bytes(MEMBER.verify_key), "far node")
        result = opened.store.apply(decode_stored(_forged(created=YEAR_10000)))
        assert result.outcome not in ("malformed", "bad_signature")
    listed = node("board", "--status", "all")
    assert listed.exception is None and listed.exit_code == 0, listed.output
    assert "water from the future" in listed.stdout
    as_json = node("board", "--status", "all", "--json")
    assert as_json.exit_code == 0, as_json.output
    (entry,) = json.loads(as_json.stdout)
    shown = node("show", entry["code"])
    assert shown.exit_code == 0 and "9999-12-" in shown.stdout, shown.output


def test_the_phone_lists_and_shows_a_stored_far_future_entry(node: Run, home: Path) -> None:
    from meshaid.node.desk.desk import PhoneDesk

    with open_node(home) as opened:
        opened.store.add_key(bytes(MEMBER.verify_key), "far node")
        opened.store.apply(decode_stored(_forged(created=YEAR_10000)))
        (entry,) = opened.board(BoardQuery(status="all"))
        desk = PhoneDesk(opened, frozenset())
        for text in ("list", f"show {entry.code}"):
            replies = desk.handle(0x1234, text, START)
            assert replies and all(r.text for r in replies)
            assert "future" in " ".join(r.text for r in replies)
