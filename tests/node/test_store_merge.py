"""The store's merge is the CRDT join: order, batching and duplicates do not matter, and
it agrees with meshaid.sync.merge.Board."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from meshaid.node.store.board import BoardStore
from meshaid.node.store.database import read_session
from meshaid.node.store.models import EntryRow, EvidenceRow, RecordRow
from meshaid.protocol.record import Category, Kind, RecordBody, SignedRecord, Status, sign
from meshaid.sync.merge import Board
from recordgen import SIGNERS, Signer

TEXTS = ["2 bags rice", "need a tarp", "insulin cooler", "ride to clinic tue", "tengo ropa"]
PEERS = SIGNERS[:3]
CREATED = 1_545_000  # on-air minutes, late 2026


def signed(
    signer: Signer,
    seq: int,
    *,
    entry_seq: int = 0,
    version: int = 0,
    status: Status = Status.OPEN,
    text: str = "2 bags rice",
    kind: Kind = Kind.NEED,
    entry_origin: int = 0,
) -> SignedRecord:
    """A record with an explicit seq (equivocations need two with the same one)."""
    body = RecordBody(
        origin=signer.origin,
        seq=seq,
        kind=kind,
        category=Category.FOOD,
        text=text,
        created=CREATED,
        entry_seq=entry_seq,
        version=version,
        status=status,
        entry_origin=entry_origin,
    )
    return sign(body, signer.key)


def dump(store: BoardStore) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the merged tables, in a canonical order."""
    with read_session(store.db) as s:
        entries = [
            tuple(getattr(row, col.key) for col in EntryRow.__table__.columns)
            for row in s.scalars(select(EntryRow).order_by(EntryRow.origin, EntryRow.seq))
        ]
        records = [
            tuple(getattr(row, col.key) for col in RecordRow.__table__.columns)
            for row in s.scalars(select(RecordRow).order_by(RecordRow.origin, RecordRow.seq))
        ]
        evidence = sorted(
            (row.origin, row.seq, row.digest, row.raw) for row in s.scalars(select(EvidenceRow))
        )
    return {"entries": entries, "records": records, "evidence": evidence}


@st.composite
def record_sets(draw: st.DrawFn) -> list[SignedRecord]:
    """Records of three origins: creates, edits at any version (stale ones too), status
    changes incl. withdrawals, some equivocations and some changes of others' entries."""
    records: list[SignedRecord] = []
    created: dict[int, list[int]] = {}
    for key in PEERS:
        origin = key.origin
        mine: list[int] = created.setdefault(origin, [])
        for seq in range(1, draw(st.integers(0, 6)) + 1):
            for _copy in range(1 + (draw(st.integers(0, 7)) == 0)):  # 1 in 8: equivocate
                text = draw(st.sampled_from(TEXTS))
                if not mine or draw(st.integers(0, 2)) == 0:
                    records.append(signed(key, seq, text=text, kind=draw(st.sampled_from(Kind))))
                    mine.append(seq)
                else:
                    records.append(
                        signed(
                            key,
                            seq,
                            entry_seq=draw(st.sampled_from(mine)),
                            version=draw(st.integers(1, 4)),
                            status=draw(st.sampled_from(Status)),
                            text=text,
                        )
                    )
    others = [(o, s) for o, seqs in created.items() for s in seqs]
    if others and draw(st.booleans()):
        owner, eseq = draw(st.sampled_from(others))
        intruder = PEERS[0] if owner != PEERS[0].origin else PEERS[1]
        records.append(
            signed(
                intruder, 99, entry_seq=eseq, entry_origin=owner, version=9, status=Status.WITHDRAWN
            )
        )
    return records


@st.composite
def deliveries(draw: st.DrawFn, records: list[SignedRecord]) -> list[SignedRecord]:
    """The records in some order, some of them more than once."""
    extra = draw(st.lists(st.sampled_from(records), max_size=6)) if records else []
    return draw(st.permutations(records + extra))


@pytest.mark.slow  # about 8 s of CPU: two SQLite stores per example
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_order_with_duplicates_gives_the_same_board(
    new_store: Any, data: st.DataObject
) -> None:
    records = data.draw(record_sets())
    first = data.draw(deliveries(records))
    second = data.draw(deliveries(records))
    third = data.draw(deliveries(records))
    cuts = sorted(data.draw(st.lists(st.integers(0, len(second)), max_size=4)))
    batches = [second[i:j] for i, j in zip([0, *cuts], [*cuts, len(second)], strict=True)]
    with tempfile.TemporaryDirectory() as tmp:
        a = new_store(Path(tmp) / "a.sqlite3")
        b = new_store(Path(tmp) / "b.sqlite3")
        try:
            a.apply_all(first)  # one transaction
            for batch in batches:  # several
                b.apply_all(batch)
            dump_a, dump_b = dump(a), dump(b)
        finally:
            a.close()
            b.close()
    assert dump_a == dump_b

    board = Board()
    board.apply_all(third)
    by_entry = {(row[0], row[1]): row for row in dump_a["entries"]}  # (origin, seq) -> entry row
    cols = [c.key for c in EntryRow.__table__.columns]
    assert set(by_entry) == {tuple(eid) for eid in board.entries}
    for eid, state in board.entries.items():
        row = dict(zip(cols, by_entry[tuple(eid)], strict=True))
        assert (row["content_origin"], row["content_seq"]) == tuple(state.content.record_id)
        assert (row["status_origin"], row["status_seq"]) == tuple(state.status_record.record_id)
        assert row["status"] == int(state.status)
        assert row["version"] == state.version
        assert row["text"] == state.content.body.text
    stored = {(r[0], r[1]): r[2] for r in dump_a["records"]}  # (origin, seq) -> raw
    assert stored == {tuple(rid): rec.raw for rid, rec in board.records.items()}
    evidence = {(o, s, raw) for o, s, _digest, raw in dump_a["evidence"]}
    assert evidence == {
        (rid.origin, rid.seq, raw) for rid, raws in board.evidence.items() for raw in raws
    }


def test_withdrawn_entry_is_not_resurrected_by_older_records(make_store: Any) -> None:
    peer = PEERS[0]
    create = signed(peer, 1, text="ride to clinic tue")
    edit = signed(peer, 2, entry_seq=1, version=1, text="ride to clinic wed")
    withdraw = signed(
        peer, 3, entry_seq=1, version=2, status=Status.WITHDRAWN, text="ride to clinic wed"
    )
    reopen = signed(peer, 4, entry_seq=1, version=3, status=Status.OPEN, text="ride again")
    store = make_store()
    assert [r.outcome for r in store.apply_all([withdraw, create])] == ["new", "new"]
    # The node that was away comes back with the older versions.
    assert store.apply(edit).outcome == "new"
    assert store.apply(create).outcome == "duplicate"
    row = store.entry(withdraw.entry_id)
    assert row is not None
    assert row.status == Status.WITHDRAWN
    assert row.text == "ride to clinic wed"
    assert (row.status_origin, row.status_seq) == tuple(withdraw.record_id)
    # A later open record changes the text but cannot reopen it: status only moves forward.
    store.apply(reopen)
    row = store.entry(withdraw.entry_id)
    assert row is not None
    assert (row.status, row.text, row.version) == (Status.WITHDRAWN, "ride again", 3)


def test_equivocation_keeps_evidence_and_the_lower_digest(make_store: Any) -> None:
    peer = PEERS[1]
    one = signed(peer, 5, text="2 bags rice")
    two = signed(peer, 5, text="20 bags rice")
    low, high = sorted([one, two], key=lambda r: r.digest)
    for order in ([one, two], [two, one]):
        store = make_store(f"eq{order[0].digest.hex()[:6]}.sqlite3")
        results = [store.apply(rec).outcome for rec in order]
        assert results == ["new", "equivocation"]
        # Hearing the loser again is still an equivocation; the winner is now a duplicate.
        assert store.apply(high).outcome == "equivocation"
        assert store.apply(low).outcome == "duplicate"
        row = store.entry(low.entry_id)
        assert row is not None and row.text == low.body.text
        with read_session(store.db) as s:
            kept = {r.raw for r in s.scalars(select(EvidenceRow))}
        assert kept == {low.raw, high.raw}
        assert store.counters()["records.equivocation"] == 2


def test_equivocation_moving_a_record_to_another_entry_rebuilds_both(make_store: Any) -> None:
    peer = PEERS[2]
    first = signed(peer, 1, text="tarp")
    # seq 2: either an edit of entry 1, or an entry of its own; the lower digest counts.
    as_edit = signed(peer, 2, entry_seq=1, version=1, status=Status.FULFILLED, text="tarp")
    as_create = signed(peer, 2, text="blankets")
    store = make_store()
    store.apply_all([first, as_edit, as_create])
    other = make_store("other.sqlite3")
    other.apply_all([as_create, first, as_edit])
    assert dump(store) == dump(other)
    winner = min(as_edit, as_create, key=lambda r: r.digest)
    if winner is as_edit:
        assert store.entry(as_create.entry_id) is None
        row = store.entry(first.entry_id)
        assert row is not None and row.status == Status.FULFILLED
    else:
        row = store.entry(first.entry_id)
        assert row is not None and row.status == Status.OPEN
        assert store.entry(as_create.entry_id) is not None


def test_records_from_unknown_or_forged_origins_are_rejected_and_counted(
    make_store: Any,
) -> None:
    store = make_store(peers=2)  # knows PEERS[0], PEERS[1] and its own key, not PEERS[2]
    stranger = signed(PEERS[2], 1)
    result = store.apply(stranger)
    assert not result.accepted
    assert result.outcome == "unknown_origin"
    assert result.reason == f"unknown origin {PEERS[2].origin:08x}"

    good = signed(PEERS[0], 1)
    forged = good.raw[:-1] + bytes([good.raw[-1] ^ 1])
    result = store.apply(forged)
    assert (result.outcome, result.reason) == ("bad_signature", "bad signature")

    result = store.apply(b"\x01" + b"\x00" * 70)
    assert result.outcome == "malformed" and result.record_id is None

    # A known node changing an entry it does not own.
    takeover = signed(
        PEERS[1],
        7,
        entry_seq=1,
        entry_origin=PEERS[0].origin,
        version=1,
        status=Status.WITHDRAWN,
    )
    assert store.apply(takeover).outcome == "unauthorised"

    assert store.apply(good).outcome == "new"
    assert store.counters() == {
        "records.unknown_origin": 1,
        "records.bad_signature": 1,
        "records.malformed": 1,
        "records.unauthorised": 1,
        "records.new": 1,
    }
    assert [r.raw for r in store.records_of(PEERS[0].origin)] == [good.raw]
    assert store.records_of(PEERS[1].origin) == []
    assert store.records_of(PEERS[2].origin) == []


def test_same_version_and_status_converge_whatever_the_order(make_store: Any) -> None:
    # Two changes with equal version and status (an owner restored from an old backup
    # makes this): every node must pick the same record, or their state hashes differ.
    peer = PEERS[0]
    create = signed(peer, 1, text="tarp")
    one = signed(peer, 2, entry_seq=1, version=1, status=Status.MATCHED, text="tarp, blue")
    two = signed(peer, 3, entry_seq=1, version=1, status=Status.MATCHED, text="tarp, green")
    a = make_store("a.sqlite3")
    a.apply_all([create, one, two])
    b = make_store("b.sqlite3")
    b.apply_all([create, two, one])
    assert dump(a) == dump(b)
