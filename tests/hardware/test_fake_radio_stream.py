"""The 0x94 0xC3 stream framing (meshaid.hardware.stream) the fake radio speaks."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from meshaid.hardware.stream import (
    MAX_PAYLOAD,
    START1,
    WAKE_BYTES,
    Frame,
    Stray,
    StreamDecoder,
    encode_frame,
)


def decode_all(chunks: list[bytes]) -> tuple[list[bytes], bytes, StreamDecoder]:
    decoder = StreamDecoder()
    frames: list[bytes] = []
    stray = bytearray()
    for chunk in chunks:
        for item in decoder.feed(chunk):
            if isinstance(item, Frame):
                frames.append(item.payload)
            else:
                stray += item.data
    return frames, bytes(stray), decoder


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    return [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)]


def test_header_is_start_bytes_and_big_endian_length() -> None:
    assert encode_frame(b"\x08\x01") == b"\x94\xc3\x00\x02\x08\x01"
    assert encode_frame(bytes(300))[:4] == b"\x94\xc3\x01\x2c"


def test_a_frame_longer_than_512_bytes_cannot_be_encoded() -> None:
    encode_frame(bytes(MAX_PAYLOAD))
    with pytest.raises(ValueError, match="512"):
        encode_frame(bytes(MAX_PAYLOAD + 1))


def test_wake_bytes_and_log_text_come_out_as_stray_bytes_around_frames() -> None:
    stream = WAKE_BYTES + encode_frame(b"abc") + b"INFO | booting\r\n" + encode_frame(b"")
    items = StreamDecoder().feed(stream)
    assert items == [Stray(WAKE_BYTES), Frame(b"abc"), Stray(b"INFO | booting\r\n"), Frame(b"")]


def test_a_header_with_an_impossible_length_is_skipped_and_the_next_frame_found() -> None:
    bad_header = bytes([0x94, 0xC3, 0x02, 0x01])  # 513 bytes: not a frame
    frames, stray, decoder = decode_all([bad_header + encode_frame(b"ok")])
    assert frames == [b"ok"]
    assert stray == bad_header
    assert decoder.resyncs == 1


def test_a_start_byte_followed_by_another_start_byte_still_begins_a_frame() -> None:
    frames, stray, _ = decode_all([b"\x94" + encode_frame(b"x")])
    assert frames == [b"x"]
    assert stray == b"\x94"


def test_an_incomplete_frame_waits_for_the_rest() -> None:
    decoder = StreamDecoder()
    frame = encode_frame(b"hello")
    assert decoder.feed(frame[:6]) == []
    assert decoder.pending == 6
    assert decoder.feed(frame[6:]) == [Frame(b"hello")]
    assert decoder.pending == 0


payloads = st.lists(st.binary(max_size=MAX_PAYLOAD), max_size=6)
# Noise between frames: anything without a start byte (debug text, wake-up bytes).
noise = st.binary(max_size=40).map(lambda b: b.replace(bytes([START1]), b""))


@given(payloads, st.lists(noise, min_size=7, max_size=7), st.lists(st.integers(0, 5000)))
def test_frames_survive_noise_between_them_and_any_split(
    frames: list[bytes], gaps: list[bytes], cuts: list[int]
) -> None:
    stream = b"".join(gap + encode_frame(f) for gap, f in zip(gaps, frames, strict=False))
    stream += gaps[len(frames)]
    got, stray, decoder = decode_all(split(stream, cuts))
    assert got == frames
    assert stray == b"".join(gaps[: len(frames) + 1])
    assert decoder.pending == 0


@given(st.lists(st.binary(max_size=700), max_size=8))
def test_any_bytes_are_taken_without_error(chunks: list[bytes]) -> None:
    frames, stray, decoder = decode_all(chunks)
    total = sum(len(c) for c in chunks)
    consumed = sum(len(f) + 4 for f in frames) + len(stray) + decoder.pending
    assert consumed == total
    assert decoder.pending <= MAX_PAYLOAD + 4
