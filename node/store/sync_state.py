"""What the sync engine needs from the store when a node starts, and keeps in it.

At start: every record with the minute this node first stored it (so expiry after a
restart is counted from when the record really arrived, not from the restart), and the
seq runs the engine counted as held (pruned or reported pruned), so nobody is asked for
them again. The engine's known runs are written back after each prune.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, select

from meshaid.node.store.board import BoardStore
from meshaid.node.store.database import read_session, write_session
from meshaid.node.store.models import KnownRunRow, RecordRow
from meshaid.protocol.record import RecordId, SignedRecord, decode

Runs = Mapping[int, Sequence[tuple[int, int]]]


@dataclass(frozen=True)
class SyncState:
    records: list[SignedRecord]
    first_seen: dict[RecordId, int]
    known: dict[int, list[tuple[int, int]]]


def load_sync_state(store: BoardStore) -> SyncState:
    with read_session(store.db) as s:
        rows = s.execute(select(RecordRow.raw, RecordRow.first_seen)
                         .order_by(RecordRow.origin, RecordRow.seq)).all()
        runs = s.execute(select(KnownRunRow.origin, KnownRunRow.first, KnownRunRow.last)
                         .order_by(KnownRunRow.origin, KnownRunRow.first)).all()
    records: list[SignedRecord] = []
    first_seen: dict[RecordId, int] = {}
    for raw, seen in rows:
        rec = decode(raw)
        records.append(rec)
        first_seen[rec.record_id] = int(seen)
    known: dict[int, list[tuple[int, int]]] = {}
    for origin, first, last in runs:
        known.setdefault(int(origin), []).append((int(first), int(last)))
    return SyncState(records, first_seen, known)


def keep_known_runs(store: BoardStore, runs: Runs) -> None:
    """Replace the kept runs with ``runs`` (one small transaction: a few runs an origin)."""
    with write_session(store.db) as s:
        s.execute(delete(KnownRunRow))
        s.add_all(KnownRunRow(origin=origin, first=first, last=last)
                  for origin, spans in runs.items() for first, last in spans)


def store_summary(store: BoardStore) -> dict[int, tuple[int, int]]:
    """Per origin: (records held, highest seq)."""
    with read_session(store.db) as s:
        rows = s.execute(
            select(RecordRow.origin, func.count(), func.max(RecordRow.seq)).group_by(
                RecordRow.origin
            )
        ).all()
    return {int(origin): (int(count), int(top)) for origin, count, top in rows}
