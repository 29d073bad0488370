import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from meshaid.protocol import fragment
from meshaid.protocol.errors import DecodeError, UsageError
from meshaid.protocol.fragment import HEADER_BYTES, Reassembler, parse, split


def test_split_fills_each_fragment_up_to_the_mtu() -> None:
    payload = bytes(range(256)) * 2  # 512 bytes, the largest record
    parts = split(payload, msg_id=0x1234, mtu=231)
    assert [len(p) for p in parts] == [231, 231, 512 - 2 * 227 + HEADER_BYTES]
    assert parts[0][:4] == bytes([0x12, 0x34, 0, 3])
    assert b"".join(parse(p).chunk for p in parts) == payload


def test_split_refuses_what_the_header_cannot_say() -> None:
    with pytest.raises(UsageError):
        split(b"", 1)
    with pytest.raises(UsageError):
        split(b"x", 1 << 16)
    with pytest.raises(UsageError):
        split(b"x", 1, mtu=HEADER_BYTES)
    with pytest.raises(UsageError):
        split(bytes(256), 1, mtu=HEADER_BYTES + 1)  # 256 fragments of 1 byte
    assert len(split(bytes(255), 1, mtu=HEADER_BYTES + 1)) == 255


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"\x00\x01\x00\x02", "no chunk"),
        (b"\x00\x01\x00\x00x", "count 0"),
        (b"\x00\x01\x02\x02x", "index not below count"),
    ],
)
def test_parse_rejects_impossible_headers(data: bytes, why: str) -> None:
    with pytest.raises(DecodeError):
        parse(data)


def test_reassembles_reordered_and_duplicated_fragments() -> None:
    payload = random.Random(1).randbytes(700)
    parts = split(payload, 7, mtu=100)
    r = Reassembler()
    out = [r.add(5, p, 0.0) for p in [parts[3], parts[0], parts[3], *parts[1:3], *parts[4:]]]
    assert [o for o in out if o is not None] == [payload]
    assert r.stats.duplicates == 1
    assert r.pending == 0 and r.buffered_bytes == 0
    # A late copy of a fragment of a finished message is a duplicate, not a new message.
    assert r.add(5, parts[2], 1.0) is None
    assert r.pending == 0 and r.stats.duplicates == 2


def test_same_id_from_two_senders_are_two_messages() -> None:
    a, b = b"A" * 300, b"B" * 300
    r = Reassembler()
    pa, pb = split(a, 9, 120), split(b, 9, 120)
    got = [r.add(1, pa[0], 0), r.add(2, pb[0], 0), r.add(2, pb[1], 0), r.add(1, pa[1], 0),
           r.add(1, pa[2], 0), r.add(2, pb[2], 0)]
    assert [g for g in got if g] == [a, b]


def test_lost_fragment_leaves_nothing_and_expires() -> None:
    parts = split(bytes(500), 3, mtu=100)
    r = Reassembler(timeout=60.0)
    for p in parts[:-1]:
        assert r.add(1, p, 10.0) is None
    assert r.pending == 1 and r.next_expiry() == 70.0
    assert r.expire(69.9) == 0
    assert r.expire(70.0) == 1
    assert r.pending == 0 and r.buffered_bytes == 0 and r.stats.expired == 1
    assert r.add(1, parts[-1], 71.0) is None  # the rest never completes


def test_a_conflicting_fragment_is_kept_beside_the_message_not_instead_of_it() -> None:
    old = split(bytes(400), 1, mtu=100)  # 5 fragments
    new = split(b"n" * 250, 1, mtu=100)  # 3 fragments, same id (a restarted sender)
    r = Reassembler()
    r.add(1, old[0], 0)
    r.add(1, old[1], 0)
    assert r.add(1, new[0], 1) is None
    assert r.add(1, new[1], 1) is None
    assert r.add(1, new[2], 1) == b"n" * 250  # another count: another message
    assert r.pending == 1  # the old one is still there
    assert [r.add(1, p, 2) for p in old[2:]][-1] == bytes(400)
    # Same id and count but other bytes at an index already held: a second candidate, and
    # a third is not kept.
    other = split(b"o" * 250, 2, mtu=100)
    twin = split(b"p" * 250, 2, mtu=100)
    third = split(b"q" * 250, 2, mtu=100)
    r.add(1, other[0], 3)
    r.add(1, twin[0], 3)
    r.add(1, third[0], 3)
    assert r.stats.inconsistent == 2 and r.buffered_bytes == 2 * len(other[0]) - 8
    # Whole, it is the first candidates that make a message that fits.
    assert r.add(1, twin[1], 3) is None and r.add(1, twin[2], 3) == b"o" * 96 + b"p" * 154


def test_oversize_messages_are_refused() -> None:
    r = Reassembler(max_message_bytes=1000, max_bytes=2000)
    parts = split(bytes(2000), 1, mtu=231)  # 9 fragments of 227: over 1000 bytes
    assert r.add(1, parts[0], 0) is None
    assert r.stats.oversize == 1 and r.pending == 0


def test_memory_bounds_evict_the_least_recently_heard() -> None:
    r = Reassembler(max_messages=2, max_bytes=450, max_message_bytes=400)
    first = split(bytes(400), 1, 104)  # chunks of 100
    second = split(bytes(400), 2, 104)
    third = split(bytes(400), 3, 104)
    r.add(1, first[0], 0)
    r.add(1, second[0], 1)
    r.add(1, third[0], 2)  # a third message: the oldest (first) goes
    assert r.stats.evicted == 1 and r.pending == 2
    r.add(1, second[1], 3)
    r.add(1, third[1], 4)
    r.add(1, third[2], 5)  # 500 bytes would be buffered: second goes
    assert r.stats.evicted == 2 and r.buffered_bytes <= 450
    assert r.add(1, third[3], 6) == bytes(400)


@given(st.binary(max_size=300), st.integers(0, 2**32 - 1))
def test_bytes_from_the_air_never_raise(data: bytes, sender: int) -> None:
    r = Reassembler(max_messages=2, max_bytes=600, max_message_bytes=500)
    r.add(sender, data, 0.0)
    r.add(sender, data, 1.0)
    assert r.pending <= 2 and r.buffered_bytes <= 600


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 3000), min_size=1, max_size=6),
    mtu=st.integers(HEADER_BYTES + 8, 231),
    seed=st.integers(0, 2**32 - 1),
    loss=st.sampled_from([0.0, 0.1, 0.3]),
    dup=st.sampled_from([0.0, 0.2]),
)
def test_every_complete_message_and_nothing_else(
    sizes: list[int], mtu: int, seed: int, loss: float, dup: float
) -> None:
    rng = random.Random(seed)
    messages: dict[tuple[int, int], bytes] = {}
    air: list[tuple[int, int, bytes]] = []  # (sender, msg_id, fragment)
    for n, size in enumerate(sizes):
        if fragment.fragments_needed(size, mtu) > fragment.MAX_FRAGMENTS:
            continue
        sender, msg_id = n % 3, rng.randrange(1 << 16)
        while (sender, msg_id) in messages:
            msg_id = (msg_id + 1) % (1 << 16)
        payload = rng.randbytes(size)
        messages[(sender, msg_id)] = payload
        air += [(sender, msg_id, p) for p in split(payload, msg_id, mtu)]
    delivered: list[tuple[int, int, bytes]] = []
    for item in air:
        if rng.random() >= loss:
            delivered.append(item)
            if rng.random() < dup:
                delivered.append(item)
    rng.shuffle(delivered)
    r = Reassembler(max_messages=16, max_bytes=1 << 16, max_message_bytes=1 << 16)
    out = []
    for sender, _, data in delivered:
        got = r.add(sender, data, 0.0)
        if got is not None:
            out.append((sender, got))
        assert r.pending <= 16 and r.buffered_bytes <= 1 << 16
    complete = {
        key
        for key in messages
        if {p for s, m, p in delivered if (s, m) == key} == {p for s, m, p in air if (s, m) == key}
    }
    assert sorted(out) == sorted((key[0], messages[key]) for key in complete)


@settings(max_examples=40, deadline=None)
@given(
    count=st.integers(2, 12),
    seed=st.integers(0, 2**32 - 1),
    max_messages=st.integers(1, 4),
    max_bytes=st.integers(300, 1500),
)
def test_tight_bounds_hold_and_invent_nothing(
    count: int, seed: int, max_messages: int, max_bytes: int
) -> None:
    rng = random.Random(seed)
    sent = {}
    air = []
    for msg_id in range(count):
        payload = rng.randbytes(rng.randint(1, 1200))
        sent[msg_id] = payload
        air += split(payload, msg_id, 100)
    rng.shuffle(air)
    r = Reassembler(max_messages=max_messages, max_bytes=max_bytes, max_message_bytes=300)
    for now, data in enumerate(air):
        got = r.add(7, data, float(now))
        if got is not None:
            assert got == sent[parse(data).msg_id] and len(got) <= 300
        assert r.pending <= max_messages and r.buffered_bytes <= max_bytes
