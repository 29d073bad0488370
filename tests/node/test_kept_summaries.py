"""The store keeps each record's engine summary (``records.held``, migration 0008): a
daemon loads exactly what it would load by summarising every record itself."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from alembic import command

from meshaid.node.store.database import alembic_config
from meshaid.node.store.sync_state import load_sync_state
from meshaid.protocol.record import Category, Kind, Status, Urgency
from meshaid.sync.held_records import KEPT_BYTES, KEPT_VERSION
from recordgen import SIGNERS

CREATED = 1_545_000


def board(make_store: Any) -> Any:
    store = make_store()
    a, b, c = SIGNERS[:3]
    records = []
    for i, signer in enumerate((a, b, c) * 4):
        kind = (Kind.NEED, Kind.OFFER, Kind.ALERT, Kind.TRADE)[i % 4]
        records.append(signer.create(f"tarp {i}", kind=kind, category=Category.SHELTER,
                                     created=CREATED + i, urgency=Urgency(i % 4),
                                     zone_id=i % 3, lifetime=(0, 3 * 1440)[i % 2],
                                     when=CREATED + 2000 if kind == Kind.TRADE else 0))
    records.append(a.change(records[0], 1, status=Status.FULFILLED, created=CREATED + 50))
    records.append(b.change(records[1], 2, text="two tarps", created=CREATED + 60))
    store.apply_all(records)
    return store


def loaded(store: Any) -> dict[int, dict[int, bytes]]:
    state = load_sync_state(store)
    return {o: dict(by_seq) for o, by_seq in state.records.by_origin.items()}


def test_kept_summaries_load_as_summaries_made_from_the_records(make_store: Any) -> None:
    store = board(make_store)
    with sqlite3.connect(store.path) as conn:
        kept = conn.execute("SELECT held FROM records").fetchall()
    assert kept and all(len(k) == KEPT_BYTES and k[:1] == KEPT_VERSION for (k,) in kept)
    from_kept = loaded(store)
    with sqlite3.connect(store.path) as conn:
        conn.execute("UPDATE records SET held = NULL WHERE seq % 2 = 0")
    assert loaded(store) == from_kept
    # A summary kept under another layout is made again from the record.
    with sqlite3.connect(store.path) as conn:
        conn.execute("UPDATE records SET held = CAST(x'7f' || substr(held, 2) AS BLOB)"
                     " WHERE held IS NOT NULL")
    assert loaded(store) == from_kept


def test_a_store_from_before_0008_gets_its_summaries(make_store: Any, tmp_path: Path) -> None:
    store = board(make_store)
    before = loaded(store)
    command.downgrade(alembic_config(store.db), "0007")
    with sqlite3.connect(store.path) as conn:
        assert "held" not in {row[1] for row in conn.execute("PRAGMA table_info(records)")}
    store.close()
    again = make_store()  # the same file: opening it migrates it to the newest revision
    assert again.path == store.path
    assert loaded(again) == before
    with sqlite3.connect(again.path) as conn:
        assert conn.execute("SELECT count(*) FROM records WHERE held IS NULL").fetchone() == (0,)
