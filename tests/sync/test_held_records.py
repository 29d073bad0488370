"""Compact holdings: a store's rows loaded in one go hold what loading the same records one
at a time holds, and the bytes kept for each record give back that record."""

from __future__ import annotations

import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from meshaid.protocol.record import (
    Kind,
    RecordBody,
    RecordId,
    SignedRecord,
    Status,
    Urgency,
    decode,
    decode_stored,
    sign,
)
from meshaid.sync.held_records import (
    SUMMARY_BYTES,
    HeldRecords,
    StoredRecords,
    expiry_minutes,
    leading_id,
)
from meshaid.sync.holdings import Holdings
from meshaid.sync.lifetime import MAX_LIFETIME, expires_at
from meshaid.sync.priority import is_alert, send_rank
from recordgen import Signer, bodies

DAY = 24 * 60
BASE = 1_500_000


Row = tuple[int, int, bytes, int, int, int, int, int]


def _rows(records: list[SignedRecord], seen: dict[Any, int], order: random.Random) -> list[Row]:
    """The rows a store's records table has for ``records``, in the table's own order."""
    rows = [(r.body.origin, r.body.seq, r.raw, seen[r.record_id], r.entry_id.origin,
             r.entry_id.seq, r.body.version, int(r.body.status)) for r in records]
    order.shuffle(rows)
    return rows


def _stored(rows: list[Row]) -> StoredRecords:
    stored = StoredRecords()
    for i in range(0, len(rows), 7):  # batches, as the store reads them
        stored.add(rows[i : i + 7])
    return stored


def _snapshot(held: Holdings) -> dict[str, object]:
    limits = held.limits
    records = list(held)
    return {
        "records": [r.raw for r in records],
        "newest": [held.is_newest(r) for r in records],
        "known": held.known_runs(),
        "hash": held.vector.digest_hash(),
        "total": held.vector.total,
        "latest": {o: held.latest(o) for o in held.origins()},
        "clock": held.clock,
        "times": {k: list(v) for k, v in limits._times.items()},
        "seqs": {k: list(v) for k, v in limits._seqs.items()},
        "counts": (dict(limits._created), dict(limits._per_entry), dict(limits._control),
                   set(limits._demoted)),
    }


@st.composite
def workloads(draw: st.DrawFn) -> tuple[list[SignedRecord], dict[Any, int], int]:
    """Records of a few origins (new entries, alerts, trades, changes, gaps in seqs, clocks
    near the epoch or far behind), the minute each was first seen, and a seed."""
    records: list[SignedRecord] = []
    for n in range(draw(st.integers(1, 3))):
        signer = Signer(40 + n)
        made: list[SignedRecord] = []
        for _ in range(draw(st.integers(1, 30))):
            signer.seq += draw(st.sampled_from([0, 0, 0, 1, 5]))  # a gap now and then
            created = draw(st.sampled_from([BASE, BASE + 30, BASE - 200 * DAY, 100]))
            created += draw(st.integers(0, 600))
            change = draw(st.booleans())
            if made and change:
                entry = draw(st.sampled_from(made))
                version = draw(st.integers(1, 4))
                status = draw(st.sampled_from(Status))
                urgency = draw(st.sampled_from(Urgency))
                records.append(signer.change(entry, version, status=status, urgency=urgency,
                                             zone_id=draw(st.integers(0, 3))))
            else:
                kind = draw(st.sampled_from(Kind))
                lifetime = draw(st.sampled_from([0, 0, DAY, 100 * DAY]))
                when = draw(st.sampled_from([0, created + DAY]))
                rec = signer.create("soup", kind=kind, created=created, lifetime=lifetime,
                                    when=when, urgency=draw(st.sampled_from(Urgency)),
                                    zone_id=draw(st.integers(0, 3)))
                made.append(rec)
                records.append(rec)
    seen = {r.record_id: BASE + draw(st.integers(-5, 3 * DAY)) for r in records}
    return records, seen, draw(st.integers(0, 2**32))


@settings(max_examples=60, deadline=None)
@given(workloads())
def test_a_store_loaded_in_one_go_holds_what_loading_record_by_record_holds(
    workload: tuple[list[SignedRecord], dict[Any, int], int],
) -> None:
    records, seen, seed = workload
    one_by_one = Holdings(prune_margin_minutes=60)
    one_by_one.load(sorted(records, key=lambda r: r.record_id), first_seen=seen)
    stored = _stored(_rows(records, seen, random.Random(seed)))
    at_once = Holdings(prune_margin_minutes=60)
    at_once.load(stored, first_seen=stored.first_seen)
    assert _snapshot(at_once) == _snapshot(one_by_one)
    for rec in records:
        held = at_once.get(rec.record_id)
        assert held is not None and held == one_by_one.get(rec.record_id)
        assert at_once.id_of(rec.raw) == one_by_one.id_of(rec.raw) == rec.record_id
        # Made from its summary: what ranking reads first, then the rest from the bytes.
        assert send_rank(held.body, at_once.is_newest(held)) == send_rank(
            decode_stored(rec.raw).body, one_by_one.is_newest(rec))
        assert is_alert(held.body) == is_alert(rec.body) and held.entry_id == rec.entry_id
        # Ranked from the summary alone, as the engine ranks the record (context.py).
        demoted = at_once.limits.demoted(rec.record_id)
        for zones in ((), (1, 3)):
            assert at_once.rank_of(*rec.record_id, zones) == send_rank(
                rec.body, one_by_one.is_newest(rec), rec.body.zone_id in zones, demoted)
        assert held.body == rec.body and held.body.text == rec.body.text and held.matches_raw
    # The same verdicts on what comes next, and the same records pruned as time goes on.
    probe = Signer(40)
    probe.seq = 100
    for kind in (Kind.OFFER, Kind.ALERT):
        rec = probe.create("more", kind=kind, created=BASE + 700)
        assert at_once.limits.judge(rec) == one_by_one.limits.judge(rec)
    for wall in (BASE, BASE + 2 * DAY, BASE + 40 * DAY, BASE + 200 * DAY):
        assert at_once.prune(wall) == one_by_one.prune(wall)
        assert _snapshot(at_once) == _snapshot(one_by_one)


@settings(max_examples=200, deadline=None)
@given(bodies(), st.integers(0, 2 * MAX_LIFETIME + 40_000_000))
def test_expiry_from_the_summary_fields_is_lifetime_expires_at(
    body: RecordBody, first_seen: int
) -> None:
    right, unsure = expiry_minutes(bool(body.control), body.kind, body.lifetime, body.when,
                                   body.created, first_seen)
    assert right == expires_at(body, first_seen, clock_ahead=False)
    assert unsure == expires_at(body, first_seen, clock_ahead=True)


@settings(max_examples=100, deadline=None)
@given(bodies())
def test_the_leading_bytes_of_a_record_name_its_origin_and_seq(body: RecordBody) -> None:
    signer = Signer(9)
    rec = sign(_own(body, signer), signer.key)
    assert leading_id(rec.raw) == tuple(rec.record_id)
    assert decode(rec.raw).record_id == rec.record_id


def _own(body: RecordBody, signer: Signer) -> RecordBody:
    values = {name: getattr(body, name) for name in (
        "seq", "kind", "category", "text", "created", "entry_seq", "version", "community",
        "zone_id", "zone_name", "lifetime", "urgency", "when", "status", "ref")}
    return RecordBody(origin=signer.origin, **values)


def test_only_the_exact_bytes_of_a_held_record_are_recognised() -> None:
    signer = Signer(11)
    rec = signer.create("water at the school")
    held = HeldRecords()
    held.put(rec, b"\0" * SUMMARY_BYTES)
    assert held.id_of(rec.raw) == rec.record_id
    forged = rec.raw[:-1] + bytes([rec.raw[-1] ^ 1])
    assert held.id_of(forged) is None
    assert held.id_of(rec.raw + b"\0") is None
    assert held.id_of(b"\x01\x0d") is None


def test_a_record_given_is_handed_out_as_itself_while_it_is_in_use() -> None:
    signer = Signer(12)
    rec = signer.create("blankets", urgency=Urgency.HIGH, zone_id=2)
    held = Holdings(prune_margin_minutes=0)
    held.store(rec, first_seen=BASE)
    assert held.get(rec.record_id) is rec
    del rec
    again = held.get(RecordId(signer.origin, 1))  # made from the summary: equal, not the same
    assert again is not None and again.matches_raw and again.body.urgency == Urgency.HIGH
    assert again == decode(again.raw) and again.body == decode(again.raw).body
    assert again.body.text == "blankets"


def test_a_record_put_together_by_hand_is_kept_as_given() -> None:
    signer = Signer(13)
    real = signer.create("bread")
    other = signer.create("milk")
    odd = SignedRecord(other.raw, real.body)  # bytes of one record, body of another
    held = HeldRecords()
    held.put(odd, b"\0" * SUMMARY_BYTES)
    assert held.get(*real.record_id) is odd
    assert held.id_of(other.raw) == real.record_id
    assert held.pop(*real.record_id) is odd
    assert held.id_of(other.raw) is None and held.get(*real.record_id) is None


def test_the_stored_records_leave_out_this_nodes_unannounced_ones() -> None:
    mine, theirs = Signer(14), Signer(15)
    records = [mine.create("a"), mine.create("b"), mine.create("c"), theirs.create("d")]
    seen = {r.record_id: BASE for r in records}
    stored = _stored(_rows(records, seen, random.Random(1)))
    kept = stored.without(mine.origin, 2)
    assert [r.raw for r in kept] == sorted(
        [records[0].raw, records[3].raw], key=lambda raw: leading_id(raw) or (0, 0))
    assert len(kept) == 2 and kept.first_seen is stored.first_seen
    assert stored.first_seen[records[2].record_id] == BASE


@settings(max_examples=60, deadline=None)
@given(workloads())
def test_pruning_releases_from_summaries_as_releasing_the_records_would(
    workload: tuple[list[SignedRecord], dict[Any, int], int],
) -> None:
    # Holdings.prune releases what it prunes from the summaries, making no record: the
    # limits end as releasing the records themselves leaves them.
    records, seen, _seed = workload
    pruned, by_record = Holdings(prune_margin_minutes=60), Holdings(prune_margin_minutes=60)
    for held in (pruned, by_record):
        held.load(sorted(records, key=lambda r: r.record_id), first_seen=seen)
    for wall in (BASE + 2 * DAY, BASE + 40 * DAY, BASE + 200 * DAY):
        for rid in pruned.prune(wall):
            rec = by_record.get(rid)
            assert rec is not None
            by_record.limits.released(rec)
        for key in ("counts", "times", "seqs"):
            assert _snapshot(pruned)[key] == _snapshot(by_record)[key]
