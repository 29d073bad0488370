"""The records a node holds, kept compact: bytes and a few numbers a record, not objects.

A node holds its whole board (100,000 entries and more) for as long as it runs, and the
engine reads few of those records whole: answers, relays and digests work on seqs and
counts. So each held record is one bytes object, a short summary followed by the record's
exact signed bytes, and a ``SignedRecord`` is made only when one is asked for, from the
summary (summary_records.py: its text and the other fields the summary lacks are read
from the bytes on first use). A record the engine was given (``put``: heard, or made
here) is handed out as that same object while anything still refers to it (a weak
reference each): the relays owed to a neighbour are checked by identity (relaying.py).

The summary holds what the holdings read of every record without decoding it: the minute
it was first seen here, the minute its entry expires (under either judgement of our own
clock, see holdings.py; the prune margin is added where it is used), its entry, version,
signed minute, kind, status, urgency and zone, and whether it is a control record. A
record whose bytes this code did not make from its body, or the other way round (put
together by hand: ``matches_raw`` is False), is kept as the object it came as, so that
what is held is exactly what was given.

Loading a store (``StoredRecords``) takes each record's id, entry, version and status
from the store's columns and the rest with ``stored_fields``, a protobuf parse without making a
record, and makes the bytes a record is held as there and then, a batch of rows at a
time, so the rows themselves never pile up in memory (see holdings.py's ``load``).
"""

from __future__ import annotations

import functools
import struct
import weakref
from collections.abc import Callable, ItemsView, Iterable, Iterator, Mapping, Sequence
from typing import NamedTuple

from meshaid.protocol.record import (
    KINDS,
    URGENCIES,
    EntryId,
    Kind,
    RecordId,
    SignedRecord,
    Urgency,
    decode_stored,
    stored_fields,
)
from meshaid.sync.lifetime import (
    DEFAULT_LIFETIME,
    EPOCH_SLACK,
    MAX_LIFETIME,
    NEVER,
    TRADE_GRACE,
)
from meshaid.sync.summary_records import summary_record

# first seen (-1: not yet), expiry with our clock confirmed, expiry with it not (yet)
# confirmed, entry origin, entry seq, version, created, flags (see ``flags``), zone
SUMMARY = struct.Struct("<qqqIIIIBI")
SUMMARY_BYTES = SUMMARY.size
NOT_SEEN = -1
SEQ_MASK = 0xFFFF_FFFF
CONTROL = 1  # the flags: control, then kind, status and urgency, two bits each
_KIND, _STATUS, _URGENCY = 1, 3, 5


def flags(control: bool, kind: int, status: int, urgency: int) -> int:
    return int(control) | kind << _KIND | status << _STATUS | urgency << _URGENCY


def is_alert(flags: int) -> bool:
    return flags >> _KIND & 3 == Kind.ALERT


def unpack_flags(flags: int) -> tuple[bool, int, int, int]:
    """(control, kind, status, urgency) of ``flags``."""
    return bool(flags & CONTROL), flags >> _KIND & 3, flags >> _STATUS & 3, flags >> _URGENCY & 3


class Summary(NamedTuple):
    first_seen: int  # NOT_SEEN: stored before the wall clock was known
    expires_right: int  # lifetime.expires_at once our clock is confirmed right
    expires_unsure: int  # ... while it is not (unknown, or years ahead)
    entry_origin: int
    entry_seq: int
    version: int
    created: int
    flags: int  # see ``flags``
    zone_id: int

    def expires(self, clock_right: bool) -> int:
        return self.expires_right if clock_right else self.expires_unsure


def pack_summary(first_seen: int, expires_right: int, expires_unsure: int, entry_origin: int,
                 entry_seq: int, version: int, created: int, flags: int, zone_id: int) -> bytes:
    return SUMMARY.pack(first_seen, expires_right, expires_unsure, entry_origin, entry_seq,
                         version, created, flags, zone_id)


def unpack_summary(value: bytes) -> Summary:
    return Summary._make(SUMMARY.unpack_from(value))


def expiry_minutes(control: bool, kind: Kind, lifetime: int, when: int, created: int,
                   first_seen: int) -> tuple[int, int]:
    """lifetime.expires_at of a record with these fields, first seen at ``first_seen``:
    (with our clock confirmed right, with it not). The same rules, on numbers rather
    than a body (tests/sync/test_held_records.py compares them)."""
    if control:
        return NEVER, NEVER
    if lifetime:
        life = lifetime
    elif kind == Kind.TRADE and when:
        life = max(when + TRADE_GRACE - created, 0)
    else:
        life = DEFAULT_LIFETIME[kind]
    if life > MAX_LIFETIME:
        life = MAX_LIFETIME
    wrong = created <= EPOCH_SLACK or created > first_seen + MAX_LIFETIME
    old = EPOCH_SLACK < created < first_seen - MAX_LIFETIME
    return ((first_seen if wrong else created) + life,
            (first_seen if wrong or old else created) + life)


def summary_of(rec: SignedRecord, first_seen: int | None) -> bytes:
    """The summary ``rec`` is held with, first seen at ``first_seen`` (None: not yet)."""
    body = rec.body
    eid = rec.entry_id
    bits = flags(bool(body.control), body.kind, body.status, body.urgency)
    right = unsure = 0
    if first_seen is None:
        first_seen = NOT_SEEN
    else:
        right, unsure = expiry_minutes(bool(body.control), body.kind, body.lifetime,
                                       body.when, body.created, first_seen)
    return pack_summary(first_seen, right, unsure, eid.origin, eid.seq, body.version,
                        body.created, bits, body.zone_id)


# A store may keep each record's summary beside it (node/store: ``records.held``), so
# that loading a store builds no summary: this byte leads what it keeps, and a summary
# kept under another layout (another version, another length) is made again from the
# record. Change it whenever SUMMARY or ``summary_of`` changes.
KEPT_VERSION = b"\x01"
KEPT_BYTES = 1 + SUMMARY_BYTES


def kept_summary(rec: SignedRecord, first_seen: int) -> bytes:
    """What a store keeps of ``rec``'s summary (see KEPT_VERSION)."""
    return KEPT_VERSION + summary_of(rec, first_seen)


def leading_id(raw: bytes) -> tuple[int, int] | None:
    """(origin, seq) as the first bytes of a canonically encoded record say them, or None.
    Canonical encoding puts fields in number order, and every record ``decode`` accepts
    has both: field 1 (fixed32, tag 0x0d) and field 2 (varint, tag 0x10) after the
    version byte. So which held record some bytes could be costs no decoding."""
    if len(raw) < 8 or raw[1] != 0x0D or raw[6] != 0x10:
        return None
    seq = shift = 0
    for i in range(7, min(len(raw), 12)):
        byte = raw[i]
        seq |= (byte & 0x7F) << shift
        if byte < 0x80:
            return int.from_bytes(raw[2:6], "little"), seq
        shift += 7
    return None


# Summary and bytes packed in one go, by the length of the bytes (records are at most
# MAX_RECORD_BYTES long, so there are a few hundred of these at most).
_PACKERS: dict[int, Callable[..., bytes]] = {}


class HeldRecords:
    """Held records by origin and seq, each as summary + bytes."""

    def __init__(self) -> None:
        # origin -> seq -> summary + raw, in the order they were stored
        self._by_origin: dict[int, dict[int, bytes]] = {}
        # Records given to ``put``, while anything else refers to them.
        self._live: dict[int, weakref.ref[SignedRecord]] = {}
        # Records put together by hand (see the module docstring), and their bytes.
        self._odd: dict[int, SignedRecord] = {}
        self._odd_raw: dict[bytes, RecordId] = {}

    def get(self, origin: int, seq: int) -> SignedRecord | None:
        by_seq = self._by_origin.get(origin)
        if by_seq is None:
            return None
        value = by_seq.get(seq)
        return None if value is None else self.record(origin, seq, value)

    def record(self, origin: int, seq: int, value: bytes) -> SignedRecord:
        """The record held for (origin, seq) as ``value`` (summary + raw)."""
        key = origin << 32 | seq
        ref = self._live.get(key)
        rec = ref() if ref is not None else self._odd.get(key)
        if rec is None:
            # Not kept by anyone: made afresh (a weak reference each would cost more than
            # making it; only records given to ``put`` are compared by identity).
            (_seen, _right, _unsure, entry_origin, entry_seq, version, created, bits,
             zone_id) = SUMMARY.unpack_from(value)
            rec = summary_record(
                value[SUMMARY_BYTES:], origin, seq,
                tuple.__new__(EntryId, (entry_origin, entry_seq)), version, created,
                bool(bits & CONTROL), bits >> _KIND & 3, bits >> _STATUS & 3,
                bits >> _URGENCY & 3, zone_id)
        return rec

    def summary(self, origin: int, seq: int) -> Summary | None:
        value = self._by_origin.get(origin, {}).get(seq)
        return None if value is None else unpack_summary(value)

    def __contains__(self, rid: RecordId) -> bool:
        return rid.seq in self._by_origin.get(rid.origin, {})

    def put(self, rec: SignedRecord, summary: bytes) -> None:
        """Hold ``rec`` (in place of any record held for its id)."""
        origin, seq = rec.record_id
        key = origin << 32 | seq
        self._forget(origin, seq, key)
        self._by_origin.setdefault(origin, {})[seq] = summary + rec.raw
        self._live[key] = weakref.ref(rec, functools.partial(_dead, self._live, key))
        if not rec.matches_raw or leading_id(rec.raw) != (origin, seq):
            self._odd[key] = rec
            self._odd_raw[rec.raw] = RecordId(origin, seq)

    def put_stored_origin(self, origin: int, by_seq: dict[int, bytes]) -> None:
        """Hold an origin's records read from a store (seq -> summary + raw), none of
        which is held yet."""
        held = self._by_origin.setdefault(origin, {})
        if held:
            held.update(by_seq)
        else:
            self._by_origin[origin] = by_seq

    def set_summary(self, origin: int, seq: int, summary: bytes) -> None:
        by_seq = self._by_origin[origin]
        by_seq[seq] = summary + by_seq[seq][SUMMARY_BYTES:]

    def pop(self, origin: int, seq: int) -> SignedRecord | None:
        """Stop holding the record for (origin, seq); returns it."""
        rec = self.get(origin, seq)
        if rec is not None:
            self._forget(origin, seq, origin << 32 | seq)
            del self._by_origin[origin][seq]
        return rec

    def drop(self, origin: int, seq: int) -> bool:
        """``pop`` without making the record; True when one was held."""
        by_seq = self._by_origin.get(origin)
        if by_seq is None or by_seq.pop(seq, None) is None:
            return False
        self._forget(origin, seq, origin << 32 | seq)
        return True

    def _forget(self, origin: int, seq: int, key: int) -> None:
        self._live.pop(key, None)
        odd = self._odd.pop(key, None)
        if odd is not None and self._odd_raw.get(odd.raw) == (origin, seq):
            del self._odd_raw[odd.raw]

    def id_of(self, raw: bytes) -> RecordId | None:
        """The id of a held record with exactly these bytes."""
        found = leading_id(raw)
        if found is not None:
            value = self._by_origin.get(found[0], {}).get(found[1])
            if value is not None and len(value) == SUMMARY_BYTES + len(raw) \
                    and value.endswith(raw):
                return RecordId(*found)
        return self._odd_raw.get(raw) if self._odd_raw else None

    def origins(self) -> list[int]:
        return list(self._by_origin)

    def of_origin(self, origin: int) -> Mapping[int, SignedRecord]:
        return _OriginView(self, origin, self._by_origin.get(origin, {}))

    def entries(self, origin: int) -> Iterator[tuple[int, int, int]]:
        """(seq, entry key, version) of each record held of ``origin``."""
        unpack = SUMMARY.unpack_from
        for seq, value in self._by_origin.get(origin, {}).items():
            _seen, _right, _unsure, entry_origin, entry_seq, version, *_rest = unpack(value)
            yield seq, entry_origin << 32 | entry_seq, version

    def first_seen(self) -> Iterator[tuple[int, int, Summary]]:
        """(origin, seq, summary) of each held record that has a first-seen minute."""
        unpack = SUMMARY.unpack_from
        for origin, by_seq in self._by_origin.items():
            for seq, value in by_seq.items():
                fields = unpack(value)
                if fields[0] != NOT_SEEN:
                    yield origin, seq, Summary._make(fields)

    def __iter__(self) -> Iterator[SignedRecord]:
        for origin, by_seq in self._by_origin.items():
            for seq in list(by_seq):
                rec = self.get(origin, seq)
                if rec is not None:
                    yield rec


def _dead(live: dict[int, weakref.ref[SignedRecord]], key: int,
          ref: weakref.ref[SignedRecord]) -> None:
    if live.get(key) is ref:
        del live[key]


class _OriginView(Mapping[int, SignedRecord]):
    """One origin's held records by seq, made into records as they are read."""

    def __init__(self, held: HeldRecords, origin: int, by_seq: dict[int, bytes]) -> None:
        self._held = held
        self._origin = origin
        self._by_seq = by_seq

    def __getitem__(self, seq: int) -> SignedRecord:
        rec = self._held.get(self._origin, seq) if seq in self._by_seq else None
        if rec is None:
            raise KeyError(seq)
        return rec

    def __iter__(self) -> Iterator[int]:
        return iter(list(self._by_seq))

    def __len__(self) -> int:
        return len(self._by_seq)

    def __contains__(self, seq: object) -> bool:
        return seq in self._by_seq

    def items(self) -> ItemsView[int, SignedRecord]:
        return _Items(self)


class _Items(ItemsView[int, SignedRecord]):
    """An origin's (seq, record) pairs without looking each seq up again (answers walk
    every held record of an origin)."""

    _mapping: _OriginView

    def __iter__(self) -> Iterator[tuple[int, SignedRecord]]:
        view = self._mapping
        record, origin = view._held.record, view._origin
        for seq, value in list(view._by_seq.items()):
            yield seq, record(origin, seq, value)


# A row of the store's records table: origin, seq, raw, first_seen, entry_origin,
# entry_seq (the entry's, resolved), version and status.
StoredRow = tuple[int, int, bytes, int, int, int, int, int]


# A row of the store's records table led by the summary it kept: origin, seq, kept
# summary (None: none kept), raw, then anything (node/store/sync_state.py reads the
# columns of a StoredRow after them, for the rows whose summary has to be made).
KeptRow = tuple[int, int, bytes | None, bytes, *tuple[object, ...]]


class StoredRecords:
    """Records as a node's store holds them, made ready to load into the engine in one
    go (``add``, a batch of rows at a time). Iterating makes records of them
    (``decode_stored``), in (origin, seq) order, for any other use."""

    def __init__(self) -> None:
        # origin -> seq -> summary + raw, in the order the rows came
        self.by_origin: dict[int, dict[int, bytes]] = {}
        # (raw, first seen) of rows whose (origin, seq) came before (none from a store,
        # whose primary key it is): loaded after the others, as records
        self.twins: list[tuple[bytes, int]] = []
        self.first_seen: Mapping[RecordId, int] = _FirstSeen(self.by_origin)

    def add(self, rows: Iterable[StoredRow]) -> None:
        by_origin = self.by_origin
        packers = _PACKERS
        rows = list(rows)
        for (origin, seq, raw, seen, entry_origin, entry_seq, version, status), (
                kind, created, lifetime, when, control, urgency, zone_id) in zip(
                    rows, stored_fields([row[2] for row in rows]), strict=True):
            kind = KINDS.get(kind, Kind.OFFER)
            right, unsure = expiry_minutes(control, kind, lifetime, when, created, seen)
            bits = (control | kind << _KIND | status << _STATUS
                    | URGENCIES.get(urgency, Urgency.NORMAL) << _URGENCY)
            by_seq = by_origin.get(origin)
            if by_seq is None:
                by_seq = by_origin[origin] = {}
            elif seq in by_seq:
                self.twins.append((raw, seen))
                continue
            pack = packers.get(len(raw))
            if pack is None:
                pack = packers[len(raw)] = struct.Struct(f"{SUMMARY.format}{len(raw)}s").pack
            by_seq[seq] = pack(seen, right, unsure, entry_origin, entry_seq, version, created,
                               bits, zone_id, raw)

    def add_kept(self, rows: Sequence[KeptRow]) -> list[int]:
        """Rows that start (origin, seq, kept summary, raw) whose store kept their
        summaries (``kept_summary``); returns the indexes of those it could not take (no
        summary kept, or under another layout), for ``add`` to take from their fields."""
        by_origin = self.by_origin
        left = []
        for i, row in enumerate(rows):
            origin, seq, kept, raw = row[0], row[1], row[2], row[3]
            if kept is None or len(kept) != KEPT_BYTES or kept[:1] != KEPT_VERSION:
                left.append(i)
                continue
            by_seq = by_origin.get(origin)
            if by_seq is None:
                by_seq = by_origin[origin] = {}
            elif seq in by_seq:
                left.append(i)
                continue
            by_seq[seq] = kept[1:] + raw
        return left

    def __len__(self) -> int:
        return sum(len(by_seq) for by_seq in self.by_origin.values()) + len(self.twins)

    def __iter__(self) -> Iterator[SignedRecord]:
        for origin in sorted(self.by_origin):
            by_seq = self.by_origin[origin]
            for seq in sorted(by_seq):
                yield decode_stored(by_seq[seq][SUMMARY_BYTES:])
        for raw, _seen in self.twins:
            yield decode_stored(raw)

    def without(self, origin: int, first: int) -> StoredRecords:
        """These records but ``origin``'s from seq ``first`` on (first-seen minutes as
        these)."""
        kept = StoredRecords()
        kept.by_origin.update(self.by_origin)
        if origin in kept.by_origin:
            kept.by_origin[origin] = {seq: value for seq, value in kept.by_origin[origin].items()
                                      if seq < first}
        kept.twins = [twin for twin in self.twins if not _from(leading_id(twin[0]), origin, first)]
        kept.first_seen = self.first_seen
        return kept


def _from(rid: tuple[int, int] | None, origin: int, first: int) -> bool:
    return rid is not None and rid[0] == origin and rid[1] >= first


class _FirstSeen(Mapping[RecordId, int]):
    """The rows' first-seen minutes by record id, read from their summaries."""

    def __init__(self, by_origin: dict[int, dict[int, bytes]]) -> None:
        self._by_origin = by_origin

    def __getitem__(self, rid: RecordId) -> int:
        value = self._by_origin.get(rid.origin, {}).get(rid.seq)
        if value is None:
            raise KeyError(rid)
        return int(SUMMARY.unpack_from(value)[0])

    def __iter__(self) -> Iterator[RecordId]:
        for origin, by_seq in self._by_origin.items():
            for seq in by_seq:
                yield RecordId(origin, seq)

    def __len__(self) -> int:
        return sum(len(by_seq) for by_seq in self._by_origin.values())
