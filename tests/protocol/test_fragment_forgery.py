"""Forged fragments: a member can send a fragment under any sender id and message id."""

from __future__ import annotations

import random

from meshaid.protocol import frames
from meshaid.protocol.fragment import Reassembler, split
from meshaid.protocol.frames import FrameType, RecordsFrame, encode
from meshaid.sync.api import RecordsAccepted
from meshaid.sync.engine import SyncEngine
from recordgen import Signer

SENDER, JUNK = 0x1001, 0x6666


def fragment_frames(payload: bytes, msg_id: int, mtu: int = 231) -> list[bytes]:
    head = bytes([frames.header(FrameType.FRAGMENT)])
    return [head + part for part in split(payload, msg_id, mtu - 1)]


def test_a_forged_fragment_does_not_complete_a_real_message_for_good() -> None:
    real = b"R" * 300
    parts = split(real, 77, 200)  # two fragments
    forged = parts[1][:4] + b"J" * (len(parts[1]) - 4)
    r = Reassembler()
    assert r.add(SENDER, parts[0], 0.0, accept=lambda p: p == real) is None
    assert r.add(SENDER, forged, 0.5, accept=lambda p: p == real) is None  # junk: refused
    assert r.stats.rejected == 1 and r.stats.completed == 0
    assert r.add(SENDER, parts[1], 1.0, accept=lambda p: p == real) == real
    # The forged fragment first, then both real ones: the same.
    r = Reassembler()
    r.add(SENDER, forged, 0.0, accept=lambda p: p == real)
    r.add(SENDER, parts[0], 0.5, accept=lambda p: p == real)
    assert r.add(SENDER, parts[1], 1.0, accept=lambda p: p == real) == real


def engine() -> tuple[SyncEngine, Signer]:
    a = Signer(101)
    return SyncEngine({a.origin: a.public_key}.get, random.Random(1)), a


def accepted(e: SyncEngine) -> list[bytes]:
    return [r.raw for ev in e.drain_events() if isinstance(ev, RecordsAccepted)
            for r in ev.records]


def test_an_engine_takes_the_real_record_after_a_forged_fragment() -> None:
    e, a = engine()
    rec = a.create("z" * 200)  # a record longer than one frame: two fragments
    first, second = fragment_frames(encode(RecordsFrame((rec.raw,))), 500)
    junk = second[:5] + bytes(len(second) - 5)
    e.receive(first, SENDER, 0.0)
    e.receive(junk, SENDER, 0.2)  # the message comes out whole, with junk: not taken
    assert accepted(e) == []
    e.receive(second, SENDER, 0.4)
    assert accepted(e) == [rec.raw]


def test_junk_partial_messages_from_one_sender_do_not_push_out_anothers() -> None:
    e, a = engine()
    rec = a.create("y" * 200)
    first, second = fragment_frames(encode(RecordsFrame((rec.raw,))), 600)
    e.receive(first, SENDER, 0.0)
    for n in range(40):  # partial messages that will never complete
        junk = fragment_frames(bytes([n]) * 300, 1000 + n)[0]
        e.receive(junk, JUNK, 0.1 + n * 0.01)
    e.receive(second, SENDER, 1.0)
    assert accepted(e) == [rec.raw]
