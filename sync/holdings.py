"""What a node holds: its records by origin and seq, and the seqs it counts as held.

A seq counts as held (is *known*) when its record is stored, was pruned after expiry, or
a neighbour reported it pruned; known seqs are never asked for again (see vector.py).
Pruning uses wall time in on-air minutes, which only the driver knows: until it is given,
nothing is pruned and nothing is judged expired.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator, Mapping

from meshaid.protocol.record import EntryId, RecordId, SignedRecord
from meshaid.sync.lifetime import expires_at
from meshaid.sync.vector import VersionVector


class Holdings:
    def __init__(self, prune_margin_minutes: int) -> None:
        self.vector = VersionVector()
        self.margin = prune_margin_minutes
        self.wall: int | None = None  # the driver's wall clock, on-air minutes, once given
        self._by_origin: dict[int, dict[int, SignedRecord]] = {}
        # The same bytes, to recognise a copy before paying for decoding it.
        self._by_raw: dict[bytes, RecordId] = {}
        self._newest: dict[EntryId, tuple[int, int]] = {}  # entry -> (version, seq) held
        self._evidence: dict[RecordId, set[bytes]] = {}
        self._first_seen: dict[RecordId, int] = {}
        self._expiry: list[tuple[int, int, int]] = []  # (minute, origin, seq)
        self._unscheduled: list[RecordId] = []  # stored before wall time was known

    # ----------------------------------------------------------------- reading

    def get(self, rid: RecordId) -> SignedRecord | None:
        by_seq = self._by_origin.get(rid.origin)
        return None if by_seq is None else by_seq.get(rid.seq)

    def id_of(self, raw: bytes) -> RecordId | None:
        """The id of a held record with exactly these bytes."""
        return self._by_raw.get(raw)

    def of_origin(self, origin: int) -> Mapping[int, SignedRecord]:
        return self._by_origin.get(origin, {})

    def origins(self) -> list[int]:
        """Origins we hold records of."""
        return list(self._by_origin)

    def __iter__(self) -> Iterator[SignedRecord]:
        for by_seq in self._by_origin.values():
            yield from by_seq.values()

    def is_newest(self, rec: SignedRecord) -> bool:
        """No held record of the same entry has a higher version."""
        newest = self._newest.get(rec.entry_id)
        return newest is None or newest[1] == rec.body.seq

    def is_evidence(self, rec: SignedRecord) -> bool:
        return rec.digest in self._evidence.get(rec.record_id, ())

    def known_runs(self) -> dict[int, list[tuple[int, int]]]:
        """Every origin's known seqs as (first, last) runs, for the store to keep."""
        out: dict[int, list[tuple[int, int]]] = {}
        for origin in self.vector.origins():
            seqs = self.vector.seqs(origin)
            if seqs is not None:
                out[origin] = list(seqs.known_runs())
        return out

    # ----------------------------------------------------------------- changing

    def load(
        self,
        records: Iterable[SignedRecord],
        known: Mapping[int, Iterable[tuple[int, int]]] | None = None,
        first_seen: Mapping[RecordId, int] | None = None,
    ) -> None:
        first_seen = first_seen or {}
        for rec in records:
            held = self.get(rec.record_id)
            if held is None:
                self.store(rec, first_seen.get(rec.record_id))
            elif held.raw != rec.raw:
                if rec.digest < held.digest:
                    self.replace(rec)
                else:
                    self.add_evidence(rec)
        for origin, runs in (known or {}).items():
            for first, last in runs:
                self.vector.add_range(origin, first, last)

    def store(self, rec: SignedRecord, first_seen: int | None) -> bool:
        """Hold ``rec``; True when its seq was not known before."""
        rid = rec.record_id
        self._by_origin.setdefault(rid.origin, {})[rid.seq] = rec
        self._by_raw[rec.raw] = rid
        eid = rec.entry_id
        newest = self._newest.get(eid)
        if newest is None or (rec.body.version, rid.seq) > newest:
            self._newest[eid] = (rec.body.version, rid.seq)
        if first_seen is None:
            self._unscheduled.append(rid)
        else:
            self._first_seen[rid] = first_seen
            self._schedule_expiry(rec)
        return self.vector.add(rid.origin, rid.seq)

    def add_evidence(self, rec: SignedRecord) -> None:
        """A second, different record for a held (origin, seq): remembered, not held."""
        self._evidence.setdefault(rec.record_id, set()).add(rec.digest)

    def replace(self, rec: SignedRecord) -> SignedRecord:
        """Hold ``rec`` instead of the different record held for its (origin, seq), which
        becomes evidence; returns that record. The store's rule (sync/merge.py): of two
        records an origin signed for one seq, the one with the lower digest counts."""
        rid = rec.record_id
        by_seq = self._by_origin[rid.origin]
        old = by_seq[rid.seq]
        self.add_evidence(old)
        by_seq[rid.seq] = rec
        self._by_raw.pop(old.raw, None)
        self._by_raw[rec.raw] = rid
        for eid in {old.entry_id, rec.entry_id}:
            self._newest.pop(eid, None)
            for seq, held in by_seq.items():
                newest = self._newest.get(eid)
                if held.entry_id == eid and (newest is None or (held.body.version, seq) > newest):
                    self._newest[eid] = (held.body.version, seq)
        if rid in self._first_seen:
            self._schedule_expiry(rec)
        return old

    # ----------------------------------------------------------------- expiry

    def expires(self, rec: SignedRecord, first_seen: int | None) -> int:
        """The wall minute after which ``rec`` may be pruned: its entry's expiry
        (lifetime.expires_at, which copes with wrong clocks) plus the margin."""
        return expires_at(rec.body, first_seen) + self.margin

    def expired(self, rec: SignedRecord) -> bool:
        """Arriving now, ``rec`` would be pruned at once (False while wall time is unknown)."""
        return self.wall is not None and self.expires(rec, self.wall) < self.wall

    def _schedule_expiry(self, rec: SignedRecord) -> None:
        rid = rec.record_id
        minute = self.expires(rec, self._first_seen.get(rid))
        heapq.heappush(self._expiry, (minute, rid.origin, rid.seq))

    def prune(self, wall_minutes: int) -> list[SignedRecord]:
        """Set the wall clock and forget the records past their prune time; their seqs
        stay known. Records stored before the clock was known count as first seen now."""
        self.wall = wall_minutes
        for rid in self._unscheduled:
            rec = self.get(rid)
            if rec is not None:
                self._first_seen.setdefault(rid, wall_minutes)
                self._schedule_expiry(rec)
        self._unscheduled = []
        pruned: list[SignedRecord] = []
        while self._expiry and self._expiry[0][0] < wall_minutes:
            minute, origin, seq = heapq.heappop(self._expiry)
            by_seq = self._by_origin.get(origin)
            if by_seq is None or (rec := by_seq.get(seq)) is None:
                continue
            if self.expires(rec, self._first_seen.get(rec.record_id)) > minute:
                continue  # replaced by another record of that seq, due later
            del by_seq[seq]
            pruned.append(rec)
            self._by_raw.pop(rec.raw, None)
            self._first_seen.pop(rec.record_id, None)
            newest = self._newest.get(rec.entry_id)
            if newest is not None and newest[1] == seq:
                del self._newest[rec.entry_id]
        return pruned
