"""The CRDT join of meshaid.sync.merge, done on the board's SQL rows a batch at a time.

``Merge`` takes verified records inside one write transaction and does what
meshaid.sync.merge.Board.apply does in memory, record by record in the order given: a
record id held with the same bytes is a duplicate; with other bytes an equivocation
(both kept as evidence, the lower digest counts, the entries concerned rebuilt); a new
record is stored and joined into its entry with ``join`` itself. A control record (about
the neighbourhood, not an entry) is stored and makes no entry, as in the Board. A match
record is joined into its row of ``matches``; the need and the offer a live match names
show as matched (``shown_status``): the entry rows' ``status`` column is what the board
shows, the entries' own status stays in their status records.

It is fast because of how it talks to SQLite, not because of a second set of rules: the
records and entry rows a batch needs are read with one query per origin, the entries'
held records are parsed without unpacking their texts (``decode_stored``), rows are
written with ``executemany`` when the batch ends (or before an equivocation, which runs
the slow, thorough way), and an entry whose content did not change has only its status
columns rewritten.
"""

from __future__ import annotations

import gc
import hashlib
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from meshaid.node.codes import entry_code
from meshaid.node.store.search import search_text
from meshaid.protocol.record import (
    EntryId,
    RecordId,
    SignedRecord,
    Status,
    decode,
    decode_stored,
)
from meshaid.sync.authority import Authorised, owner_only
from meshaid.sync.held_records import kept_summary
from meshaid.sync.lifetime import expires_at, lifetime_of
from meshaid.sync.merge import EntryState, Outcome, join, shown_status

# Columns of an entry row, in the order ``entry_row`` gives them ("when" is a keyword).
ENTRY_COLUMNS = (
    "origin", "seq", "code", "kind", "category", "community", "zone_id", "zone_name", "text",
    "urgency", "when", "created", "lifetime", "expires", "status", "version", "first_seen",
    "content_origin", "content_seq", "status_origin", "status_seq", "search_text",
    "status_seen",
)
_QUOTED = ", ".join(f'"{c}"' for c in ENTRY_COLUMNS)
_INSERT_ENTRY = f"INSERT INTO entries ({_QUOTED}) VALUES ({', '.join('?' * len(ENTRY_COLUMNS))})"
_UPDATE_ENTRY = (
    "UPDATE entries SET "
    + ", ".join(f'"{c}" = ?' for c in ENTRY_COLUMNS[2:])
    + " WHERE origin = ? AND seq = ?"
)
_UPDATE_STATUS = (
    "UPDATE entries SET status = ?, status_origin = ?, status_seq = ?, status_seen = ?, "
    "first_seen = ?, expires = ? WHERE origin = ? AND seq = ?"
)
_INSERT_RECORD = (
    "INSERT INTO records (origin, seq, raw, digest, entry_origin, entry_seq, version, status, "
    "first_seen, held) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_UPSERT_MATCH = (
    "INSERT INTO matches (origin, seq, code, need_origin, need_seq, offer_origin, offer_seq, "
    "text, status, version, created, first_seen, content_origin, content_seq, status_origin, "
    "status_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (origin, seq) DO UPDATE SET code = excluded.code, "
    "need_origin = excluded.need_origin, need_seq = excluded.need_seq, "
    "offer_origin = excluded.offer_origin, offer_seq = excluded.offer_seq, "
    "text = excluded.text, status = excluded.status, version = excluded.version, "
    "created = excluded.created, first_seen = excluded.first_seen, "
    "content_origin = excluded.content_origin, content_seq = excluded.content_seq, "
    "status_origin = excluded.status_origin, status_seq = excluded.status_seq"
)
_LIVE_MATCHES = (
    "SELECT need_origin, need_seq, offer_origin, offer_seq FROM matches WHERE status != ?"
)
_STATUS_COLUMN = ENTRY_COLUMNS.index("status")
# Seqs asked for in one query (SQLite allows at least 999 parameters).
CHUNK = 500


@dataclass(frozen=True)
class Held:
    """A stored record, as much of it as the merge needs."""

    raw: bytes
    digest: bytes
    entry_id: EntryId
    first_seen: int


@dataclass
class _Entry:
    state: EntryState
    first_seen: int
    stored: bool  # its row is in the table as it was last written
    content_changed: bool = False
    dirty: bool = False
    # When this node first stored the record that set the status (entries, not matches).
    status_seen: int = 0


@contextmanager
def bulk_load() -> Iterator[None]:
    """Python's cyclic garbage collector off for the block (as it was before, after it).

    Merging or loading thousands of records makes objects by the hundred thousand, none
    of which refer to each other in cycles; the collector, triggered by their number,
    would walk every object of the process again and again (a sixth of a merge's time).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def record_row(rec: SignedRecord, first_seen: int) -> tuple[object, ...]:
    """The row of ``records`` for ``rec`` (Merge.add writes the same, inline)."""
    body = rec.body
    eid = rec.entry_id
    return (body.origin, body.seq, rec.raw, rec.digest, eid.origin, eid.seq, body.version,
            int(body.status), first_seen, kept_summary(rec, first_seen))


def entry_row(state: EntryState, first_seen: int, status_seen: int | None = None
              ) -> tuple[object, ...]:
    """The row of ``entries`` for an entry in ``state``, columns as ENTRY_COLUMNS;
    ``status_seen`` is ``first_seen`` unless given (an entry's first record sets its
    status)."""
    eid = state.entry_id
    body = state.content.body
    return (
        eid.origin, eid.seq, entry_code(eid), int(body.kind), int(body.category),
        body.community, body.zone_id, body.zone_name, body.text, int(body.urgency), body.when,
        body.created, lifetime_of(body), expires_at(body, first_seen), int(state.status),
        state.version, first_seen, *state.content.record_id, *state.status_record.record_id,
        search_text(body.text, body.zone_name),
        first_seen if status_seen is None else status_seen,
    )


def match_row(state: EntryState, first_seen: int) -> tuple[object, ...]:
    """The row of ``matches`` for a match in ``state``."""
    eid = state.entry_id
    body = state.content.body
    assert body.match is not None
    need, offer = body.match
    return (eid.origin, eid.seq, entry_code(eid), *need, *offer, body.text, int(state.status),
            state.version, body.created, first_seen, *state.content.record_id,
            *state.status_record.record_id)


def live_named(cur: sqlite3.Cursor) -> set[EntryId]:
    """The entries that a match not undone names."""
    named: set[EntryId] = set()
    rows = cur.execute(_LIVE_MATCHES, (int(Status.WITHDRAWN),)).fetchall()
    for n_origin, n_seq, o_origin, o_seq in rows:
        named.add(EntryId(n_origin, n_seq))
        named.add(EntryId(o_origin, o_seq))
    return named


def _shown(row: tuple[object, ...], state: EntryState, named: set[EntryId]) -> tuple[object, ...]:
    status = int(shown_status(state.status, state.entry_id in named))
    if row[_STATUS_COLUMN] == status:
        return row
    return (*row[:_STATUS_COLUMN], status, *row[_STATUS_COLUMN + 1:])


def _by_origin(ids: Iterable[tuple[int, int]]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for origin, seq in ids:
        out.setdefault(origin, []).append(seq)
    return out


def _chunks(seqs: list[int]) -> Iterable[list[int]]:
    for at in range(0, len(seqs), CHUNK):
        yield seqs[at : at + CHUNK]


class Merge:
    """Verified records merged into the tables through ``cur``, inside one write
    transaction; ``flush`` (or the caller's next read of the tables) writes what is
    pending. ``now`` is this node's minute, kept as the records' first-seen time."""

    def __init__(self, cur: sqlite3.Cursor, now: int, authorised: Authorised = owner_only) -> None:
        self.cur = cur
        self.now = now
        self.authorised = authorised
        self._held: dict[RecordId, Held | None] = {}  # None: known not to be stored
        self._entries: dict[EntryId, _Entry | None] = {}
        self._matches: dict[EntryId, _Entry | None] = {}
        self._new_records: list[tuple[object, ...]] = []
        # The entries a live match names, once a flush needed them (None: not read yet).
        self._named: set[EntryId] | None = None

    # -- reading what the batch needs ---------------------------------------------------

    def prefetch(self, records: Sequence[SignedRecord]) -> None:
        """Read the stored records and entries the batch touches, one query per origin."""
        rids = {rec.record_id for rec in records} - self._held.keys()
        for origin, seqs in _by_origin(rids).items():
            for part in _chunks(seqs):
                marks = ", ".join("?" * len(part))
                for row in self.cur.execute(
                    "SELECT seq, raw, digest, entry_origin, entry_seq, first_seen FROM records "
                    f"WHERE origin = ? AND seq IN ({marks})",
                    (origin, *part),
                ).fetchall():
                    seq, raw, digest, e_origin, e_seq, seen = row
                    self._held[RecordId(origin, seq)] = Held(
                        raw, digest, EntryId(e_origin, e_seq), seen
                    )
        for rid in rids:
            self._held.setdefault(rid, None)
        eids = {rec.entry_id for rec in records} - self._entries.keys()
        for origin, seqs in _by_origin(eids).items():
            for part in _chunks(seqs):
                self._load_entries(origin, part)
        for eid in eids:
            self._entries.setdefault(eid, None)

    def _load_entries(self, origin: int, seqs: list[int]) -> None:
        marks = ", ".join("?" * len(seqs))
        rows = self.cur.execute(
            "SELECT e.seq, e.first_seen, e.status_seen, c.raw, s.raw FROM entries e "
            "JOIN records c ON c.origin = e.content_origin AND c.seq = e.content_seq "
            "JOIN records s ON s.origin = e.status_origin AND s.seq = e.status_seq "
            f"WHERE e.origin = ? AND e.seq IN ({marks})",
            (origin, *seqs),
        ).fetchall()
        for seq, first_seen, status_seen, content_raw, status_raw in rows:
            content = decode_stored(content_raw)
            status = content if status_raw == content_raw else decode_stored(status_raw)
            eid = EntryId(origin, seq)
            self._entries[eid] = _Entry(EntryState(eid, content, status), first_seen, True,
                                        status_seen=status_seen)

    def _held_record(self, rid: RecordId) -> Held | None:
        if rid not in self._held:
            row = self.cur.execute(
                "SELECT raw, digest, entry_origin, entry_seq, first_seen FROM records "
                "WHERE origin = ? AND seq = ?",
                tuple(rid),
            ).fetchone()
            self._held[rid] = None if row is None else Held(
                row[0], row[1], EntryId(row[2], row[3]), row[4]
            )
        return self._held[rid]

    def _entry(self, eid: EntryId) -> _Entry | None:
        if eid not in self._entries:
            self._entries[eid] = None
            self._load_entries(eid.origin, [eid.seq])
        return self._entries[eid]

    def _match(self, eid: EntryId) -> _Entry | None:
        if eid not in self._matches:
            row = self.cur.execute(
                "SELECT m.first_seen, c.raw, s.raw FROM matches m "
                "JOIN records c ON c.origin = m.content_origin AND c.seq = m.content_seq "
                "JOIN records s ON s.origin = m.status_origin AND s.seq = m.status_seq "
                "WHERE m.origin = ? AND m.seq = ?",
                tuple(eid),
            ).fetchone()
            found = None
            if row is not None:
                content = decode_stored(row[1])
                status = content if row[2] == row[1] else decode_stored(row[2])
                found = _Entry(EntryState(eid, content, status), row[0], True)
            self._matches[eid] = found
        return self._matches[eid]

    # -- the join -----------------------------------------------------------------------

    def add(self, rec: SignedRecord) -> Outcome:
        """Merge one verified record (as meshaid.sync.merge.Board.apply)."""
        body = rec.body
        eid = body.entry_id
        if not self.authorised(rec):
            return Outcome.UNAUTHORISED
        rid = body.record_id
        held = self._held_record(rid)
        if held is not None:
            if held.raw == rec.raw:
                return Outcome.DUPLICATE
            self._equivocation(rec, held)
            return Outcome.EQUIVOCATION
        digest = rec.digest
        self._held[rid] = Held(rec.raw, digest, eid, self.now)
        self._new_records.append((rid.origin, rid.seq, rec.raw, digest, eid.origin, eid.seq,
                                  body.version, int(body.status), self.now,
                                  kept_summary(rec, self.now)))
        if body.control:
            return Outcome.NEW  # about the neighbourhood: kept, never an entry
        if body.match is not None:
            self._join_match(rec)
            return Outcome.NEW
        entry = self._entry(eid)
        if entry is None:
            self._entries[eid] = _Entry(join(None, rec), self.now, False, True, True, self.now)
            return Outcome.NEW
        joined = join(entry.state, rec)
        first_seen = min(entry.first_seen, self.now)
        if joined is not entry.state or first_seen != entry.first_seen:
            entry.content_changed |= joined.content is not entry.state.content
            if joined.status_record is rec:
                entry.status_seen = self.now
            entry.state = joined
            entry.first_seen = first_seen
            entry.dirty = True
        return Outcome.NEW

    def _join_match(self, rec: SignedRecord) -> None:
        eid = rec.entry_id
        match = self._match(eid)
        if match is None:
            self._matches[eid] = _Entry(join(None, rec), self.now, False, True, True)
            return
        joined = join(match.state, rec)
        if joined is not match.state or self.now < match.first_seen:
            match.state = joined
            match.first_seen = min(match.first_seen, self.now)
            match.dirty = True

    def state(self, eid: EntryId) -> EntryState | None:
        """The entry's (or match's) state as merged so far."""
        entry = self._entry(eid)
        if entry is None:
            match = self._match(eid)
            return None if match is None else match.state
        return entry.state

    # -- writing --------------------------------------------------------------------------

    def flush(self) -> None:
        """Write the pending record and entry rows."""
        if self._new_records:
            self.cur.executemany(_INSERT_RECORD, self._new_records)
            self._new_records = []
        renamed = self._flush_matches()
        named = self._named_entries()
        inserts: list[tuple[object, ...]] = []
        updates: list[tuple[object, ...]] = []
        statuses: list[tuple[object, ...]] = []
        for entry in self._entries.values():
            if entry is None or not entry.dirty:
                continue
            state = entry.state
            renamed.discard(state.entry_id)
            if not entry.stored:
                inserts.append(_shown(entry_row(state, entry.first_seen, entry.status_seen),
                                      state, named))
            elif entry.content_changed:
                row = _shown(entry_row(state, entry.first_seen, entry.status_seen), state, named)
                updates.append((*row[2:], *row[:2]))
            else:
                expires = expires_at(state.content.body, entry.first_seen)
                shown = shown_status(state.status, state.entry_id in named)
                statuses.append((int(shown), *state.status_record.record_id,
                                 entry.status_seen, entry.first_seen, expires, *state.entry_id))
            entry.stored, entry.dirty, entry.content_changed = True, False, False
        if inserts:
            self.cur.executemany(_INSERT_ENTRY, inserts)
        if updates:
            self.cur.executemany(_UPDATE_ENTRY, updates)
        if statuses:
            self.cur.executemany(_UPDATE_STATUS, statuses)
        self._refresh_shown(renamed, named)

    def _flush_matches(self) -> set[EntryId]:
        """Write the changed match rows; returns the entries they name (their shown status
        may have changed)."""
        rows: list[tuple[object, ...]] = []
        touched: set[EntryId] = set()
        for match in self._matches.values():
            if match is None or not match.dirty:
                continue
            rows.append(match_row(match.state, match.first_seen))
            match.stored, match.dirty = True, False
            pair = match.state.content.body.match
            if pair is not None:
                touched.update(pair)
        if rows:
            self.cur.executemany(_UPSERT_MATCH, rows)
            self._named = None
        return touched

    def _named_entries(self) -> set[EntryId]:
        if self._named is None:
            self._named = live_named(self.cur)
        return self._named

    def _refresh_shown(self, eids: Iterable[EntryId], named: set[EntryId]) -> None:
        """Rewrite the shown status of entries whose matches changed."""
        updates = []
        for eid in eids:
            entry = self._entry(eid)
            if entry is not None:
                updates.append((int(shown_status(entry.state.status, eid in named)), *eid))
        if updates:
            self.cur.executemany(
                "UPDATE entries SET status = ? WHERE origin = ? AND seq = ?", updates
            )

    # -- two records for one id ---------------------------------------------------------

    def _equivocation(self, rec: SignedRecord, held: Held) -> None:
        """Keep both as evidence; if ``rec`` has the lower digest it replaces the held one
        and the entries of both are rebuilt from their records."""
        self.flush()
        rid = rec.record_id
        self._keep_evidence(rid, held.raw, held.first_seen)
        self._keep_evidence(rid, rec.raw, self.now)
        if rec.digest >= held.digest:
            return
        eid = rec.entry_id
        self.cur.execute(
            "UPDATE records SET raw = ?, digest = ?, entry_origin = ?, entry_seq = ?, "
            "version = ?, status = ?, held = ? WHERE origin = ? AND seq = ?",
            (rec.raw, rec.digest, *eid, rec.body.version, int(rec.body.status),
             kept_summary(rec, held.first_seen), *rid),
        )
        self._held[rid] = Held(rec.raw, rec.digest, eid, held.first_seen)
        for affected in dict.fromkeys((held.entry_id, eid)):
            self._rebuild(affected)

    def _keep_evidence(self, rid: RecordId, raw: bytes, seen: int) -> None:
        self.cur.execute(
            "INSERT INTO evidence (origin, seq, raw, digest, first_seen) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (origin, seq, digest) DO NOTHING",
            (*rid, raw, hashlib.sha256(raw).digest(), seen),
        )

    def _rebuild(self, eid: EntryId) -> None:
        """Recompute an entry from all its records (after an equivocation swapped one)."""
        rows = self.cur.execute(
            "SELECT raw, first_seen FROM records WHERE entry_origin = ? AND entry_seq = ? "
            "ORDER BY origin, seq",
            tuple(eid),
        ).fetchall()
        states: dict[bool, tuple[EntryState, int]] = {}  # is a match -> (state, first seen)
        seen_of: dict[RecordId, int] = {}
        for raw, seen in rows:
            rec = decode(raw)
            if rec.body.control:
                continue
            seen_of[rec.record_id] = seen
            is_match = rec.body.match is not None
            held = states.get(is_match)
            states[is_match] = (join(held[0] if held else None, rec),
                                seen if held is None else min(held[1], seen))
        self._entries.pop(eid, None)
        old = self._match(eid)
        self._matches.pop(eid, None)
        renamed = set(old.state.content.body.match or ()) if old is not None else set()
        self.cur.execute("DELETE FROM matches WHERE origin = ? AND seq = ?", tuple(eid))
        if True in states:
            state, seen = states[True]
            self.cur.execute(_UPSERT_MATCH, match_row(state, seen))
            renamed.update(state.content.body.match or ())
        self._named = None
        named = self._named_entries()
        stored = self.cur.execute(
            "SELECT 1 FROM entries WHERE origin = ? AND seq = ?", tuple(eid)
        ).fetchone() is not None
        if False not in states:
            if stored:
                self.cur.execute("DELETE FROM entries WHERE origin = ? AND seq = ?", tuple(eid))
        else:
            state, first_seen = states[False]
            row = _shown(entry_row(state, first_seen, seen_of[state.status_record.record_id]),
                         state, named)
            if stored:
                self.cur.execute(_UPDATE_ENTRY, (*row[2:], *row[:2]))
            else:
                self.cur.execute(_INSERT_ENTRY, row)
        self._refresh_shown(renamed - {eid}, named)


def count_outcomes(cur: sqlite3.Cursor, counts: dict[str, int]) -> None:
    """Add to the named counters (``records.new`` and so on)."""
    cur.executemany(
        "INSERT INTO counters (name, value) VALUES (?, ?) "
        "ON CONFLICT (name) DO UPDATE SET value = value + excluded.value",
        list(counts.items()),
    )
