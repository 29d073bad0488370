"""What the sync engine needs from the store when a node starts, and keeps in it.

At start: every record with the minute this node first stored it (so expiry after a
restart is counted from when the record really arrived, not from the restart), and the
seq runs the engine counted as held (pruned or reported pruned), so nobody is asked for
them again. The engine's known runs are written back after each prune.

Records are loaded with ``decode_stored``: bytes this store accepted once are parsed, not
checked again, and their texts stay packed (the engine never reads them), so a store of
100,000 entries loads in a second or two instead of the best part of a minute. While a
load makes its hundreds of thousands of long-lived objects, none of which refer to each
other in cycles, Python's cyclic garbage collector is kept off (``bulk_load``): it would
otherwise walk them all again and again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from meshaid.node.store.board import BoardStore
from meshaid.node.store.merging import bulk_load
from meshaid.protocol.record import RecordId, SignedRecord, decode_stored

__all__ = ["Runs", "SyncState", "bulk_load", "keep_known_runs", "load_sync_state",
           "store_summary"]

Runs = Mapping[int, Sequence[tuple[int, int]]]
# Rows fetched from SQLite at a time while loading.
_BATCH = 4096


@dataclass(frozen=True)
class SyncState:
    records: list[SignedRecord]
    first_seen: dict[RecordId, int]
    known: dict[int, list[tuple[int, int]]]


def load_sync_state(store: BoardStore) -> SyncState:
    records: list[SignedRecord] = []
    first_seen: dict[RecordId, int] = {}
    known: dict[int, list[tuple[int, int]]] = {}
    with store.reading() as conn, bulk_load():
        cur = conn.execute("SELECT raw, first_seen FROM records ORDER BY origin, seq")
        while rows := cur.fetchmany(_BATCH):
            for raw, seen in rows:
                rec = decode_stored(raw)
                records.append(rec)
                first_seen[rec.record_id] = seen
        runs = conn.execute(
            'SELECT origin, "first", "last" FROM known_runs ORDER BY origin, "first"'
        ).fetchall()
        for origin, first, last in runs:
            known.setdefault(origin, []).append((first, last))
    return SyncState(records, first_seen, known)


def keep_known_runs(store: BoardStore, runs: Runs) -> None:
    """Replace the kept runs with ``runs`` (one small transaction: a few runs an origin)."""
    with store.writing() as cur:
        cur.execute("DELETE FROM known_runs")
        cur.executemany(
            'INSERT INTO known_runs (origin, "first", "last") VALUES (?, ?, ?)',
            [(origin, first, last) for origin, spans in runs.items() for first, last in spans],
        )


def store_summary(store: BoardStore) -> dict[int, tuple[int, int]]:
    """Per origin: (records held, highest seq)."""
    with store.reading() as conn:
        rows = conn.execute(
            "SELECT origin, count(*), max(seq) FROM records GROUP BY origin"
        ).fetchall()
    return {int(origin): (int(count), int(top)) for origin, count, top in rows}
