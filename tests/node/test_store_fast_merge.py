"""The batched merge and the quick load give what decoding and verifying everything gave:
the same tables whatever the batches and whatever form the records come in, the same
board as meshaid.sync.merge.Board, nothing verified twice and nothing believed unverified."""

from __future__ import annotations

import sqlite3
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meshaid.node.store.sync_state import load_sync_state
from meshaid.protocol import record as record_module
from meshaid.protocol.record import (
    Category,
    Kind,
    RecordBody,
    SignedRecord,
    Status,
    decode,
    decode_stored,
    sign,
)
from meshaid.sync.merge import Board
from recordgen import SIGNERS, Signer, bodies

PEERS = SIGNERS[:3]
CREATED = 1_545_000


def signed(signer: Signer, seq: int, **fields: Any) -> SignedRecord:
    values: dict[str, Any] = {"kind": Kind.NEED, "category": Category.FOOD,
                              "text": "2 bags rice", "created": CREATED}
    values.update(fields)
    return sign(RecordBody(origin=signer.origin, seq=seq, **values), signer.key)


def tables(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the merged tables, read with plain sqlite3, in a canonical order."""
    conn = sqlite3.connect(path)
    try:
        return {
            "entries": conn.execute("SELECT * FROM entries ORDER BY origin, seq").fetchall(),
            "records": conn.execute("SELECT * FROM records ORDER BY origin, seq").fetchall(),
            "evidence": conn.execute(
                "SELECT origin, seq, digest, raw, first_seen FROM evidence ORDER BY 1, 2, 3"
            ).fetchall(),
            "counters": conn.execute("SELECT * FROM counters ORDER BY name").fetchall(),
        }
    finally:
        conn.close()


@st.composite
def histories(draw: st.DrawFn) -> list[SignedRecord]:
    """Creates, edits and closes of three origins, with equivocations (two records for one
    seq), a change of someone else's entry, and a control record."""
    records: list[SignedRecord] = []
    for signer in PEERS:
        created: list[int] = []
        for seq in range(1, draw(st.integers(1, 5)) + 1):
            for _copy in range(1 + (draw(st.integers(0, 5)) == 0)):
                text = draw(st.sampled_from(["tarp", "niños", "ride to clinic", "agua"]))
                if not created or draw(st.booleans()):
                    records.append(signed(signer, seq, text=text))
                    created.append(seq)
                else:
                    records.append(signed(
                        signer, seq, entry_seq=draw(st.sampled_from(created)),
                        version=draw(st.integers(1, 3)), status=draw(st.sampled_from(Status)),
                        text=text,
                    ))
    records.append(signed(PEERS[1], 50, entry_seq=1, entry_origin=PEERS[0].origin, version=5,
                          status=Status.WITHDRAWN))
    records.append(signed(PEERS[2], 60, text="", control=b"\x08\x01"))
    return records


def engine_made(records: list[SignedRecord]) -> list[SignedRecord]:
    """The records as the sync engine hands them over: decoded from bytes and verified."""
    keys = {s.origin: s.public_key for s in SIGNERS}
    out = [decode(r.raw) for r in records]
    for rec in out:
        rec.verify(keys[rec.body.origin])
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_batches_and_forms_give_the_tables_and_the_board_of_one_by_one(
    new_store: Any, data: st.DataObject
) -> None:
    records = data.draw(histories())
    order = data.draw(st.permutations(records + data.draw(st.lists(st.sampled_from(records),
                                                                     max_size=4))))
    cuts = sorted(data.draw(st.lists(st.integers(0, len(order)), max_size=3)))
    batches = [order[i:j] for i, j in zip([0, *cuts], [*cuts, len(order)], strict=True)]
    with tempfile.TemporaryDirectory() as tmp:
        paths = [Path(tmp) / f"{name}.sqlite3" for name in ("bytes", "engine", "stored")]
        stores = [new_store(path) for path in paths]
        try:
            one, engine, stored = stores
            outcomes = [one.apply(rec.raw).outcome for rec in order]  # bytes, one by one
            by_engine = [r.outcome for batch in batches for r in engine.apply_all(
                engine_made(batch))]
            by_stored = [r.outcome for r in stored.apply_all(
                decode_stored(rec.raw) for rec in order)]
        finally:
            for store in stores:
                store.close()
        dumps = [tables(path) for path in paths]
    assert outcomes == by_engine == by_stored
    assert dumps[0] == dumps[1] == dumps[2]
    board = Board()
    board.apply_all(order)
    entries = {(row[0], row[1]): row for row in dumps[0]["entries"]}
    assert set(entries) == {tuple(eid) for eid in board.entries}
    for eid, state in board.entries.items():
        row = entries[tuple(eid)]
        assert (row[8], row[14], row[15]) == (
            state.content.body.text, int(state.status), state.version)
        assert row[17:21] == (*state.content.record_id, *state.status_record.record_id)


_REAL_VERIFY_KEY = record_module.VerifyKey


class CountingVerifyKey:
    """nacl's VerifyKey, counting the signatures it checks."""

    calls = 0

    def __init__(self, key: bytes) -> None:
        self.key = _REAL_VERIFY_KEY(key)

    def verify(self, message: bytes, signature: bytes) -> Any:
        CountingVerifyKey.calls += 1
        return self.key.verify(message, signature)


def test_records_the_engine_verified_are_not_verified_again(make_store: Any,
                                                            monkeypatch: Any) -> None:
    store = make_store()
    records = [PEERS[0].create(f"blankets {i}") for i in range(5)]
    verified = engine_made(records[:3])
    monkeypatch.setattr(record_module, "VerifyKey", CountingVerifyKey)
    CountingVerifyKey.calls = 0
    assert [r.outcome for r in store.apply_all(verified)] == ["new"] * 3
    assert CountingVerifyKey.calls == 0
    assert [r.outcome for r in store.apply_all([r.raw for r in records[3:]])] == ["new"] * 2
    assert CountingVerifyKey.calls == 2


def test_a_record_put_together_by_hand_is_read_from_its_bytes(make_store: Any) -> None:
    store = make_store()
    good = PEERS[0].create("2 tarps")
    lying = SignedRecord(good.raw, replace(good.body, text="20 generators"))
    lying.verify(PEERS[0].public_key)  # the bytes are genuine; the body is not theirs
    assert store.apply(lying).outcome == "new"
    row = store.entry(good.entry_id)
    assert row is not None and row.text == "2 tarps"
    forged = decode(good.raw[:-1] + bytes([good.raw[-1] ^ 1]))
    assert store.apply(forged).outcome == "bad_signature"


def test_a_control_record_is_kept_and_makes_no_entry(make_store: Any) -> None:
    store = make_store()
    control = signed(PEERS[2], 1, text="", control=b"\x08\x01")
    assert store.apply(control).outcome == "new"
    assert store.entry(control.entry_id) is None
    assert [r.raw for r in store.records_of(PEERS[2].origin)] == [control.raw]


@settings(max_examples=150, deadline=None)
@given(bodies())
def test_a_stored_record_decodes_to_what_decode_gives(body: RecordBody) -> None:
    signer = SIGNERS[0]
    rec = sign(replace(body, origin=signer.origin), signer.key)
    full, quick = decode(rec.raw), decode_stored(rec.raw)
    assert quick.raw == rec.raw and quick.matches_raw and quick.verified_by is None
    assert (quick.record_id, quick.entry_id) == (full.record_id, full.entry_id)
    assert quick.body == full.body == rec.body  # the text is unpacked here, on first use
    assert quick.body.text == rec.body.text


def test_the_daemon_loads_every_record_as_decoding_it_would(make_store: Any) -> None:
    store = make_store()
    records = [PEERS[i % 3].create(f"rice {i}", created=CREATED + i) for i in range(30)]
    store.apply_all(records)
    state = load_sync_state(store)
    by_id = {r.record_id: r for r in records}
    assert [r.raw for r in state.records] == [
        by_id[rid].raw for rid in sorted(by_id)
    ]
    assert all(r.body == by_id[r.record_id].body for r in state.records)
    assert set(state.first_seen) == set(by_id)
