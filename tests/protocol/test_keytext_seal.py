"""Key texts people type, and frames sealed with epoch keys."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from meshaid.protocol import keytext, seal
from meshaid.protocol.errors import DecodeError

KEY = bytes(range(32))


@given(st.binary(min_size=1, max_size=200))
def test_any_data_survives_the_text_form(data: bytes) -> None:
    assert keytext.decode("mk1", keytext.encode("mk1", data)) == data


def test_a_key_text_is_read_however_it_was_typed() -> None:
    text = keytext.encode(keytext.KEY_PREFIX, KEY)
    typed = text.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    assert keytext.decode(keytext.KEY_PREFIX, typed) == KEY


def test_one_wrong_character_is_caught() -> None:
    text = keytext.encode(keytext.KEY_PREFIX, KEY)
    i = 8
    wrong = text[:i] + ("A" if text[i] != "A" else "B") + text[i + 1:]
    with pytest.raises(DecodeError, match="does not check out"):
        keytext.decode(keytext.KEY_PREFIX, wrong)


def test_an_invite_is_not_taken_for_a_key() -> None:
    invite = keytext.encode(keytext.INVITE_PREFIX, KEY)
    with pytest.raises(DecodeError, match="should start with mk1"):
        keytext.decode(keytext.KEY_PREFIX, invite)


def test_a_sealed_frame_opens_with_its_key_only() -> None:
    frame = seal.seal(KEY, 3, bytes(24), b"digest frame")
    assert len(frame) == len(b"digest frame") + seal.OVERHEAD
    assert seal.header(frame) == (3, seal.key_id(KEY))
    assert seal.open_sealed(KEY, frame) == b"digest frame"
    with pytest.raises(DecodeError):
        seal.open_sealed(bytes(32), frame)


@pytest.mark.parametrize("where", [0, 1, 3, 10, 40, -1])
def test_any_changed_byte_breaks_a_sealed_frame(where: int) -> None:
    frame = bytearray(seal.seal(KEY, 1, bytes(range(24)), b"x" * 20))
    frame[where] ^= 0x40
    with pytest.raises(DecodeError):
        seal.open_sealed(KEY, bytes(frame))


@given(st.binary(max_size=300))
def test_junk_never_opens(junk: bytes) -> None:
    with pytest.raises(DecodeError):
        seal.open_sealed(KEY, junk)
