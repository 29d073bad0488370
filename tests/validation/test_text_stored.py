"""What a post stores: escapes and controls stripped, invisible-only text refused, on the
CLI, the phone and from the air; printable() as the last defence when showing."""

from __future__ import annotations

import json

import pytest
from nacl.signing import SigningKey

from meshaid.node.phone import parse
from meshaid.node.text_rules import clean_text, has_visible, post_text, printable
from meshaid.protocol.errors import DecodeError, UsageError
from meshaid.protocol.record import (
    SIGN_DOMAIN,
    WIRE_VERSION,
    Category,
    Kind,
    RecordBody,
    decode,
    origin_id,
    sign,
)

from .conftest import Run, one_line_error

HOSTILE = "\x1b[2J\x1b[H\x1b]0;owned\x07water\x07 for\tthree\x9b31m \u202eenod\r\nthanks\x00"


def test_escapes_and_controls_are_stripped() -> None:
    assert clean_text(HOSTILE) == "water for three enod\nthanks"
    assert printable("ok\x1b") == "ok"
    assert printable("x\x1b[") == "x"


@pytest.mark.parametrize("text", ["\u200b", "\ufeff", "\u200d\u200c", "\ufe0f", " \u3164 ",
                                  "\x1b[0m", "\u2800"])
def test_invisible_only_text_is_empty(text: str) -> None:
    assert not has_visible(clean_text(text))
    assert post_text(text) == ""


def test_visible_text_keeps_its_joiners() -> None:
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467 needs diapers"
    assert post_text(family) == family
    assert post_text("cafe\u0301") == "cafe\u0301"


def test_cli_post_stores_the_stripped_text(node: Run) -> None:
    posted = node("post", "need", HOSTILE, "--json")
    assert posted.exit_code == 0, posted.output
    assert json.loads(posted.stdout)["text"] == "water for three enod\nthanks"
    listed = node("board")
    assert "\x1b" not in listed.stdout and "\x07" not in listed.stdout


def test_cli_post_of_a_zero_width_space_is_refused(node: Run) -> None:
    assert "empty" in one_line_error(node("post", "need", "\u200b"), 1)
    assert "empty" in one_line_error(node("post", "offer", "\ufeff \u200d"), 1)


def test_zone_is_cleaned(node: Run) -> None:
    posted = node("post", "need", "water", "--zone", "Elm\x1b[31m & 5th", "--json")
    assert json.loads(posted.stdout)["zone"] == "Elm & 5th"


def test_phone_post_body_is_stripped() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
    command = parse("need: \x1b[2Jride to clinic\x07 tue", now=now)
    assert command.body == "ride to clinic tue"
    empty = parse("need: \u200b", now=now)
    assert empty.body == ""


def _forged(body: RecordBody, key: SigningKey) -> bytes:
    # As a hostile or broken member node would sign it: without RecordBody.check().
    signed = bytes([WIRE_VERSION]) + body.to_message().SerializeToString(deterministic=True)
    return signed + key.sign(SIGN_DOMAIN + signed).signature


def test_a_record_with_an_escape_is_refused_from_the_air() -> None:
    key = SigningKey(b"\x22" * 32)
    body = RecordBody(origin=origin_id(bytes(key.verify_key)), seq=1, kind=Kind.NEED,
                      category=Category.WATER, text="\x1b[2Jwater", created=1_500_000)
    with pytest.raises(DecodeError):
        decode(_forged(body, key))
    with pytest.raises(UsageError):
        sign(body, key)
    # Tab and newline are text.
    ok = RecordBody(origin=body.origin, seq=2, kind=Kind.NEED, category=Category.WATER,
                    text="water\tfor\nthree", created=1_500_000)
    assert decode(_forged(ok, key)).body.text == "water\tfor\nthree"
