"""The board as a CRDT: the state of each entry is a join over the records received.

Two joins, each a maximum over a total order, so applying a set of records in any order,
with duplicates, gives the same board (commutative, associative, idempotent):

* content (text, category, ...) comes from the record with the highest entry version,
  ties broken by the record's digest -- never by wall-clock time;
* status only moves forward: open < matched < fulfilled | withdrawn, the two terminal
  states ordered by version, then by code, then by digest, so a withdrawn entry never
  reopens when an older record arrives late.

Two different records with the same (origin, seq) are an origin's fault or forgery: the
one with the lower digest counts, the others are kept as evidence, on every node alike.

A match (a record with ``match`` set, pairing a need with an offer) is an entry of its
own, joined the same way and kept apart from the board's entries; its status is the
match's: open (proposed) < matched (confirmed) < fulfilled (completed) | withdrawn
(undone). A need or offer shows as matched while it is open and a match that is not
undone names it: derived, never written into the entry, so undoing a match reopens the
entry on every node whatever order the records came in.

Who may sign what is meshaid.sync.authority's rule; a record it refuses is UNAUTHORISED.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import Enum

from meshaid.protocol.record import EntryId, RecordId, SignedRecord, Status
from meshaid.sync.authority import Authorised, owner_only

STATUS_RANK: dict[Status, int] = {
    Status.OPEN: 0,
    Status.MATCHED: 1,
    Status.FULFILLED: 2,
    Status.WITHDRAWN: 2,
}


def content_key(rec: SignedRecord) -> tuple[int, bytes]:
    return (rec.body.version, rec.digest)


def status_key(rec: SignedRecord) -> tuple[int, int, int, bytes]:
    # The digest breaks the last tie (two records with the same version and status but
    # other content, e.g. from an owner restored from an old backup).
    return (STATUS_RANK[rec.body.status], rec.body.version, int(rec.body.status), rec.digest)


@dataclass(frozen=True)
class EntryState:
    """One entry as the board shows it."""

    entry_id: EntryId
    content: SignedRecord  # the record whose content is shown
    status_record: SignedRecord  # the record that set the status

    @property
    def status(self) -> Status:
        return self.status_record.body.status

    @property
    def version(self) -> int:
        return self.content.body.version


def join(state: EntryState | None, rec: SignedRecord) -> EntryState:
    """The entry state after also counting ``rec`` (which must belong to the entry)."""
    if state is None:
        return EntryState(rec.entry_id, rec, rec)
    content = rec if content_key(rec) > content_key(state.content) else state.content
    status = rec if status_key(rec) > status_key(state.status_record) else state.status_record
    if content is state.content and status is state.status_record:
        return state
    return EntryState(state.entry_id, content, status)


class Outcome(Enum):
    NEW = "new"  # counted on the board
    DUPLICATE = "duplicate"  # the same bytes were here already
    EQUIVOCATION = "equivocation"  # another record has this (origin, seq): kept as evidence
    UNAUTHORISED = "unauthorised"  # its signer may not sign it (meshaid.sync.authority)


def live_match(status: Status) -> bool:
    """Whether a match in this status makes the entries it names show as matched."""
    return status != Status.WITHDRAWN


def shown_status(own: Status, matched: bool) -> Status:
    """What the board shows for an entry in status ``own``, named or not by a live match."""
    return Status.MATCHED if own == Status.OPEN and matched else own


@dataclass
class Board:
    """Records that were verified, and the entries they make. Pure and in memory.

    The store in meshaid.node persists the same records and uses ``join`` for its rows;
    the simulator and the property tests use this class directly.
    """

    records: dict[RecordId, SignedRecord] = field(default_factory=dict)
    entries: dict[EntryId, EntryState] = field(default_factory=dict)
    matches: dict[EntryId, EntryState] = field(default_factory=dict)
    evidence: dict[RecordId, set[bytes]] = field(default_factory=dict)
    authorised: Authorised = owner_only
    _by_entry: dict[EntryId, set[RecordId]] = field(default_factory=dict)

    def apply(self, rec: SignedRecord) -> Outcome:
        if not self.authorised(rec):
            return Outcome.UNAUTHORISED
        rid = rec.record_id
        held = self.records.get(rid)
        if held is not None:
            if held.raw == rec.raw:
                return Outcome.DUPLICATE
            self.evidence.setdefault(rid, set()).update({held.raw, rec.raw})
            if rec.digest < held.digest:
                self.records[rid] = rec
                self._rebuild(held.entry_id)
                self._add(rec)
            return Outcome.EQUIVOCATION
        self.records[rid] = rec
        self._add(rec)
        return Outcome.NEW

    def apply_all(self, recs: Iterable[SignedRecord]) -> None:
        for rec in recs:
            self.apply(rec)

    def _add(self, rec: SignedRecord) -> None:
        if rec.body.control:
            return  # about the neighbourhood, not an entry: kept, never shown
        eid = rec.entry_id
        self._by_entry.setdefault(eid, set()).add(rec.record_id)
        table = self.entries if rec.body.match is None else self.matches
        table[eid] = join(table.get(eid), rec)

    def _rebuild(self, eid: EntryId) -> None:
        rids = self._by_entry.get(eid, set())
        live = {rid for rid in rids if self.records[rid].entry_id == eid}
        self._by_entry[eid] = live
        for table, is_match in ((self.entries, False), (self.matches, True)):
            state: EntryState | None = None
            for rid in sorted(live):
                rec = self.records[rid]
                if (rec.body.match is not None) == is_match:
                    state = join(state, rec)
            if state is None:
                table.pop(eid, None)
            else:
                table[eid] = state

    def matched(self) -> set[EntryId]:
        """The entries that a live match names."""
        named: set[EntryId] = set()
        for state in self.matches.values():
            pair = state.content.body.match
            if pair is not None and live_match(state.status):
                named.update(pair)
        return named

    def shown(self, eid: EntryId) -> Status | None:
        """The status the board shows for entry ``eid`` (None: not on the board)."""
        state = self.entries.get(eid)
        return None if state is None else shown_status(state.status, eid in self.matched())

    def __iter__(self) -> Iterator[EntryState]:
        return iter(self.entries.values())

    def state_hash(self) -> bytes:
        """A digest of what the board shows: equal on two nodes iff their boards agree."""
        h = hashlib.sha256()
        for table in (self.entries, self.matches):
            for eid in sorted(table):
                st = table[eid]
                h.update(eid.origin.to_bytes(4, "big") + eid.seq.to_bytes(4, "big"))
                h.update(st.content.digest + st.status_record.digest)
        return h.digest()
