"""What a node holds: its records by origin and seq, and the seqs it counts as held.

A seq counts as held (is *known*) when its record is stored, was pruned after expiry, or
arrived expired; known seqs are never asked for again (see vector.py). Pruning uses wall
time in on-air minutes, which only the driver knows: until it is given, nothing is pruned
and nothing is judged expired.

Whether this node's own clock can be believed is judged from the records' signed times
(``clock``): a record created more than the lifetime cap before now is a replay of an
expired one, unless every origin we hear from seems to be years behind us (a few of
them, or any for an hour of our clock), which means our clock is the one that is wrong.
Until either is clear, such a record is turned away without being counted as known, to
be judged again when it comes back.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator, Mapping
from enum import Enum

from meshaid.protocol.record import EntryId, RecordId, SignedRecord
from meshaid.sync.lifetime import EPOCH_SLACK, MAX_LIFETIME, expires_at, too_old
from meshaid.sync.limits import Admission, LimitConfig, OriginLimits
from meshaid.sync.vector import VersionVector

# Origins seen years behind our clock, and at most one near it (our own), before we take
# our clock to be the one that is wrong (a replay of a couple of origins' old records
# must not do it) ...
CLOCK_QUORUM = 3
# ... or any, with none near, for this long (our minutes): a neighbourhood of two or three.
CLOCK_SETTLE_MINUTES = 60
# Origins whose latest signed time is kept as evidence about our clock.
MAX_CLOCK_ORIGINS = 1024


class Clock(Enum):
    UNKNOWN = "unknown"  # no wall clock yet, or nothing seen that tells
    RIGHT = "right"  # some origin signed a record within the cap of our now
    AHEAD = "ahead"  # several origins seen, all more than the cap behind our now


class Verdict(Enum):
    LIVE = "live"
    EXPIRED = "expired"  # counted as known, not kept
    STALE = "stale"  # too old by a clock not yet confirmed: turned away, not counted


class Holdings:
    def __init__(self, prune_margin_minutes: int, limits: LimitConfig | None = None) -> None:
        self.vector = VersionVector()
        self.margin = prune_margin_minutes
        self.wall: int | None = None  # the driver's wall clock, on-air minutes, once given
        self.limits = OriginLimits(limits or LimitConfig(60.0, 20, 12.0, 6, 500, 4096))
        # The highest seq held of each origin, with its signed minute (see plausible_gone).
        self._latest: dict[int, tuple[int, int]] = {}
        # Each origin's latest signed minute heard from the air: evidence about our clock.
        self._times: dict[int, int] = {}
        self.clock = Clock.UNKNOWN
        self._behind_since: int | None = None  # our minute when only origins behind were seen
        self._by_origin: dict[int, dict[int, SignedRecord]] = {}
        # The same bytes, to recognise a copy before paying for decoding it.
        self._by_raw: dict[bytes, RecordId] = {}
        self._newest: dict[EntryId, tuple[int, int]] = {}  # entry -> (version, seq) held
        self._evidence: dict[RecordId, set[bytes]] = {}
        self._first_seen: dict[RecordId, int] = {}
        self._expiry: list[tuple[int, int, int]] = []  # (minute, origin, seq)
        self._unscheduled: list[RecordId] = []  # stored before wall time was known
        self._dropped: list[SignedRecord] = []  # see take_dropped

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

    def latest(self, origin: int) -> tuple[int, int] | None:
        """(seq, created) of the highest-seq record of ``origin`` ever stored here."""
        return self._latest.get(origin)

    def gone_plausible(self, origin: int, first: int) -> bool:
        """Whether seqs of ``origin`` from ``first`` on may have been pruned by now. Not
        when we hold a lower seq signed within the prune margin: a record is pruned a
        margin after it expires, and an origin's later seqs are signed later (its clock
        never goes back, see node/clock.py). So a GONE claim cannot pause asking for the
        next posts of an active origin."""
        latest = self._latest.get(origin)
        if latest is None or self.wall is None or latest[0] >= first:
            return True
        return latest[1] + self.margin <= self.wall

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
            self.note_time(rec)
        for origin, runs in (known or {}).items():
            for first, last in runs:
                self.vector.add_range(origin, first, last)

    def store(
        self, rec: SignedRecord, first_seen: int | None, admission: Admission | None = None
    ) -> bool:
        """Hold ``rec`` (as the limits admitted it: see limits.py); True when its seq was
        not known before."""
        rid = rec.record_id
        self._by_origin.setdefault(rid.origin, {})[rid.seq] = rec
        self.limits.held(rec, admission)
        latest = self._latest.get(rid.origin)
        if latest is None or rid.seq > latest[0]:
            self._latest[rid.origin] = (rid.seq, rec.body.created)
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
        new = self.vector.add(rid.origin, rid.seq)
        for seq in self.limits.settle(rec):
            self._drop(rid.origin, seq)
        return new

    def take_dropped(self) -> list[SignedRecord]:
        """Records dropped since the last call: a record that came late put them beyond
        their origin's limits (limits.settle). Not held, not known, not to be sent."""
        dropped, self._dropped = self._dropped, []
        return dropped

    def _drop(self, origin: int, seq: int) -> None:
        by_seq = self._by_origin.get(origin, {})
        rec = by_seq.pop(seq, None)
        if rec is None:
            return
        self._dropped.append(rec)
        self._by_raw.pop(rec.raw, None)
        self._first_seen.pop(rec.record_id, None)
        self.limits.released(rec)
        self.vector.remove(origin, seq)
        eid = rec.entry_id
        if self._newest.get(eid, (0, 0))[1] == seq:
            del self._newest[eid]
            for other, held in by_seq.items():
                newest = self._newest.get(eid)
                if held.entry_id == eid and (newest is None or (held.body.version, other) > newest):
                    self._newest[eid] = (held.body.version, other)

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
        demoted = self.limits.demoted(rid)
        self.limits.released(old)
        self.limits.held(rec, Admission.ORDINARY if demoted else None)
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
        (lifetime.expires_at, which copes with wrong clocks) plus the margin. Until our
        clock is confirmed right, a record that looks too old is kept (see ``judge``)."""
        ahead = self.clock != Clock.RIGHT
        return expires_at(rec.body, first_seen, clock_ahead=ahead) + self.margin

    def expired(self, rec: SignedRecord) -> bool:
        """Arriving now, ``rec`` would be pruned at once (False while wall time is unknown)."""
        return self.judge(rec) != Verdict.LIVE

    def judge(self, rec: SignedRecord) -> Verdict:
        """What to do with ``rec`` arriving now (LIVE while wall time is unknown)."""
        wall = self.wall
        if wall is None:
            return Verdict.LIVE
        if self.clock == Clock.UNKNOWN and too_old(rec.body, wall):
            return Verdict.STALE
        return Verdict.EXPIRED if self.expires(rec, wall) < wall else Verdict.LIVE

    # ----------------------------------------------------------------- our clock

    def note_time(self, rec: SignedRecord) -> None:
        """A record signed at ``created`` by its origin, heard from the air or loaded:
        evidence about our own clock (our own new records are not)."""
        created = rec.body.created
        if created <= EPOCH_SLACK:
            return  # a clock reset to 1970 says nothing about ours
        origin = rec.body.origin
        if created <= self._times.get(origin, -1):
            return
        if origin not in self._times and len(self._times) >= MAX_CLOCK_ORIGINS:
            del self._times[min(self._times, key=self._times.__getitem__)]
        self._times[origin] = created
        wall = self.wall
        if wall is not None and self.clock != Clock.RIGHT:
            self._judge_clock()  # it may confirm our clock, or deny it

    def _judge_clock(self) -> None:
        """Recount our clock from the evidence; a change reschedules every expiry."""
        wall = self.wall
        state = Clock.UNKNOWN
        if wall is not None:
            near = behind = 0
            for created in self._times.values():
                if wall - MAX_LIFETIME <= created <= wall + MAX_LIFETIME:
                    near += 1
                elif created < wall - MAX_LIFETIME:
                    behind += 1
            if not behind or near:
                self._behind_since = None
            elif self._behind_since is None:
                self._behind_since = wall
            since = self._behind_since
            settled = since is not None and wall >= since + CLOCK_SETTLE_MINUTES
            # One origin near us may be our own (its records loaded from our store): it
            # takes two to confirm our clock against others that seem years behind.
            if near >= 2 or (near and not behind):
                state = Clock.RIGHT
            elif behind >= CLOCK_QUORUM or (behind and settled):
                state = Clock.AHEAD
        if state != self.clock:
            self.clock = state
            self._expiry = []
            for by_seq in self._by_origin.values():
                for rec in by_seq.values():
                    if rec.record_id in self._first_seen:
                        self._schedule_expiry(rec)

    def _schedule_expiry(self, rec: SignedRecord) -> None:
        rid = rec.record_id
        minute = self.expires(rec, self._first_seen.get(rid))
        heapq.heappush(self._expiry, (minute, rid.origin, rid.seq))

    def prune(self, wall_minutes: int) -> list[SignedRecord]:
        """Set the wall clock and forget the records past their prune time; their seqs
        stay known. Records stored before the clock was known count as first seen now."""
        self.wall = wall_minutes
        self._judge_clock()
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
            self.limits.released(rec)
            self._by_raw.pop(rec.raw, None)
            self._first_seen.pop(rec.record_id, None)
            newest = self._newest.get(rec.entry_id)
            if newest is not None and newest[1] == seq:
                del self._newest[rec.entry_id]
        return pruned
