"""Catch-up and partition repair: how requests are made and answered when much is missing."""

from __future__ import annotations

import itertools
import random

from engine_clock import run_until

from meshaid.protocol import frames
from meshaid.protocol.frames import DigestEntry, DigestFrame, RecordsFrame, SeqRange, decode, encode
from meshaid.sync.config import SyncConfig
from meshaid.sync.engine import SyncEngine
from meshaid.sync.vector import VersionVector
from meshaid.sync.wants import MAX_RUNS_PER_ORIGIN, Wants
from recordgen import Signer

A, B = Signer(101), Signer(102)  # keys and origins; each test numbers its own records
KEYS = {A.origin: A.public_key, B.origin: B.public_key}
OTHER_HASH = b"\xff\xff\xff\xff"


def answers(sent: list[tuple[float, bytes]]) -> list[tuple[float, tuple[bytes, ...]]]:
    out = []
    for when, payload in sent:
        frame = decode(payload)
        if isinstance(frame, RecordsFrame) and not frame.relay:
            out.append((when, frame.records))
    return out


def test_named_answerers_take_turns_instead_of_talking_at_once() -> None:
    a = Signer(101)
    recs = [a.create(f"an offer with enough words to fill most of a frame {i:03d}" * 2)
            for i in range(12)]
    named = [SyncEngine(KEYS.get, random.Random(i), node_id=0x10 + i) for i in range(3)]
    request = encode(frames.RequestFrame((SeqRange(A.origin, 1, 0),), answerers=(0x10, 0x11, 0x12)))
    times: list[tuple[float, int]] = []
    got: list[bytes] = []
    for i, e in enumerate(named):
        e.load(recs)
        e.handle_timer(0.0)
        e.receive(request, 0x99, 10.0)
        for when, records in answers(run_until(e, 10.0, 1000.0)):
            times.append((when, i))
            got += records
    assert sorted(got) == sorted(r.raw for r in recs)  # all of them, once
    turn = SyncConfig().answer_turn
    times.sort()
    for (t1, i1), (t2, i2) in itertools.pairwise(times):
        if i1 != i2:  # another answerer's frame: a whole turn later
            assert t2 - t1 >= turn - 1e-9
    firsts = [min(t for t, i in times if i == k) for k in range(3)]
    assert firsts == sorted(firsts)  # in the order the request named them


def test_a_request_asks_only_for_gaps_never_for_what_is_held() -> None:
    vector = VersionVector()
    held = list(range(2, 41, 2))  # every other seq: 20 gaps
    for seq in held:
        vector.add(A.origin, seq)
    wants = Wants(vector, 30.0, 3600.0)
    wants.exists(A.origin, 41)
    ranges = wants.ranges(A.origin)
    assert len(ranges) == MAX_RUNS_PER_ORIGIN
    asked = {s for r in ranges for s in range(r.first, r.first + (r.length or 1))}
    assert not asked & set(held)
    assert all(r.length for r in ranges)  # the rest waits for the next request


def test_the_backoff_ends_when_an_answer_comes_not_when_a_push_does() -> None:
    wants = Wants(VersionVector(), 30.0, 3600.0)
    wants.exists(A.origin, 50)
    for t in (0.0, 100.0, 300.0):
        wants.asked([A.origin], t)
    assert wants.retry(A.origin) == 60.0  # three requests, nothing came: 30, 30, 60
    wants.progressed(A.origin, 400.0, answered=False)
    assert wants.retry(A.origin) == 60.0
    wants.progressed(A.origin, 410.0, answered=True)
    assert wants.retry(A.origin) == 30.0
    assert wants.attempts(A.origin) == 3  # answerers still rotate


def test_an_origin_whose_records_are_flooding_in_is_not_asked_for_yet() -> None:
    vector = VersionVector()
    wants = Wants(vector, 30.0, 3600.0)
    vector.add(A.origin, 5)
    wants.exists(A.origin, 9)
    assert wants.eligible_at(A.origin) == float("-inf")
    wants.progressed(A.origin, 100.0, answered=False)  # one push: a new post
    assert wants.eligible_at(A.origin) == float("-inf")
    vector.add(A.origin, 6)
    wants.progressed(A.origin, 110.0, answered=False)  # another right after: a flood
    assert wants.eligible_at(A.origin) == 140.0


def test_no_unasked_answers_to_a_node_catching_up_a_whole_store() -> None:
    a = Signer(101)
    recs = [a.create(f"offer {i}") for i in range(20)]
    for total, expect in ((1, False), (15, True)):
        e = SyncEngine(KEYS.get, random.Random(1), node_id=0x10)
        e.load(recs)
        e.handle_timer(0.0)
        digest = DigestFrame(OTHER_HASH, total, (DigestEntry(A.origin, 1),))
        e.receive(encode(digest), 0x20, 1.0)
        assert bool(answers(run_until(e, 1.0, 200.0))) == expect


def pushed(sent: list[tuple[float, bytes]]) -> list[bytes]:
    out: list[bytes] = []
    for _, payload in sent:
        frame = decode(payload)
        if isinstance(frame, RecordsFrame) and frame.relay:
            out += frame.records
    return out


def test_a_repair_we_asked_for_is_passed_on_when_a_neighbour_is_far_behind() -> None:
    b = Signer(102)
    mine = [b.create(f"offer {i}") for i in range(12)]
    a = Signer(101)
    theirs = a.create("from across the cut")
    a.create("and another")  # still missing after the first arrives
    for behind, expect in ((True, True), (False, False)):
        e = SyncEngine(KEYS.get, random.Random(1), node_id=0x10)
        e.load(mine)
        e.handle_timer(0.0)
        if behind:  # a neighbour that holds nothing of what we hold
            e.receive(encode(DigestFrame(OTHER_HASH, 0)), 0x20, 1.0)
        ahead = DigestFrame(OTHER_HASH, 14, (DigestEntry(A.origin, 2), DigestEntry(B.origin, 12)))
        e.receive(encode(ahead), 0x30, 2.0)
        sent = run_until(e, 2.0, 60.0)
        assert any(isinstance(decode(p), frames.RequestFrame) for _, p in sent)
        e.receive(encode(RecordsFrame((theirs.raw,), relay=False)), 0x30, 61.0)
        assert (theirs.raw in pushed(run_until(e, 61.0, 200.0))) == expect
