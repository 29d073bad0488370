"""Abuse limits: how fast one origin may add entries, and how much it may keep.

Every member signs, and a member's node (or a stolen one) could sign thousands of posts.
Each node therefore refuses what an origin adds beyond:

* a token bucket per origin over the signed ``created`` minutes of the records that
  create entries: ``rate`` an hour, ``burst`` at once. A change to an entry carries the
  entry's ``created``, not a time of its own (node/services.py), so changes are bounded
  by a cap on the records held per entry instead (``max_entry_records``);
* a cap on the live entries an origin created (pruned ones no longer count), and one on
  its control records (roster, keys), which have no bucket and are never pruned;
* alerts are never refused for being alerts, but have a bucket of their own for their
  precedence: an alert beyond its origin's alert bucket (or a change to an alert beyond
  its first few) is sent and relayed like an ordinary record, after other members'
  alerts and from the ordinary share, and a new one counts against the ordinary bucket,
  so one member's flood of alerts neither holds back everyone else's alerts nor gets
  past the ordinary limit.

An origin chooses the minutes it signs, so the bucket holds back a member whose clock
runs, not one that makes its minutes up: the caps bound that one. A record stamped near
the epoch (a clock reset to 1970) has no bucket; the node layer's clock must advance the
minutes it stamps while the wall clock is stuck, or its posts beyond the burst are
refused everywhere.

The verdict depends only on signed data: the record, and the held records of the same
origin and class with lower seqs (a record never counts against one its origin signed
before it), their times clamped to the new one's, so that a flood signed with times
running backwards is counted all the same. Nodes that hold the same records decide alike,
whatever their clocks; a node that lacks some lower-seq records (lost, or arriving out of
order) may let through a record the others refuse, never the other way round. A refused
record is neither kept nor relayed, nor counted as known (see accepting.py).
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right, insort
from collections import Counter
from dataclasses import dataclass
from enum import Enum
from typing import TypeVar

from meshaid.protocol.record import Kind, RecordId, SignedRecord
from meshaid.sync.lifetime import EPOCH_SLACK

_K = TypeVar("_K")

# Records further back than this (in their own minutes) do not count against a new one:
# it bounds the work per record (at most a day's worth of the origin's new entries).
HORIZON_MINUTES = 24 * 60
# Changes to an alert that keep alert precedence: a correction and the all-clear.
ALERT_CHANGES = 2
_LOW = 0xFFFF_FFFF  # (a, b) of two 32-bit numbers is kept as a << 32 | b: it sorts alike


@dataclass(frozen=True)
class LimitConfig:
    rate_per_hour: float
    burst: int
    alert_rate_per_hour: float
    alert_burst: int
    max_entries: int
    max_control: int
    max_entry_records: int = 32


class Admission(Enum):
    ALERT = "alert"  # sent with alert precedence (an alert within its bucket, a control)
    ORDINARY = "ordinary"  # an ordinary record, or an alert beyond its bucket
    REFUSED = "refused"


def _creates(rec: SignedRecord) -> bool:
    return rec.body.entry_seq == 0


class OriginLimits:
    def __init__(self, config: LimitConfig) -> None:
        self.config = config
        # (origin, with alert precedence) -> (created, seq) of the held records that
        # created entries, ascending, each as created << 32 | seq (8 bytes, not a tuple)
        self._times: dict[tuple[int, bool], array[int]] = {}
        # The same records as seq << 32 | created, ascending: ``settle`` looks at the few
        # after a seq without walking them all.
        self._seqs: dict[tuple[int, bool], array[int]] = {}
        self._created: Counter[int] = Counter()  # origin -> held entries it created
        # entry (origin << 32 | seq) -> held records of it
        self._per_entry: Counter[int] = Counter()
        self._control: Counter[int] = Counter()  # origin -> held control records
        self._demoted: set[RecordId] = set()  # held alerts beyond their alert bucket

    def demoted(self, rid: RecordId) -> bool:
        """A held alert that lost its precedence (beyond its origin's alert bucket)."""
        return rid in self._demoted

    # ----------------------------------------------------------------- what is held

    def held(self, rec: SignedRecord, admission: Admission | None = None) -> None:
        """``rec`` is held, as ``judge`` admitted it (None: as its kind says)."""
        body = rec.body
        if body.control:
            self._control[body.origin] += 1
            return
        precedence = body.kind == Kind.ALERT and admission != Admission.ORDINARY
        if body.kind == Kind.ALERT and not precedence:
            self._demoted.add(rec.record_id)
        self._per_entry[_key(rec)] += 1
        if _creates(rec):
            self._created[body.origin] += 1
            self._add((body.origin, precedence), body.created, body.seq)

    def held_stored(self, origin: int, controls: int, entries: list[int],
                    creates: tuple[list[int], list[int]]) -> None:
        """``held`` for each of ``origin``'s records loaded from a store, an origin with
        none held yet, in ascending seq: ``controls`` control records, the entry of each
        other record (origin << 32 | seq), and the records that create entries as
        created << 32 | seq, without alert precedence and with. In that order ``settle``
        finds nothing after any of them (sync/holdings.py loads records so)."""
        if controls:
            self._control[origin] += controls
        self._per_entry.update(entries)
        for precedence in (False, True):
            made = creates[precedence]
            if not made:
                continue
            self._created[origin] += len(made)
            bucket = (origin, precedence)
            seqs = array("Q", [(item & _LOW) << 32 | item >> 32 for item in made])
            times = self._times.get(bucket, array("Q"))
            self._times[bucket] = array("Q", sorted([*times, *made]))
            self._seqs[bucket] = self._seqs.get(bucket, array("Q")) + seqs

    def released(self, rec: SignedRecord) -> None:
        """``rec`` is no longer held (pruned, or replaced by the other record of its seq)."""
        body = rec.body
        self.released_held(body.origin, body.seq, bool(body.control), body.kind == Kind.ALERT,
                           _creates(rec), _key(rec), body.created)

    def released_held(self, origin: int, seq: int, control: bool, alert: bool, creates: bool,
                      entry: int, created: int) -> None:
        """``released`` on what a held record's summary says of it (no record made)."""
        if control:
            _decrement(self._control, origin)
            return
        rid = RecordId(origin, seq)
        demoted = rid in self._demoted
        self._demoted.discard(rid)
        _decrement(self._per_entry, entry)
        if not creates:
            return
        _decrement(self._created, origin)
        self._remove((origin, alert and not demoted), created, seq)

    def _add(self, key: tuple[int, bool], created: int, seq: int) -> None:
        insort(self._times.setdefault(key, array("Q")), created << 32 | seq)
        insort(self._seqs.setdefault(key, array("Q")), seq << 32 | created)

    def _remove(self, key: tuple[int, bool], created: int, seq: int) -> None:
        for table, item in ((self._times, created << 32 | seq), (self._seqs, seq << 32 | created)):
            rows = table.get(key)
            if rows is None:
                continue
            i = bisect_left(rows, item)
            if i < len(rows) and rows[i] == item:
                del rows[i]
            if not rows:
                del table[key]

    def settle(self, rec: SignedRecord) -> list[int]:
        """``rec`` was just held: held records of its origin with higher seqs that it
        puts beyond their bucket (they came first, ``rec`` was late) lose their place,
        as they would have had ``rec`` come first: an alert its precedence, any other
        record its place (returns their seqs, to drop). So what a node ends up holding
        does not depend on the order records came in. A late record can push out only
        records close after it: the next few of each bucket are looked at."""
        body = rec.body
        if body.control or not _creates(rec):
            return []
        cfg = self.config
        origin, seq = body.origin, body.seq
        out: list[int] = []
        for precedence in (True, False):
            rate, burst = (
                (cfg.alert_rate_per_hour, cfg.alert_burst) if precedence
                else (cfg.rate_per_hour, cfg.burst)
            )
            seqs = self._seqs.get((origin, precedence))
            if not seqs:
                continue
            first = bisect_right(seqs, seq << 32 | _LOW)
            for item in seqs[first : first + 2 * burst]:  # a copy: the loop changes seqs
                s, c = item >> 32, item & _LOW
                if self._tokens(origin, precedence, c, s, rate, burst) >= 1.0:
                    continue
                self._remove((origin, precedence), c, s)
                if precedence:  # demoted, and judged again as an ordinary one below
                    self._demoted.add(RecordId(origin, s))
                    self._add((origin, False), c, s)
                else:
                    out.append(s)
        return out

    # ----------------------------------------------------------------- the verdict

    def judge(self, rec: SignedRecord) -> tuple[Admission, str | None]:
        """How ``rec`` is admitted, and why not when it is refused."""
        cfg = self.config
        body = rec.body
        alert = body.kind == Kind.ALERT
        if body.control:
            if self._control[body.origin] >= cfg.max_control:
                return Admission.REFUSED, "control_cap"
            return Admission.ALERT, None  # control records go first, like alerts
        if not _creates(rec):
            held = self._per_entry[_key(rec)]
            if held >= cfg.max_entry_records:
                return Admission.REFUSED, "entry_cap"
            if alert and held <= ALERT_CHANGES:
                return Admission.ALERT, None
            return Admission.ORDINARY, None
        if self._created[body.origin] >= cfg.max_entries:
            return Admission.REFUSED, "live_cap"
        if body.created <= EPOCH_SLACK:
            # A clock reset to 1970 stamps every record alike: its minutes say nothing, so
            # only the caps bound it (an origin signs its own minutes, so a flooder could
            # as well make them up: the caps are what bound it in the end).
            return (Admission.ALERT if alert else Admission.ORDINARY), None
        if alert and self._tokens(
            body.origin, True, body.created, body.seq, cfg.alert_rate_per_hour, cfg.alert_burst
        ) >= 1.0:
            return Admission.ALERT, None
        if self._tokens(body.origin, False, body.created, body.seq, cfg.rate_per_hour,
                        cfg.burst) < 1.0:
            return Admission.REFUSED, "rate"
        return Admission.ORDINARY, None

    def _tokens(
        self, origin: int, alert: bool, created: int, seq: int, rate: float, burst: int
    ) -> float:
        """Tokens left at minute ``created`` after the held records of lower seq, starting
        full a horizon before (linear in the records within it)."""
        times = self._times.get((origin, alert))
        per_minute = rate / 60.0
        start = created - HORIZON_MINUTES
        tokens = float(burst)
        last = start
        if times:
            for item in times[bisect_left(times, max(start, 0) << 32) :]:
                when, other = item >> 32, item & _LOW
                if other >= seq:
                    continue
                when = min(when, created)  # signed later, yet earlier in seq: counted now
                tokens = min(float(burst), tokens + per_minute * (when - last)) - 1.0
                last = when
        return min(float(burst), tokens + per_minute * (created - last))


def _key(rec: SignedRecord) -> int:
    origin, seq = rec.entry_id
    return origin << 32 | seq


def _decrement(counter: Counter[_K], key: _K) -> None:
    counter[key] -= 1
    if counter[key] <= 0:
        del counter[key]
