"""No input from the air can stop a node: frame and record decoding, fragment reassembly and
the engine's receive path, fed random bytes and mutations of real frames.

Bounded example counts keep CI fast; scripts/fuzz_long.py runs the same targets for hours
under a coverage-guided fuzzer.
"""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meshaid.protocol import frames, record
from meshaid.protocol.errors import DecodeError, ProtocolError
from meshaid.protocol.fragment import Reassembler, split
from meshaid.protocol.frames import (
    DigestEntry,
    DigestFrame,
    GoneFrame,
    RecordsFrame,
    RequestFrame,
    SeqRange,
)
from meshaid.sync.engine import SyncEngine
from recordgen import Signer

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SIGNERS = [Signer(200 + i) for i in range(3)]
KEYS = {s.origin: s.public_key for s in SIGNERS}
RECORDS = [s.create(f"spare tyre pump {i}", created=1_500_000 + i) for i, s in
           enumerate(SIGNERS * 2)]
ORIGIN = SIGNERS[0].origin
VALID_FRAMES = [
    frames.encode(RecordsFrame(tuple(r.raw for r in RECORDS[:2]))),
    frames.encode(RecordsFrame((RECORDS[2].raw,), relay=False)),
    frames.encode(DigestFrame(bytes(4), 3, (DigestEntry(ORIGIN, 2),),
                              (1, 2))),
    frames.encode(RequestFrame((SeqRange(ORIGIN, 1, 3),))),
    frames.encode(GoneFrame((SeqRange(ORIGIN, 1, 1),))),
]


@st.composite
def mutated(draw: st.DrawFn, seeds: list[bytes]) -> bytes:
    """A real payload with a few bytes flipped, inserted, deleted, or cut short."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(("flip", "insert", "delete", "truncate", "byte")))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif op == "delete" and data:
            del data[at : at + draw(st.integers(1, 8))]
        elif op == "truncate":
            del data[at:]
        elif data:
            data[at] = draw(st.sampled_from((0x00, 0x7F, 0x80, 0xFF)))
    return bytes(data)


air_bytes = st.binary(max_size=300) | mutated(VALID_FRAMES)


@FUZZ
@given(air_bytes)
def test_frame_decoding_raises_only_decode_error_and_what_it_gives_encodes(data: bytes) -> None:
    try:
        frame = frames.decode(data)
    except DecodeError:
        return
    assert frames.decode(frames.encode(frame)) == frame


@FUZZ
@given(st.binary(max_size=300) | mutated([r.raw for r in RECORDS]))
def test_record_decoding_raises_only_decode_error(data: bytes) -> None:
    for decode in (record.decode, record.decode_stored):
        try:
            decoded = decode(data)
        except DecodeError:
            continue
        assert decoded.raw == data


@FUZZ
@given(
    st.lists(st.tuples(st.integers(0, 5), st.binary(max_size=240) | mutated(
        split(bytes(range(256)) * 3, 7, mtu=200))), max_size=60),
    st.integers(0, 4),
)
def test_reassembly_stays_bounded_and_a_real_message_still_completes(
    junk: list[tuple[int, bytes]], where: int,
) -> None:
    whole = bytes(range(256)) * 3
    real = split(whole, 9, mtu=200)
    r = Reassembler(max_messages=8, max_bytes=4096, max_message_bytes=2048, per_sender=4)
    got = []
    now = 0.0
    for i, (sender, data) in enumerate(junk):
        now += 0.5
        if i == where:
            got += [r.add(99, fragment, now) for fragment in real]
        try:
            r.add(sender, data, now)
        except ProtocolError as exc:  # pragma: no cover - the property under test
            raise AssertionError(f"add raised {exc!r}") from exc
        assert r.buffered_bytes <= r.max_bytes and r.pending <= r.max_messages
    if where >= len(junk):
        got += [r.add(99, fragment, now) for fragment in real]
    assert whole in got  # junk under other senders cannot push the real message out


def drive(engine: SyncEngine, now: float, until: float) -> None:
    while now <= until:
        engine.handle_timer(now)
        while engine.poll_transmit(now) is not None:
            pass
        deadline = engine.next_deadline()
        if deadline is None:
            return
        now = max(deadline, now + 0.5)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 0xFFFF_FFFF), air_bytes), min_size=1, max_size=12))
def test_the_engine_takes_any_frames_and_keeps_working(heard: list[tuple[int, bytes]]) -> None:
    engine = SyncEngine(KEYS.get, random.Random(3), node_id=0x5EED)
    engine.add_local(RECORDS[0], 0.5)
    now = 1.0
    for sender, payload in heard:
        engine.receive(payload, sender, now)
        now += 0.7
    drive(engine, now, now + 120.0)
    engine.drain_events()
    # Still a working node: a real record pushed now is taken.
    fresh = SIGNERS[1].create("bike lock to lend", created=1_500_100)
    engine.receive(frames.encode(RecordsFrame((fresh.raw,))), 0x77, now + 200.0)
    assert engine.holds(fresh.record_id)
