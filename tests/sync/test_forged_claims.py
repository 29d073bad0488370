"""What a member (or a stolen node) can make a node do with frames that are valid but lie.

Gossip frames are sealed with the neighbourhood's key, so only members can send them; but
a member can send anything under any sender id, and only records are signed by their
origin. Each test here is one attack from the security issue, done that way, hand-driven:
the forged frames go straight to the engines, as the pump hands them over once opened.
"""

from __future__ import annotations

import random
import statistics
from types import SimpleNamespace

from meshaid.protocol import frames
from meshaid.protocol.airtime import airtime_seconds
from meshaid.protocol.frames import (
    U32_MAX,
    DigestEntry,
    DigestFrame,
    FrameType,
    GoneFrame,
    RecordsFrame,
    RequestFrame,
    SeqRange,
    decode,
    encode,
    short_id,
)
from meshaid.protocol.record import Kind, Urgency
from meshaid.sync.config import SyncConfig
from meshaid.sync.engine import SyncEngine
from meshaid.sync.vector import MAX_GAPS, KnownSeqs
from recordgen import Signer

ATTACKER = 0x6666  # the radio id the forged frames come from (any id would do)
JUNK_HASH = b"\xde\xad\xbe\xef"


def poison(origin: int, seq: int) -> list[bytes]:
    """The 26-byte pair: a digest claiming ``origin`` is at 2**32-1, then a GONE for every
    seq of it from ``seq`` on."""
    digest = DigestFrame(JUNK_HASH, 1, (DigestEntry(origin, U32_MAX),))
    gone = GoneFrame((SeqRange(origin, seq, U32_MAX - seq + 1),))
    return [encode(digest), encode(gone)]


def is_push(payload: bytes) -> bool:
    return payload[0] == frames.header(FrameType.PUSH)


def test_a_forged_digest_and_gone_cannot_silence_a_member(net: SimpleNamespace) -> None:
    # A line of four; node 0 posts. Node 3 never hears node 2's pushes (it must ask), so
    # both halves of the attack are tried: relaying, and asking.
    m = net.Mesh(4, edges=[(0, 1), (1, 2), (2, 3)])
    origin = m.signers[0].origin
    first = m.create(0, "water at the church")
    m.run(600)
    assert m.converged()
    for payload in poison(origin, 2):
        for node in m.nodes:
            node.engine.receive(payload, ATTACKER, m.now)
    lost: list[float] = []  # when each later post was made: node 3 misses node 2's relay

    def link(src: int, dst: int, now: float, airtime: float) -> list[float]:
        if (src, dst) == (2, 3) and any(t <= now < t + 30.0 for t in lost):
            return []
        return [airtime]

    m.link = link
    later = []
    for i in range(6):
        lost.append(m.now)
        later.append(m.create(0, f"later post {i}"))
        m.run(1800)
    m.run(3600)
    for node in m.nodes:
        for rec in [first, *later]:
            assert node.engine.holds(rec.record_id), (node.index, rec.body.seq)
        # Nothing but what the origin signed counts as held.
        assert node.engine.known_runs()[origin] == [(1, 7)]
        assert node.engine.known_total == 7
    # The far nodes got the later posts by relays, as before the attack.
    assert m.nodes[1].engine.stats.records_sent["relay"] >= 6
    assert m.nodes[2].engine.stats.records_sent["relay"] >= 6
    assert m.nodes[3].engine.stats.requests_sent >= 6  # and node 3 asked for each


def test_a_node_that_missed_the_pushes_still_asks_despite_forged_claims(
    net: SimpleNamespace,
) -> None:
    # Node 1 misses node 0's pushes; it learns of them by digests and asks. The attacker
    # hears its requests and answers each at once with a GONE for all it asks, and keeps
    # sending the poison pair too.
    m = net.Mesh(2)
    origin = m.signers[0].origin
    m.create(0, "first")
    m.run(600)
    posted: list[float] = []
    m.link = lambda src, dst, now, airtime: (
        [] if src == 0 and any(t <= now < t + 30.0 for t in posted) else [airtime]
    )
    victim = m.nodes[1]
    recs = []
    seen = 0
    for step in range(360):  # an hour, in 10 s steps
        if step % 60 == 0:
            posted.append(m.now)
            recs.append(m.create(0, f"post {len(recs)}"))
        m.run(10.0)
        for when, payload in victim.sent[seen:]:
            frame = decode(payload)
            if isinstance(frame, RequestFrame):
                ranges = tuple(SeqRange(r.origin, r.first, r.length or U32_MAX - r.first + 1)
                               for r in frame.ranges if r.origin == origin)
                if ranges:
                    victim.engine.receive(encode(GoneFrame(ranges)), ATTACKER, when)
                for forged in poison(origin, 2):
                    victim.engine.receive(forged, ATTACKER, when)
        seen = len(victim.sent)
    m.run(1800)
    assert all(victim.engine.holds(r.record_id) for r in recs)
    assert victim.engine.known_total == 1 + len(recs)
    assert victim.engine.stats.requests_sent >= len(recs)  # it did have to ask


def test_forged_pairs_with_gaps_leave_the_vector_as_it_was() -> None:
    # The same pair, each moving the claim on with a one-seq gap: the gap set used to grow
    # by 4,096 seqs a pair, and every frame's work with it (99 % of a core at 50 frames/s).
    a = Signer(101)
    held = [a.create(f"offer {i}") for i in range(3)]
    e = SyncEngine({a.origin: a.public_key}.get, random.Random(1))
    e.load(held)
    e.handle_timer(0.0)
    for n in range(40):
        next_seq = 3 + 2 + n * 4096  # one seq left out each time
        for payload in poison(a.origin, next_seq):
            e.receive(payload, ATTACKER + n, float(n))
        e.handle_timer(float(n))
        while e.poll_transmit(float(n)) is not None:
            pass
    assert e.known_total == 3
    assert e.known_runs() == {a.origin: [(1, 3)]}
    # ... and a real record after it all is taken.
    e.receive(encode(RecordsFrame((a.create("a real one").raw,))), 0x10, 100.0)
    assert e.known_total == 4


def test_an_origin_signing_scattered_seqs_cannot_grow_the_gaps_without_bound() -> None:
    k = KnownSeqs()
    for seq in range(2, 2 * (MAX_GAPS + 500), 2):  # every other seq: a gap before each
        k.add(seq)
    assert k.gaps <= MAX_GAPS
    assert k.count == k.upto + sum(b - a + 1 for a, b in list(k.known_runs())[1:])
    assert 2 * (MAX_GAPS + 499) in k


def answers_airtime(sent: list[bytes]) -> float:
    return sum(
        airtime_seconds(len(p)) for p in sent if p[0] == frames.header(FrameType.ANSWER)
    )


def drive(e: SyncEngine, start: float, end: float, every: float,
          frame: bytes, sender: int | None = None) -> list[bytes]:
    """Feed ``frame`` to ``e`` every ``every`` seconds (from a new sender each time
    when ``sender`` is None), running its timers; every frame it sends."""
    sent: list[bytes] = []
    now = start
    fed = 0
    next_feed = start
    while now <= end:
        if now >= next_feed:
            e.receive(frame, sender if sender is not None else 0x7000 + fed, now)
            fed += 1
            next_feed += every
        e.handle_timer(now)
        while (out := e.poll_transmit(now)) is not None:
            sent.append(out.payload)
        deadline = e.next_deadline()
        upcoming = next_feed if deadline is None else min(deadline, next_feed)
        now = max(upcoming, now + 1e-3)
    return sent


def test_one_requester_cannot_take_a_whole_answer_budget() -> None:
    a, b = Signer(101), Signer(102)
    e = SyncEngine({a.origin: a.public_key, b.origin: b.public_key}.get, random.Random(2))
    e.load(a.create(f"an offer with a few more words in it, number {i}") for i in range(300))
    theirs = [b.create(f"from b {i}") for i in range(4)]
    e.load(theirs)
    e.handle_timer(0.0)
    forged = encode(RequestFrame((SeqRange(a.origin, 1, 0),)))  # 7 bytes, every 20 s
    sent = drive(e, 1.0, 1800.0, 20.0, forged, sender=0x99)
    cfg = e.config
    bulk = cfg.budget_seconds * (1 - cfg.alert_reserve) * cfg.bulk_share
    assert answers_airtime(sent) <= cfg.requester_share * bulk + airtime_seconds(231)
    assert e.stats.requests_limited > 0
    # Another requester, half an hour in, is answered within minutes.
    e.receive(encode(RequestFrame((SeqRange(b.origin, 1, 0),))), 0x98, 1800.0)
    later = drive(e, 1800.0, 2100.0, 20.0, forged, sender=0x99)
    got = {raw for p in later if p[0] == frames.header(FrameType.ANSWER)
           for raw in decode(p).records}  # type: ignore[union-attr]
    assert {r.raw for r in theirs} <= got


def test_forged_behind_digests_draw_few_unasked_answers() -> None:
    signers = [Signer(120 + i) for i in range(16)]
    keys = {s.origin: s.public_key for s in signers}
    e = SyncEngine(keys.get, random.Random(3))
    e.load(s.create(f"post {n} of {s.origin}") for s in signers for n in range(10))
    e.handle_timer(0.0)
    # "I am at seq 1 of each of these 16 origins", and as big as you: not catching up.
    behind = DigestFrame(JUNK_HASH, e.known_total, tuple(DigestEntry(s.origin, 1) for s in signers))
    sent = drive(e, 1.0, 600.0, 30.0, encode(behind))  # 20 digests, each from a new id
    answered = sum(len(decode(p).records) for p in sent  # type: ignore[union-attr]
                   if p[0] == frames.header(FrameType.ANSWER))
    cfg = e.config
    bulk = cfg.budget_seconds * (1 - cfg.alert_reserve) * cfg.bulk_share
    assert answers_airtime(sent) <= cfg.unasked_share * bulk + airtime_seconds(231)
    assert answered < 40  # it drew 132


def test_digests_from_made_up_ids_do_not_stall_a_catch_up(net: SimpleNamespace) -> None:
    m = net.Mesh(2, seed=4)
    src = m.nodes[0]
    # Entries of two origins, of mixed kinds and urgencies: answered most useful first,
    # so the new node holds scattered seqs and asks for many gaps, naming answerers.
    kinds = [Kind.OFFER, Kind.NEED, Kind.TRADE]
    urgencies = [Urgency.NORMAL, Urgency.LOW, Urgency.HIGH]
    recs = [
        m.nodes[i % 2].signer.create(f"an entry of the store, number {i}",
                                     created=1_500_000 + 3 * i, kind=kinds[i % 3],
                                     urgency=urgencies[(i // 3) % 3])
        for i in range(120)
    ]
    src.engine.load(recs)
    src.board.apply_all(recs)
    m.wipe(1)
    new = m.nodes[1].engine
    fakes = [0x5000 + i for i in range(40)]
    boast = encode(DigestFrame(JUNK_HASH, 1_000_000, ()))
    for _ in range(24):  # two hours, the fake digests every five minutes
        for fake in fakes:
            new.receive(boast, fake, m.now)
        m.run(300.0)
    assert sum(new.holds(r.record_id) for r in recs) == 120
    assert new.stats.answerers_skipped > 0


def test_a_forged_neighbour_list_cannot_cut_relays_for_good(net: SimpleNamespace) -> None:
    # A line 0 - 1 - 2 - 3 - 4. A forged list "from node 0" says node 0 hears node 2: node 1
    # then skips relaying what node 0 pushes (it cut relays from 10 of 10 to 0). A relay
    # skipped is owed, and goes when node 2 shows it lacks the record, so every post is
    # still pushed on across the line, and within the sync goal.
    m = net.Mesh(5, edges=[(0, 1), (1, 2), (2, 3), (3, 4)])
    m.run(3650.0)
    m.create(0, "warm-up")
    m.run(600.0)
    forged = DigestFrame(JUNK_HASH, 1, (), tuple(sorted(
        short_id(net.radio_id(i)) for i in (0, 1, 2))))
    m.nodes[1].engine.receive(encode(forged), net.radio_id(0), m.now)
    m.nodes[1].sent.clear()
    times = []
    posts = []
    for i in range(10):
        rec = m.create(0, f"post {i}")
        posts.append(rec)
        start = m.now
        while not m.nodes[4].engine.holds(rec.record_id) and m.now < start + 3600:
            m.run(10.0)
        times.append(m.now - start)
        m.run(600.0)
    assert m.nodes[1].engine.stats.relays_pruned > 0  # the forged list did bite
    pushed = {raw for _, p in m.nodes[1].sent if is_push(p)
              for raw in decode(p).records}  # type: ignore[union-attr]
    assert all(r.raw in pushed for r in posts)
    assert m.nodes[1].engine.stats.relays_made_good > 0
    assert max(times) <= 15 * 60  # the sync goal for a new entry


def test_made_up_ids_cannot_stretch_relay_delays(net: SimpleNamespace) -> None:
    # 200 invented ids heard by node 1 of a line 0 - 1 - 2 used to make its contention
    # window 200 slots long: a median relay delay of 315 s.
    m = net.Mesh(3, edges=[(0, 1), (1, 2)])
    m.run(600.0)
    delays = []
    for i in range(9):
        for n in range(200):
            m.nodes[1].engine.receive(encode(DigestFrame(JUNK_HASH, 0)), 0x9000 + n, m.now)
        rec = m.create(0, f"post {i}")
        start = m.now
        while not m.nodes[2].engine.holds(rec.record_id) and m.now < start + 3600:
            m.run(2.0)
        delays.append(m.now - start)
        m.run(300.0)
    cfg = SyncConfig()
    assert statistics.median(delays) <= cfg.relay_slot * cfg.contention_neighbours_max / 2 + 10


def test_per_sender_state_is_capped() -> None:
    import tracemalloc

    a = Signer(101)
    e = SyncEngine({a.origin: a.public_key}.get, random.Random(5))
    e.load([a.create("x")])
    e.handle_timer(0.0)
    digest = encode(DigestFrame(JUNK_HASH, 5, neighbours=(1, 2, 3)))
    sender = 0x1_0000

    def invent(count: int, now: float) -> None:
        nonlocal sender
        for n in range(count):
            sender += 1
            e.receive(digest, sender, now + n * 0.01)
            e.drain_events()  # as the pump does

    tracemalloc.start()
    invent(3000, 0.0)  # every table at its cap by now
    before = tracemalloc.take_snapshot()
    invent(10_000, 100.0)
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    grown = sum(s.size_diff for s in after.compare_to(before, "filename"))
    assert grown < 10_000 * 10  # about 350 bytes per invented id before, never purged
