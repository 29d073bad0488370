"""How soon a gap is repaired: a seq known to be missing, a record refused until the roster
named its origin, a repair a neighbour behind us asked for too, the requests' own share.

Hand-driven engines on a perfect link (every frame arrives one second after it is sent),
so the times are the engine's own timers and nothing else.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from engine_clock import run_until

from meshaid.protocol import frames
from meshaid.protocol.frames import RecordsFrame, RequestFrame, SeqRange, decode, encode
from meshaid.protocol.record import SignedRecord
from meshaid.sync.accepting import MAX_UNTRUSTED
from meshaid.sync.config import SyncConfig
from meshaid.sync.engine import SyncEngine
from recordgen import Signer

A = Signer(101)
KEYS = {A.origin: A.public_key}


def exchange(engines: dict[int, SyncEngine], until: float, done: Callable[[], bool]) -> float:
    """Run the engines, each hearing the others' frames a second after they are sent,
    until ``done()`` holds (returns that time) or ``until``."""
    now = 0.0
    air: list[tuple[float, int, int, bytes]] = []  # (arrives, receiver, sender, payload)
    while now <= until:
        for nid, e in engines.items():
            e.handle_timer(now)
            while (out := e.poll_transmit(now)) is not None:
                air += [(now + 1.0, o, nid, out.payload) for o in engines if o != nid]
        if done():
            return now
        times = [d for d in (e.next_deadline() for e in engines.values()) if d is not None]
        times += [t for t, *_ in air]
        now = max(min(times, default=until + 1), now + 0.01)
        for item in sorted(x for x in air if x[0] <= now):
            air.remove(item)
            engines[item[1]].receive(item[3], item[2], now)
    return float("inf")


def offers(signer: Signer, count: int) -> list[SignedRecord]:
    return [signer.create(f"offer number {i}") for i in range(count)]


def test_a_seq_missing_in_the_middle_of_the_store_is_repaired_within_seconds() -> None:
    # B's store holds 1-5 and 7-10 of A: its vector shows the gap by itself. It used to be
    # asked for only once a digest made B ask with its whole vector: 124-187 s over 20
    # seeds (the settling time, and Trickle's intervals); now 4.6-10.3 s.
    recs = offers(A, 10)
    for seed in range(3):
        a = SyncEngine(KEYS.get, random.Random(seed), node_id=0x10)
        b = SyncEngine(KEYS.get, random.Random(seed + 100), node_id=0x11)
        a.load(recs)
        b.load([r for r in recs if r.body.seq != 6])
        took = exchange({0x10: a, 0x11: b}, 300.0, lambda b=b: b.holds(recs[5].record_id))
        assert took <= 15.0, took


def test_an_empty_node_with_one_neighbour_asks_for_everything_once_settled() -> None:
    # A new node hears its only neighbour's digest while it is still settling (neighbours'
    # digests coming in): the request for its whole vector goes out when that ends, not
    # after another digest heard later (Trickle could put that minutes away).
    recs = offers(A, 6)
    a = SyncEngine(KEYS.get, random.Random(1), node_id=0x10)
    b = SyncEngine(KEYS.get, random.Random(2), node_id=0x11)
    a.load(recs)
    settle = 2 * SyncConfig().trickle_reset
    took = exchange({0x10: a, 0x11: b}, 600.0,
                    lambda: all(b.holds(r.record_id) for r in recs))
    assert took <= settle + 15.0, took


def test_records_refused_as_untrusted_are_taken_when_the_roster_names_their_origin() -> None:
    trusted: set[int] = set()

    def trust(origin: int, _seq: int) -> bytes | None:
        return KEYS.get(origin) if origin in trusted else None

    e = SyncEngine(lambda _origin: None, random.Random(1), trust=trust, node_id=0x10)
    e.handle_timer(0.0)
    recs = offers(A, 3)
    e.receive(encode(RecordsFrame(tuple(r.raw for r in recs))), 0x20, 1.0)
    assert not any(e.holds(r.record_id) for r in recs)
    assert e.stats.refused["untrusted"] == 3
    trusted.add(A.origin)
    e.trust_changed(2.0)  # no frame in between: the records it heard are judged again
    assert all(e.holds(r.record_id) for r in recs)
    pushed = [p for t, p in run_until(e, 2.0, 60.0) if decode(p).__class__ is RecordsFrame]
    assert pushed  # passed on as they came, in a push


def test_records_kept_for_a_later_trust_are_bounded() -> None:
    # Whoever sends them: only the last MAX_UNTRUSTED are kept to be judged again.
    signers = [Signer(60 + k) for k in range(13)]
    keys = {s.origin: s.public_key for s in signers}
    trusted = False

    def trust(origin: int, _seq: int) -> bytes | None:
        return keys.get(origin) if trusted else None

    e = SyncEngine(lambda _origin: None, random.Random(1), trust=trust, node_id=0x10)
    e.handle_timer(0.0)
    recs = [r for s in signers for r in offers(s, 8)]
    assert len(recs) > MAX_UNTRUSTED
    for i, rec in enumerate(recs):
        e.receive(encode(RecordsFrame((rec.raw,))), 0x20 + i, 1.0 + i)
    trusted = True
    e.trust_changed(500.0)
    held = [r for r in recs if e.holds(r.record_id)]
    assert held == recs[-MAX_UNTRUSTED:]


def test_a_repair_a_neighbour_asked_for_too_is_passed_on() -> None:
    # In a line A - B - C, C asked for what B lacks as well; B asks A, and the answer it
    # gets goes on to C as a push, instead of C waiting for its own retries.
    recs = offers(Signer(101), 6)
    for overheard in (True, False):
        b = SyncEngine(KEYS.get, random.Random(3), node_id=0x11)
        b.load([recs[0], recs[1], recs[3], recs[5]])  # lacks seqs 3 and 5
        b.handle_timer(0.0)
        if overheard:
            asked = RequestFrame((SeqRange(A.origin, 3, 1),))
            b.receive(encode(asked), 0x12, 1.0)
        sent = run_until(b, 1.0, 40.0)
        assert any(isinstance(decode(p), RequestFrame) for _, p in sent)
        b.receive(encode(RecordsFrame((recs[2].raw,), relay=False)), 0x10, 41.0)
        later = run_until(b, 41.0, 200.0)
        relayed = [r for _, p in later if isinstance(f := decode(p), RecordsFrame) and f.relay
                   for r in f.records]
        assert (recs[2].raw in relayed) == overheard


def test_an_unanswered_request_is_asked_again_soon_among_few_neighbours() -> None:
    # Two neighbours contend for at most 4 s: a lost request or answer is asked again
    # after 13 s, not the 30 s that a crowd of 15 neighbours needs.
    recs = offers(A, 6)
    b = SyncEngine(KEYS.get, random.Random(3), node_id=0x11)
    b.load(recs[:2] + recs[3:])
    b.handle_timer(0.0)
    b.receive(encode(frames.DigestFrame(b"\0\0\0\0", 6)), 0x10, 0.5)
    times = [t for t, p in run_until(b, 0.5, 60.0) if isinstance(decode(p), RequestFrame)]
    assert len(times) >= 2
    assert times[1] - times[0] <= 20.0


def test_requests_stay_within_their_share_of_the_hour() -> None:
    # A node that lacks much and hears no answer asks again and again: its requests use
    # at most request_share of the budget in any hour, leaving the rest to answers.
    cfg = SyncConfig()
    b = SyncEngine(lambda _origin: A.public_key, random.Random(4), cfg, node_id=0x11)
    b.handle_timer(0.0)
    sent: list[tuple[float, bytes]] = []
    step = 18.0
    for i in range(400):  # every 18 s a digest names new seqs of eight more origins
        entries = tuple(frames.DigestEntry(0x5000 + i * 8 + k, 50) for k in range(8))
        now = 1.0 + i * step
        b.receive(encode(frames.DigestFrame(b"\1\1\1\1", 100_000, entries)), 0x20 + i % 4, now)
        sent += run_until(b, now, now + step - 0.01)
    requests = [(t, b._ctx.airtime(len(p))) for t, p in sent
                if isinstance(decode(p), RequestFrame)]
    cap = cfg.request_share * cfg.budget_seconds
    for start, _ in requests:
        in_hour = sum(a for t, a in requests if start <= t < start + 3600.0)
        assert in_hour <= cap + 1e-6
    assert sum(a for _, a in requests) > cap  # it did ask, hour after hour
