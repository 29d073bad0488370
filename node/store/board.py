"""The durable board: verified records in SQLite, and the entries they make.

Applying a record is the CRDT join of meshaid.sync.merge, done in SQL rows: the same set of
records in any order, with duplicates, gives the same tables (a property test checks this
against the in-memory ``Board``). The entry row is written in the same transaction as the
record it derives from, so the cache never disagrees with the records after a crash.

Records this node creates get their sequence number, their time stamp and their row in
one write transaction, committed with ``synchronous=FULL`` before anything else sees them:
a crash before the commit leaves no record and no trace of the number, and a crash after
it leaves both, so a number that was ever signed into a stored record is never used again.
Nothing may leave the node (air, USB stick) before ``create`` has returned.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from nacl.signing import SigningKey
from sqlalchemy import Engine, Select, func, select
from sqlalchemy.orm import Session

from meshaid.node.clock import NodeClock
from meshaid.node.codes import entry_code
from meshaid.node.errors import KeyFileError, StoreError
from meshaid.node.store.database import (
    DEFAULT_BUSY_TIMEOUT_MS,
    create_store_engine,
    migrate,
    read_session,
    write_session,
)
from meshaid.node.store.models import (
    CounterRow,
    EntryRow,
    EvidenceRow,
    KeyRow,
    LocalStateRow,
    RecordRow,
)
from meshaid.protocol.errors import DecodeError, SignatureError
from meshaid.protocol.record import (
    EntryId,
    RecordBody,
    RecordId,
    SignedRecord,
    Status,
    decode,
    origin_id,
    sign,
)
from meshaid.sync.lifetime import expires_at, lifetime_of
from meshaid.sync.merge import EntryState, Outcome, join

# Outcomes of applying a record from outside, beyond meshaid.sync.merge.Outcome.
MALFORMED = "malformed"
UNKNOWN_ORIGIN = "unknown_origin"
BAD_SIGNATURE = "bad_signature"
ACCEPTED = {Outcome.NEW.value, Outcome.DUPLICATE.value, Outcome.EQUIVOCATION.value}

OPEN_STATUSES = (int(Status.OPEN), int(Status.MATCHED))
STATUS_FILTERS = ("active", "open", "matched", "fulfilled", "withdrawn", "expired", "all")


@dataclass(frozen=True)
class ApplyResult:
    """What became of one record offered to the store."""

    record_id: RecordId | None  # None when the bytes did not even decode
    outcome: str  # a merge Outcome value, or MALFORMED, UNKNOWN_ORIGIN, BAD_SIGNATURE
    reason: str = ""

    @property
    def accepted(self) -> bool:
        return self.outcome in ACCEPTED


@dataclass(frozen=True)
class EntryFilter:
    """Which entries a board query returns. Names are already checked; times are minutes."""

    status: str = "active"
    kinds: tuple[int, ...] = ()
    categories: tuple[int, ...] = ()
    communities: tuple[int, ...] = ()
    search: str = ""
    search_zone_ids: tuple[int, ...] = ()  # configured zones whose names match ``search``
    since: int | None = None


# Builds the body of a new record from (seq, now) and, for a change, the entry's state.
NewBody = Callable[[int, int], RecordBody]
ChangeBody = Callable[[EntryState, int, int], RecordBody]


class BoardStore:
    """One node's board database. Every method is one transaction."""

    def __init__(self, engine: Engine, key: SigningKey, clock: NodeClock) -> None:
        self.db = engine
        self._key = key
        self.clock = clock
        self.public_key = bytes(key.verify_key)
        self.origin = origin_id(self.public_key)

    @classmethod
    def open(
        cls,
        path: Path,
        key: SigningKey,
        clock: NodeClock,
        busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
    ) -> BoardStore:
        """Open (creating if need be) and migrate the database at ``path``."""
        engine = create_store_engine(path, busy_timeout_ms)
        try:
            migrate(engine)
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, key, clock)

    def close(self) -> None:
        self.db.dispose()

    # -- this node ----------------------------------------------------------------------

    def bootstrap(self, name: str) -> bool:
        """Record this node's origin and key in a new database. True if it was new."""
        with write_session(self.db) as s:
            state = s.get(LocalStateRow, 1)
            if state is not None:
                self._check_owner(state)
                return False
            now = self.clock.minute(0)
            s.add(LocalStateRow(id=1, origin=self.origin, next_seq=1, clock_minute=now))
            self._add_key(s, self.public_key, name, now)
            return True

    def check_owner(self) -> None:
        """KeyFileError unless this store was created for this node's key."""
        with read_session(self.db) as s:
            state = s.get(LocalStateRow, 1)
            if state is None:
                raise StoreError("the board database has no node state; run `meshaid init`")
            self._check_owner(state)

    def _check_owner(self, state: LocalStateRow) -> None:
        if state.origin != self.origin:
            raise KeyFileError(
                f"the node key (origin {self.origin:08x}) does not belong to this board "
                f"database (origin {state.origin:08x})"
            )

    def now_minute(self) -> int:
        """The node's current on-air minute, without advancing the persisted mark."""
        with read_session(self.db) as s:
            state = s.get(LocalStateRow, 1)
            return self.clock.minute(state.clock_minute if state else 0)

    def next_seq(self) -> int:
        """The sequence number the next record created here will get."""
        with read_session(self.db) as s:
            return self._next_seq(s, self._local_state(s))

    # -- keys ---------------------------------------------------------------------------

    def add_key(self, public_key: bytes, name: str) -> int:
        """Accept records signed by ``public_key`` from now on; returns its origin."""
        with write_session(self.db) as s:
            now = self.clock.minute(self._local_state(s).clock_minute)
            return self._add_key(s, public_key, name, now)

    def _add_key(self, s: Session, public_key: bytes, name: str, now: int) -> int:
        origin = origin_id(public_key)
        held = s.get(KeyRow, origin)
        if held is None:
            s.add(KeyRow(origin=origin, public_key=public_key, name=name, added=now))
        elif held.public_key != public_key:
            # 32-bit origins can collide; the first key keeps the origin.
            raise StoreError(f"origin {origin:08x} already belongs to another key ({held.name})")
        else:
            held.name = name
        return origin

    def key_of(self, origin: int) -> bytes | None:
        with read_session(self.db) as s:
            row = s.get(KeyRow, origin)
            return None if row is None else row.public_key

    # -- records from outside ------------------------------------------------------------

    def apply(self, record: bytes | SignedRecord) -> ApplyResult:
        """Verify and merge one record; never raises for bad records (they are counted)."""
        return self.apply_all([record])[0]

    def apply_all(self, records: Iterable[bytes | SignedRecord]) -> list[ApplyResult]:
        """Verify and merge records in one transaction."""
        results: list[ApplyResult] = []
        with write_session(self.db) as s:
            now = self.clock.minute(self._local_state(s).clock_minute)
            for record in records:
                results.append(self._apply_one(s, record, now))
            for outcome, n in Counter(r.outcome for r in results).items():
                self._count(s, f"records.{outcome}", n)
        return results

    def _apply_one(self, s: Session, record: bytes | SignedRecord, now: int) -> ApplyResult:
        if isinstance(record, SignedRecord):
            record = record.raw
        try:
            rec = decode(record)
        except DecodeError as exc:
            return ApplyResult(None, MALFORMED, str(exc))
        rid = rec.record_id
        key = s.get(KeyRow, rec.body.origin)
        if key is None:
            return ApplyResult(rid, UNKNOWN_ORIGIN, f"unknown origin {rec.body.origin:08x}")
        try:
            rec.verify(key.public_key)
        except SignatureError as exc:
            return ApplyResult(rid, BAD_SIGNATURE, str(exc))
        outcome = self._merge(s, rec, now)
        reason = ""
        if outcome is Outcome.UNAUTHORISED:
            reason = f"origin {rec.body.origin:08x} does not own entry {rec.entry_id.origin:08x}"
        return ApplyResult(rid, outcome.value, reason)

    # -- records created here -----------------------------------------------------------

    def create(self, build: NewBody) -> SignedRecord:
        """Sign and store a record that creates an entry (see the module docstring)."""
        return self._create(lambda s, seq, now: build(seq, now))

    def create_change(self, eid: EntryId, build: ChangeBody) -> SignedRecord:
        """Sign and store a record that changes entry ``eid``, built from its current state.

        ``build`` runs inside the transaction, so the state it sees is the one the new
        record is merged into; it may raise to refuse the change.
        """

        def with_state(s: Session, seq: int, now: int) -> RecordBody:
            state = self._load_state(s, eid)
            if state is None:
                raise StoreError(f"entry {eid.origin:08x}/{eid.seq} is not on the board")
            return build(state, seq, now)

        return self._create(with_state)

    def _create(self, build: Callable[[Session, int, int], RecordBody]) -> SignedRecord:
        with write_session(self.db) as s:
            state = self._local_state(s)
            seq = self._next_seq(s, state)
            now = self.clock.minute(state.clock_minute)
            body = build(s, seq, now)
            if body.origin != self.origin or body.seq != seq:
                raise StoreError("a new record must have this node's origin and the seq given")
            rec = sign(body, self._key)
            outcome = self._merge(s, rec, now)
            if outcome is not Outcome.NEW:
                raise StoreError(f"record {seq} of this node was not new ({outcome.value})")
            state.next_seq = seq + 1
            state.clock_minute = now
            self._count(s, "records.created")
        return rec

    @staticmethod
    def _local_state(s: Session) -> LocalStateRow:
        state = s.get(LocalStateRow, 1)
        if state is None:
            raise StoreError("the board database has no node state; run `meshaid init`")
        return state

    def _next_seq(self, s: Session, state: LocalStateRow) -> int:
        # Past every seq of ours the store holds, too: after a restore from an old backup
        # the counter may be behind records that neighbours sent back to us.
        highest = s.scalar(select(func.max(RecordRow.seq)).where(RecordRow.origin == self.origin))
        return max(state.next_seq, (highest or 0) + 1)

    # -- the join -----------------------------------------------------------------------

    def _merge(self, s: Session, rec: SignedRecord, now: int) -> Outcome:
        """Add a verified record, as meshaid.sync.merge.Board.apply does in memory."""
        if rec.entry_id.origin != rec.body.origin:
            return Outcome.UNAUTHORISED
        rid = rec.record_id
        held = s.get(RecordRow, tuple(rid))
        if held is not None:
            if held.raw == rec.raw:
                return Outcome.DUPLICATE
            self._keep_evidence(s, rid, held.raw, held.first_seen)
            self._keep_evidence(s, rid, rec.raw, now)
            if rec.digest < held.digest:
                old_entry = EntryId(held.entry_origin, held.entry_seq)
                self._fill_record(held, rec)
                s.flush()
                self._rebuild(s, old_entry)
                if rec.entry_id != old_entry:
                    self._rebuild(s, rec.entry_id)
                s.flush()
            return Outcome.EQUIVOCATION
        row = RecordRow(origin=rid.origin, seq=rid.seq, first_seen=now)
        self._fill_record(row, rec)
        s.add(row)
        s.flush()
        if rec.body.control:
            return Outcome.NEW  # about the neighbourhood (roster, keys): no entry row
        eid = rec.entry_id
        entry = s.get(EntryRow, tuple(eid))
        state = self._state_of(s, entry)
        joined = join(state, rec)
        first_seen = now if entry is None else min(entry.first_seen, now)
        if entry is None or joined is not state or first_seen != entry.first_seen:
            self._write_entry(s, joined, first_seen, entry)
        s.flush()
        return Outcome.NEW

    @staticmethod
    def _fill_record(row: RecordRow, rec: SignedRecord) -> None:
        row.raw = rec.raw
        row.digest = rec.digest
        row.entry_origin, row.entry_seq = rec.entry_id
        row.version = rec.body.version
        row.status = int(rec.body.status)

    @staticmethod
    def _keep_evidence(s: Session, rid: RecordId, raw: bytes, seen: int) -> None:
        digest = hashlib.sha256(raw).digest()
        exists = s.scalar(
            select(EvidenceRow.id).where(
                EvidenceRow.origin == rid.origin,
                EvidenceRow.seq == rid.seq,
                EvidenceRow.digest == digest,
            )
        )
        if exists is None:
            s.add(
                EvidenceRow(origin=rid.origin, seq=rid.seq, raw=raw, digest=digest, first_seen=seen)
            )
            s.flush()

    def _rebuild(self, s: Session, eid: EntryId) -> None:
        """Recompute an entry from all its records (after an equivocation swapped one)."""
        rows = s.scalars(
            select(RecordRow)
            .where(RecordRow.entry_origin == eid.origin, RecordRow.entry_seq == eid.seq)
            .order_by(RecordRow.origin, RecordRow.seq)
        ).all()
        # Control records share the table but make no entry.
        kept = [(row, rec) for row in rows if not (rec := decode(row.raw)).body.control]
        rows = [row for row, _ in kept]
        entry = s.get(EntryRow, tuple(eid))
        if not rows:
            if entry is not None:
                s.delete(entry)
                s.flush()
            return
        state: EntryState | None = None
        for _, rec in kept:
            state = join(state, rec)
        assert state is not None
        self._write_entry(s, state, min(row.first_seen for row in rows), entry)

    @staticmethod
    def _state_of(s: Session, entry: EntryRow | None) -> EntryState | None:
        if entry is None:
            return None
        content = s.get(RecordRow, (entry.content_origin, entry.content_seq))
        status = s.get(RecordRow, (entry.status_origin, entry.status_seq))
        if content is None or status is None:  # foreign keys make this impossible
            raise StoreError(f"entry {entry.origin:08x}/{entry.seq} lost its records")
        return EntryState(EntryId(entry.origin, entry.seq), decode(content.raw), decode(status.raw))

    def _load_state(self, s: Session, eid: EntryId) -> EntryState | None:
        return self._state_of(s, s.get(EntryRow, tuple(eid)))

    @staticmethod
    def _write_entry(s: Session, state: EntryState, first_seen: int, row: EntryRow | None) -> None:
        """Write the entry's row (``row``: the existing one, None for a new entry)."""
        eid = state.entry_id
        if row is None:
            row = EntryRow(origin=eid.origin, seq=eid.seq, code=entry_code(eid))
            s.add(row)
        body = state.content.body
        row.kind = int(body.kind)
        row.category = int(body.category)
        row.community = body.community
        row.zone_id = body.zone_id
        row.zone_name = body.zone_name
        row.text = body.text
        row.urgency = int(body.urgency)
        row.when = body.when
        row.created = body.created
        row.lifetime = lifetime_of(body)
        row.expires = expires_at(body, first_seen)
        row.status = int(state.status)
        row.version = state.version
        row.first_seen = first_seen
        row.content_origin, row.content_seq = state.content.record_id
        row.status_origin, row.status_seq = state.status_record.record_id

    @staticmethod
    def _count(s: Session, name: str, by: int = 1) -> None:
        row = s.get(CounterRow, name)
        if row is None:
            s.add(CounterRow(name=name, value=by))
        else:
            row.value += by

    # -- queries ------------------------------------------------------------------------

    def entry(self, eid: EntryId) -> EntryRow | None:
        with read_session(self.db) as s:
            return s.get(EntryRow, tuple(eid))

    def find_by_code(self, prefix: str) -> list[EntryRow]:
        """Entries whose code starts with ``prefix`` (already normalised)."""
        with read_session(self.db) as s:
            # The code alphabet has no LIKE wildcards, so the prefix needs no escaping.
            stmt = select(EntryRow).where(EntryRow.code.like(prefix + "%")).order_by(EntryRow.code)
            return list(s.scalars(stmt).all())

    def all_codes(self) -> list[str]:
        with read_session(self.db) as s:
            return list(s.scalars(select(EntryRow.code)).all())

    def entries(self, flt: EntryFilter, now: int) -> list[EntryRow]:
        """Entries matching ``flt`` at minute ``now``, newest first."""
        with read_session(self.db) as s:
            return list(s.scalars(self._filtered(flt, now)).all())

    @staticmethod
    def _filtered(flt: EntryFilter, now: int) -> Select[EntryRow]:
        stmt = select(EntryRow)
        live = EntryRow.expires > now
        open_ = EntryRow.status.in_(OPEN_STATUSES)
        if flt.status == "active":
            stmt = stmt.where(open_, live)
        elif flt.status in ("open", "matched"):
            stmt = stmt.where(EntryRow.status == int(Status[flt.status.upper()]), live)
        elif flt.status in ("fulfilled", "withdrawn"):
            stmt = stmt.where(EntryRow.status == int(Status[flt.status.upper()]))
        elif flt.status == "expired":
            stmt = stmt.where(open_, EntryRow.expires <= now)
        elif flt.status != "all":
            raise StoreError(f"unknown status filter {flt.status!r}")
        if flt.kinds:
            stmt = stmt.where(EntryRow.kind.in_(flt.kinds))
        if flt.categories:
            stmt = stmt.where(EntryRow.category.in_(flt.categories))
        if flt.communities:
            stmt = stmt.where(EntryRow.community.in_(flt.communities))
        if flt.search:
            needle = flt.search.casefold()
            found = (func.instr(func.meshaid_fold(EntryRow.text), needle) > 0) | (
                func.instr(func.meshaid_fold(EntryRow.zone_name), needle) > 0
            )
            if flt.search_zone_ids:
                found = found | EntryRow.zone_id.in_(flt.search_zone_ids)
            stmt = stmt.where(found)
        if flt.since is not None:
            stmt = stmt.where(EntryRow.created >= flt.since)
        return stmt.order_by(EntryRow.created.desc(), EntryRow.origin, EntryRow.seq)

    def counters(self) -> dict[str, int]:
        with read_session(self.db) as s:
            return {row.name: row.value for row in s.scalars(select(CounterRow)).all()}

    def records_of(self, origin: int) -> list[SignedRecord]:
        """This store's records of one origin, in seq order."""
        with read_session(self.db) as s:
            raws = s.scalars(
                select(RecordRow.raw).where(RecordRow.origin == origin).order_by(RecordRow.seq)
            ).all()
        return [decode(raw) for raw in raws]
