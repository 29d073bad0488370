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

The records themselves are kept compact (held_records.py): bytes and a short summary
each, made into records when asked for. Entries and expiry times are kept as ints
(``origin << 32 | seq``, ``minute << 64 | origin << 32 | seq``) rather than tuples: a
store of 100,000 entries stays in memory for the node's life.
"""

from __future__ import annotations

import heapq
from collections.abc import Container, Iterable, Iterator, Mapping
from enum import Enum

from meshaid.protocol.record import Kind, RecordId, SignedRecord, decode_stored
from meshaid.sync.held_records import (
    CONTROL,
    NOT_SEEN,
    SEQ_MASK,
    SUMMARY,
    HeldRecords,
    StoredRecords,
    is_alert,
    pack_summary,
    summary_of,
    unpack_flags,
)
from meshaid.sync.lifetime import EPOCH_SLACK, MAX_LIFETIME, expires_at, too_old
from meshaid.sync.limits import Admission, LimitConfig, OriginLimits
from meshaid.sync.priority import Rank, class_of, rank_of
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
        self._held = HeldRecords()
        self._newest: dict[int, int] = {}  # entry key -> version << 32 | seq held
        self._evidence: dict[RecordId, set[bytes]] = {}
        self._expiry: list[int] = []  # heap of expiry << 64 | origin << 32 | seq
        self._unscheduled: list[RecordId] = []  # stored before wall time was known
        self._dropped: list[SignedRecord] = []  # see take_dropped

    # ----------------------------------------------------------------- reading

    def get(self, rid: RecordId) -> SignedRecord | None:
        return self._held.get(rid.origin, rid.seq)

    def id_of(self, raw: bytes) -> RecordId | None:
        """The id of a held record with exactly these bytes (found without decoding them)."""
        return self._held.id_of(raw)

    def of_origin(self, origin: int) -> Mapping[int, SignedRecord]:
        return self._held.of_origin(origin)

    def origins(self) -> list[int]:
        """Origins we hold records of."""
        return self._held.origins()

    def __iter__(self) -> Iterator[SignedRecord]:
        return iter(self._held)

    def is_newest(self, rec: SignedRecord) -> bool:
        """No held record of the same entry has a higher version."""
        origin, seq = rec.entry_id
        newest = self._newest.get(origin << 32 | seq)
        return newest is None or newest & SEQ_MASK == rec.body.seq

    def rank_of(self, origin: int, seq: int, local_zones: Container[int]) -> Rank | None:
        """``priority.send_rank`` of the held record (origin, seq), as the engine ranks it
        (context.py), from its summary: ranking every held record for an answer makes
        none of them (None: not held)."""
        summary = self._held.summary(origin, seq)
        if summary is None:
            return None
        control, kind, status, urgency = unpack_flags(summary.flags)
        newest = self._newest.get(summary.entry_origin << 32 | summary.entry_seq)
        klass = class_of(control, kind, status, newest is None or newest & SEQ_MASK == seq,
                         self.limits.demoted(RecordId(origin, seq)))
        return rank_of(klass, urgency, summary.zone_id in local_zones, summary.created,
                       origin, seq)

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
        """Take what a store holds: records, the seq runs it counted as known, and when
        each record was first seen. Records as the store gives them (``StoredRecords``)
        are taken without being made into records (see ``_load_stored``)."""
        if (isinstance(records, StoredRecords) and self.wall is None and not self._latest
                and first_seen is records.first_seen):
            self._load_stored(records)
        else:
            first_seen = first_seen or {}
            for rec in records:
                self._load_one(rec, first_seen.get(rec.record_id))
        for origin, runs in (known or {}).items():
            for first, last in runs:
                self.vector.add_range(origin, first, last)

    def _load_one(self, rec: SignedRecord, first_seen: int | None) -> None:
        held = self.get(rec.record_id)
        if held is None:
            self.store(rec, first_seen)
        elif held.raw != rec.raw:
            if rec.digest < held.digest:
                self.replace(rec)
            else:
                self.add_evidence(rec)
        self.note_time(rec)

    def _load_stored(self, records: StoredRecords) -> None:
        """Load a store's rows as ``_load_one`` would, one after the other in (origin,
        seq) order, with the same result, but on their summaries: in that order a
        record is never late for its origin's limits (limits.settle finds no held record
        after it), so each is held as its kind says, and the rest is bookkeeping, done an
        origin at a time. With no wall clock yet, our clock is not confirmed: expiries
        are scheduled as ``expires_unsure``."""
        for origin in sorted(records.by_origin):
            by_seq = dict(sorted(records.by_origin[origin].items()))
            if by_seq:
                self._load_origin(origin, by_seq)
        heapq.heapify(self._expiry)
        for raw, seen in records.twins:
            self._load_one(decode_stored(raw), seen)

    def _load_origin(self, origin: int, by_seq: dict[int, bytes]) -> None:
        """One origin's records (seq -> summary + raw, ascending) into holdings that hold
        none of its records."""
        newest = self._newest
        expiry = self._expiry
        entries: list[int] = []  # the entry of each record that is not a control record
        creates: tuple[list[int], list[int]] = ([], [])  # by precedence: created << 32 | seq
        controls = 0
        created_top = -1
        base = origin << 32
        unpack = SUMMARY.unpack_from
        for seq, value in by_seq.items():
            seen, _right, unsure, entry_origin, entry_seq, version, created, bits, _zone = (
                unpack(value))
            key = entry_origin << 32 | entry_seq
            if seen == NOT_SEEN:
                self._unscheduled.append(RecordId(origin, seq))
            else:
                expiry.append(unsure << 64 | base | seq)
            if bits & CONTROL:
                controls += 1
            else:
                entries.append(key)
                if not version:  # it creates its entry (a change has a version above 0)
                    creates[1 if is_alert(bits) else 0].append(created << 32 | seq)
            mark = version << 32 | seq
            if mark > newest.get(key, -1):
                newest[key] = mark
            if created > created_top:
                created_top = created
        self._held.put_stored_origin(origin, by_seq)
        self.limits.held_stored(origin, controls, entries, creates)
        seqs = list(by_seq)
        self._latest[origin] = (seqs[-1], int(unpack(by_seq[seqs[-1]])[6]))
        if seqs[-1] - seqs[0] + 1 == len(seqs):
            self.vector.add_range(origin, seqs[0], seqs[-1])  # no gaps: the usual case
        else:
            first = last = seqs[0]
            for seq in seqs[1:]:
                if seq != last + 1:
                    self.vector.add_range(origin, first, last)
                    first = seq
                last = seq
            self.vector.add_range(origin, first, last)
        if created_top > EPOCH_SLACK:
            self._note(origin, created_top)

    def _summary(self, rec: SignedRecord, first_seen: int | None) -> bytes:
        return summary_of(rec, first_seen)

    def store(
        self, rec: SignedRecord, first_seen: int | None, admission: Admission | None = None
    ) -> bool:
        """Hold ``rec`` (as the limits admitted it: see limits.py); True when its seq was
        not known before."""
        rid = rec.record_id
        self._held.put(rec, self._summary(rec, first_seen))
        self.limits.held(rec, admission)
        latest = self._latest.get(rid.origin)
        if latest is None or rid.seq > latest[0]:
            self._latest[rid.origin] = (rid.seq, rec.body.created)
        eid = rec.entry_id
        key = eid.origin << 32 | eid.seq
        mark = rec.body.version << 32 | rid.seq
        if mark > self._newest.get(key, -1):
            self._newest[key] = mark
        if first_seen is None:
            self._unscheduled.append(rid)
        else:
            self._schedule(rid.origin, rid.seq)
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
        rec = self._held.pop(origin, seq)
        if rec is None:
            return
        self._dropped.append(rec)
        self.limits.released(rec)
        self.vector.remove(origin, seq)
        eid = rec.entry_id
        key = eid.origin << 32 | eid.seq
        if self._newest.get(key, 0) & SEQ_MASK == seq:
            del self._newest[key]
            self._renew(origin, key)

    def _renew(self, origin: int, key: int) -> None:
        """The newest held record of entry ``key`` among ``origin``'s."""
        newest = self._newest
        for seq, entry, version in self._held.entries(origin):
            if entry == key and (version << 32 | seq) > newest.get(key, -1):
                newest[key] = version << 32 | seq

    def add_evidence(self, rec: SignedRecord) -> None:
        """A second, different record for a held (origin, seq): remembered, not held."""
        self._evidence.setdefault(rec.record_id, set()).add(rec.digest)

    def replace(self, rec: SignedRecord) -> SignedRecord:
        """Hold ``rec`` instead of the different record held for its (origin, seq), which
        becomes evidence; returns that record. The store's rule (sync/merge.py): of two
        records an origin signed for one seq, the one with the lower digest counts."""
        rid = rec.record_id
        old = self._held.get(rid.origin, rid.seq)
        summary = self._held.summary(rid.origin, rid.seq)
        if old is None or summary is None:
            raise KeyError(rid.seq)
        self.add_evidence(old)
        seen = None if summary.first_seen == NOT_SEEN else summary.first_seen
        self._held.put(rec, self._summary(rec, seen))
        demoted = self.limits.demoted(rid)
        self.limits.released(old)
        self.limits.held(rec, Admission.ORDINARY if demoted else None)
        for eid in {old.entry_id, rec.entry_id}:
            key = eid.origin << 32 | eid.seq
            self._newest.pop(key, None)
            self._renew(rid.origin, key)
        if seen is not None:
            self._schedule(rid.origin, rid.seq)
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
        self._note(origin, created)

    def _note(self, origin: int, created: int) -> None:
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
            right = state == Clock.RIGHT
            # Emptied first, then refilled: the old entries' memory goes to the new ones
            # (a new list beside the old would leave the daemon ~8 MiB larger for good).
            expiry = self._expiry
            expiry.clear()
            expiry.extend(summary.expires(right) << 64 | origin << 32 | seq
                          for origin, seq, summary in self._held.first_seen())
            heapq.heapify(expiry)

    def _schedule(self, origin: int, seq: int) -> None:
        summary = self._held.summary(origin, seq)
        if summary is not None:
            minute = summary.expires(self.clock == Clock.RIGHT)
            heapq.heappush(self._expiry, minute << 64 | origin << 32 | seq)

    def prune(self, wall_minutes: int) -> list[RecordId]:
        """Set the wall clock and forget the records past their prune time; their seqs
        stay known. Records stored before the clock was known count as first seen now."""
        self.wall = wall_minutes
        self._judge_clock()
        held = self._held
        for rid in self._unscheduled:
            summary = held.summary(rid.origin, rid.seq)
            if summary is None:
                continue
            if summary.first_seen == NOT_SEEN:
                rec = held.get(rid.origin, rid.seq)
                if rec is None:
                    continue
                right, unsure = _expiry(rec, wall_minutes)
                held.set_summary(rid.origin, rid.seq, pack_summary(
                    wall_minutes, right, unsure, *summary[3:]))
            self._schedule(rid.origin, rid.seq)
        self._unscheduled = []
        pruned: list[RecordId] = []
        right = self.clock == Clock.RIGHT
        expiry = self._expiry
        due = wall_minutes - self.margin  # the heap holds expiries, without the margin
        while expiry and expiry[0] >> 64 < due:
            item = heapq.heappop(expiry)
            minute, origin, seq = item >> 64, item >> 32 & SEQ_MASK, item & SEQ_MASK
            summary = held.summary(origin, seq)
            if summary is None:
                continue
            if summary.expires(right) > minute:
                continue  # replaced by another record of that seq, due later
            if not held.drop(origin, seq):
                continue
            pruned.append(RecordId(origin, seq))
            control, kind, _status, _urgency = unpack_flags(summary.flags)
            key = summary.entry_origin << 32 | summary.entry_seq
            # From the summary: pruning a month's records makes none of them.
            self.limits.released_held(origin, seq, control, kind == Kind.ALERT,
                                      not summary.version, key, summary.created)
            newest = self._newest.get(key)
            if newest is not None and newest & SEQ_MASK == seq:
                del self._newest[key]
        return pruned


def _expiry(rec: SignedRecord, first_seen: int) -> tuple[int, int]:
    """lifetime.expires_at of ``rec``: with our clock confirmed right, and with it not."""
    return (expires_at(rec.body, first_seen, clock_ahead=False),
            expires_at(rec.body, first_seen, clock_ahead=True))
