"""The sync frames of protocol/frames.py (named for the glob of fragmentation tests)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from meshaid.protocol import frames
from meshaid.protocol.errors import DecodeError, UsageError
from meshaid.protocol.frames import (
    DigestEntry,
    DigestFrame,
    FragmentFrame,
    FrameType,
    GoneFrame,
    RecordsFrame,
    RequestFrame,
    SeqRange,
    decode,
    encode,
)

origins = st.integers(1, 2**32 - 1)
seqs = st.integers(1, 2**31)
ranges = st.builds(SeqRange, origins, seqs, st.integers(0, 2**31 - 1))
closed_ranges = st.builds(SeqRange, origins, seqs, st.integers(1, 2**31 - 1))
raw_records = st.binary(min_size=1, max_size=300)

any_frame = st.one_of(
    st.builds(
        RecordsFrame, st.lists(raw_records, min_size=1, max_size=3).map(tuple), st.booleans()
    ),
    st.builds(FragmentFrame, st.binary(min_size=1, max_size=50)),
    st.builds(
        DigestFrame,
        st.binary(min_size=4, max_size=4),
        st.integers(0, 2**32 - 1),
        st.lists(st.builds(DigestEntry, origins, seqs), max_size=20).map(tuple),
        st.none() | st.sets(st.integers(0, 0xFFFF), max_size=frames.MAX_NEIGHBOUR_IDS).map(
            lambda ids: tuple(sorted(ids))
        ),
    ),
    st.builds(
        RequestFrame,
        st.lists(ranges, max_size=10).map(tuple),
        st.booleans(),
        st.lists(origins, max_size=8).map(tuple),
    ),
    st.builds(GoneFrame, st.lists(closed_ranges, min_size=1, max_size=10).map(tuple)),
)


@given(any_frame)
def test_every_frame_round_trips(frame: frames.Frame) -> None:
    payload = encode(frame)
    assert payload[0] >> 4 == frames.FORMAT_VERSION
    assert decode(payload) == frame


@given(st.binary(max_size=260))
def test_random_bytes_decode_or_raise_decode_error_only(data: bytes) -> None:
    try:
        frame = decode(data)
    except DecodeError:
        return
    assert encode(frame) == data  # anything accepted is in its one canonical form


def test_header_byte_is_version_and_type() -> None:
    digest = encode(DigestFrame(b"\x01\x02\x03\x04", 300))
    assert digest == bytes([0x14, 1, 2, 3, 4, 0xAC, 0x02])
    assert encode(RequestFrame((), complete=True)) == bytes([0x15, 0x01])
    push = encode(RecordsFrame((b"abc",)))
    assert push == bytes([0x11, 3]) + b"abc"
    assert encode(RecordsFrame((b"abc",), relay=False))[0] == 0x12
    assert frames.frame_type(push) == FrameType.PUSH


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        bytes([0x21, 1, 0x61]),  # format version 2
        bytes([0x1F]),  # unknown type
        bytes([0x01, 1, 0x61]),  # version 0
        bytes([0x11]),  # records frame without a record
        bytes([0x11, 5, 1, 2]),  # record cut short
        bytes([0x11, 0x80, 0x00]),  # overlong varint length
        bytes([0x14, 1, 2, 3]),  # digest hash cut short
        bytes([0x14, 1, 2, 3, 4, 0]) + bytes(4) + bytes([1]),  # origin 0
        bytes([0x14, 1, 2, 3, 4, 0, 0, 0, 0, 1, 0]),  # seq 0
        bytes([0x14, 1, 2, 3, 4, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F]),  # total over 32 bits
        bytes([0x16]),  # gone frame without ranges
        bytes([0x16, 0, 0, 0, 1, 5, 0]),  # gone range of length 0
        bytes([0x15, 0, 0, 0, 0, 1, 0, 0]),  # request range with seq 0
        bytes([0x13]),  # fragment frame without fragment
    ],
)
def test_bad_frames_raise_decode_error(payload: bytes) -> None:
    with pytest.raises(DecodeError):
        decode(payload)


def test_request_flags_and_answerers() -> None:
    named = RequestFrame((SeqRange(9, 4, 0),), answerers=(0x1000, 0xBEEF))
    payload = encode(named)
    assert payload[:11] == bytes([0x15, 0x02, 2, 0, 0, 0x10, 0, 0, 0, 0xBE, 0xEF])
    assert decode(payload) == named
    with pytest.raises(DecodeError):
        decode(bytes([0x15, 0x81]))  # a flag this version does not know
    with pytest.raises(DecodeError):
        decode(bytes([0x15, 0x02, 0]))  # answerers flagged, none given
    with pytest.raises(UsageError):
        encode(RequestFrame((), answerers=tuple(range(1, 10))))


def test_answer_shares_split_consecutive_seqs_evenly() -> None:
    counts = [0, 0, 0]
    for seq in range(1, 3001):
        counts[frames.answer_share(0xCAFE, seq, 3)] += 1
    assert min(counts) > 900


def test_encode_refuses_values_the_format_cannot_carry() -> None:
    with pytest.raises(UsageError):
        encode(RecordsFrame(()))
    with pytest.raises(UsageError):
        encode(RecordsFrame((bytes(513),)))
    with pytest.raises(UsageError):
        encode(DigestFrame(b"abc", 0))
    with pytest.raises(UsageError):
        encode(GoneFrame((SeqRange(1, 1, 0),)))
    with pytest.raises(UsageError):
        encode(RequestFrame((SeqRange(0, 1, 0),)))
    with pytest.raises(UsageError):
        encode(RequestFrame((SeqRange(1, 2**32 - 1, 2),)))


def test_size_helpers_match_the_encoding() -> None:
    entry = DigestEntry(0xDEADBEEF, 300)
    rng = SeqRange(7, 200, 0)
    assert frames.digest_entry_size(entry) == len(encode(DigestFrame(bytes(4), 0, (entry,)))) - 6
    assert frames.range_size(rng) == len(encode(RequestFrame((rng,)))) - 2
    assert frames.record_item_size(200) == len(encode(RecordsFrame((bytes(200),)))) - 1


def test_a_digest_with_a_neighbour_list_is_its_own_frame_type() -> None:
    plain = DigestFrame(b"\x01\x02\x03\x04", 300, (DigestEntry(9, 4),))
    listed = DigestFrame(plain.vector_hash, 300, plain.entries, (0x0002, 0x1001, 0xFFFF))
    assert encode(plain)[0] & 0x0F == FrameType.DIGEST
    payload = encode(listed)
    assert payload[0] & 0x0F == FrameType.NEIGHBOURS
    # hash, total (2 varint bytes), count, three short ids, then the entry
    assert payload[7:14] == bytes([3, 0x00, 0x02, 0x10, 0x01, 0xFF, 0xFF])
    assert len(payload) == len(encode(plain)) + frames.neighbours_size(3)
    assert decode(payload) == listed
    empty = DigestFrame(plain.vector_hash, 0, (), ())
    assert decode(encode(empty)) == empty  # "I hear nobody" is not "no list"


def test_neighbour_lists_must_be_short_ascending_and_16_bit() -> None:
    h = bytes(4)
    for bad in [(2, 1), (1, 1), (0x10000,), tuple(range(frames.MAX_NEIGHBOUR_IDS + 1))]:
        with pytest.raises(UsageError):
            encode(DigestFrame(h, 0, (), bad))
    head = bytes([frames.header(FrameType.NEIGHBOURS)]) + h + b"\x00"
    for body in [
        bytes([2, 0, 5, 0, 5]),  # repeated id
        bytes([2, 0, 6, 0, 5]),  # descending
        bytes([2, 0, 6]),  # ends inside the list
        bytes([frames.MAX_NEIGHBOUR_IDS + 1]) + bytes(2 * (frames.MAX_NEIGHBOUR_IDS + 1)),
    ]:
        with pytest.raises(DecodeError):
            decode(head + body)


def test_a_short_id_is_the_low_16_bits_of_a_radio_id() -> None:
    assert frames.short_id(0xDEADBEEF) == 0xBEEF
