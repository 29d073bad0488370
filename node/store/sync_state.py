"""What the sync engine needs from the store when a node starts, and keeps in it.

At start: every record with the minute this node first stored it (so expiry after a
restart is counted from when the record really arrived, not from the restart), and the
seq runs the engine counted as held (pruned or reported pruned), so nobody is asked for
them again. The engine's known runs are written back after each prune.

Records go to the engine as the store holds them (``StoredRecords``): each row's id,
entry, version and status from its columns, its bytes, and the few fields the engine needs of
the rest, made into the compact form the engine holds records in (sync/held_records.py)
a batch of rows at a time. Bytes this store accepted once are not checked again, and no
record object is made until one is asked for. The rows are read in the table's own order
(the engine sorts them an origin at a time), which costs a fraction of walking the
primary key's index. While a load makes its hundreds of thousands of long-lived objects,
none of which refer to each other in cycles, Python's cyclic garbage collector is kept
off (``bulk_load``): it would otherwise walk them all again and again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from meshaid.node.store.board import BoardStore
from meshaid.node.store.merging import bulk_load
from meshaid.protocol.record import RecordId
from meshaid.sync.held_records import StoredRecords

__all__ = ["Runs", "SyncState", "bulk_load", "keep_known_runs", "load_sync_state",
           "store_summary"]

Runs = Mapping[int, Sequence[tuple[int, int]]]
# Rows fetched from SQLite at a time while loading.
_BATCH = 4096


@dataclass(frozen=True)
class SyncState:
    records: StoredRecords
    first_seen: Mapping[RecordId, int]
    known: dict[int, list[tuple[int, int]]]


def load_sync_state(store: BoardStore) -> SyncState:
    records = StoredRecords()
    known: dict[int, list[tuple[int, int]]] = {}
    with store.reading() as conn, bulk_load():
        # The summaries the store kept (records.held, migration 0008) are taken as they
        # are; a row without one is summarised from its fields and bytes.
        cur = conn.execute("SELECT origin, seq, held, raw, first_seen, entry_origin, "
                           "entry_seq, version, status FROM records")
        while batch := cur.fetchmany(_BATCH):
            left = records.add_kept(batch)
            if left:
                records.add([(batch[i][0], batch[i][1], *batch[i][3:]) for i in left])
        runs = conn.execute(
            'SELECT origin, "first", "last" FROM known_runs ORDER BY origin, "first"'
        ).fetchall()
        for origin, first, last in runs:
            known.setdefault(origin, []).append((first, last))
    return SyncState(records, records.first_seen, known)


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
