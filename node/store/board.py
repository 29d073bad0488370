"""The durable board: verified records in SQLite, and the entries they make.

Applying a record is the CRDT join of meshaid.sync.merge, done in SQL rows (merging.py):
the same set of records in any order, with duplicates, gives the same tables (a property
test checks this against the in-memory ``Board``). The entry row is written in the same
transaction as the record it derives from, so the cache never disagrees with the records
after a crash. Records that arrive as objects already verified with the origin's key (by
the sync engine) are not verified again; bytes are decoded and verified here.

Records this node creates get their sequence number, their time stamp and their row in
one write transaction, committed with ``synchronous=FULL`` before anything else sees them:
a crash before the commit leaves no record and no trace of the number, and a crash after
it leaves both, so a number that was ever signed into a stored record is never used again.
Nothing may leave the node (air, USB stick) before ``create`` has returned.

Reads and writes go through plain sqlite3 connections (reading.py; database.py's
``write_transaction``), so that neither the commands nor the daemon load SQLAlchemy or
Alembic; ``db``, the SQLAlchemy engine, is made only for migrations and tests.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from nacl.signing import SigningKey

from meshaid.node.clock import NodeClock
from meshaid.node.errors import KeyFileError, StoreError
from meshaid.node.store import reading
from meshaid.node.store.database import (
    DEFAULT_BUSY_TIMEOUT_MS,
    CommitHooks,
    connect,
    create_store_engine,
    migrate,
    needs_migration,
    store_errors,
    write_transaction,
)
from meshaid.node.store.reading import OPEN_STATUSES, STATUS_FILTERS, Entry, EntryFilter
from meshaid.protocol.errors import DecodeError, SignatureError
from meshaid.protocol.record import (
    EntryId,
    RecordBody,
    RecordId,
    SignedRecord,
    decode,
    decode_stored,
    origin_id,
    sign,
)
from meshaid.sync.authority import Authorised, owner_only

# The merge (merging.py, meshaid.sync.merge) is imported by the methods that write
# records: a command that only reads the board does not load it.
if TYPE_CHECKING:
    from sqlalchemy import Engine

    from meshaid.node.store.merging import Merge
    from meshaid.sync.merge import EntryState

__all__ = [
    "ACCEPTED", "BAD_SIGNATURE", "MALFORMED", "OPEN_STATUSES", "STATUS_FILTERS",
    "UNKNOWN_ORIGIN", "ApplyResult", "BoardStore", "Entry", "EntryFilter",
]

# Outcomes of applying a record from outside, beyond meshaid.sync.merge.Outcome.
MALFORMED = "malformed"
UNKNOWN_ORIGIN = "unknown_origin"
BAD_SIGNATURE = "bad_signature"
# The values of Outcome.NEW, DUPLICATE and EQUIVOCATION (a test checks they still are).
ACCEPTED = frozenset({"new", "duplicate", "equivocation"})


@dataclass(frozen=True)
class ApplyResult:
    """What became of one record offered to the store."""

    record_id: RecordId | None  # None when the bytes did not even decode
    outcome: str  # a merge Outcome value, or MALFORMED, UNKNOWN_ORIGIN, BAD_SIGNATURE
    reason: str = ""

    @property
    def accepted(self) -> bool:
        return self.outcome in ACCEPTED


# Builds the body of a new record from (seq, now) and, for a change, the entry's state.
NewBody = Callable[[int, int], RecordBody]
ChangeBody = Callable[["EntryState", int, int], RecordBody]
# More writes in a new record's transaction: (its cursor, the record just stored).
Also = Callable[[sqlite3.Cursor, SignedRecord], None]
Trust = Callable[[int, int], bytes | None]
_Keys = dict[int, bytes | None]


class BoardStore:
    """One node's board database. Every method is one transaction."""

    def __init__(
        self,
        path: Path,
        key: SigningKey,
        clock: NodeClock,
        reader: sqlite3.Connection,
        busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
    ) -> None:
        self.path = path
        self._key = key
        self.clock = clock
        self.public_key = bytes(key.verify_key)
        self.origin = origin_id(self.public_key)
        self.busy_timeout_ms = busy_timeout_ms
        self._reader = reader
        self._lock = threading.RLock()  # the reader is shared by the daemon's threads
        self._engine: Engine | None = None
        self._writer: sqlite3.Connection | None = None  # made on the first write
        self._write_lock = threading.RLock()
        self.commit_hooks = CommitHooks()
        # Whose records to accept: (origin, seq) -> key, None to refuse. The daemon sets it
        # from the member roster (meshaid.node.membership); without it the keys table decides.
        self.trust: Trust | None = None
        # Who may sign a record about an entry (meshaid.sync.authority): the daemon and the
        # commands that change others' entries set it from the roster; else owners only.
        self.authorised: Authorised = owner_only

    @classmethod
    def open(
        cls,
        path: Path,
        key: SigningKey,
        clock: NodeClock,
        busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
    ) -> BoardStore:
        """Open (creating if need be) the database at ``path``, migrating it if its schema
        is not the newest."""
        store = cls(path, key, clock, connect(path, busy_timeout_ms), busy_timeout_ms)
        try:
            if needs_migration(store._reader):
                migrate(store.db)
        except BaseException:
            store.close()
            raise
        return store

    @property
    def db(self) -> Engine:
        """An SQLAlchemy engine on the database, for migrations and the models (made on
        first use; nothing else of the store needs it)."""
        if self._engine is None:
            self._engine = create_store_engine(self.path, self.busy_timeout_ms)
        return self._engine

    def close(self) -> None:
        self._reader.close()
        if self._writer is not None:
            self._writer.close()
        if self._engine is not None:
            self._engine.dispose()

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """The read connection, for one consistent snapshot of the database."""
        with self._lock, store_errors():
            conn = self._reader
            if conn.in_transaction:  # a snapshot is open already (nested use)
                yield conn
                return
            conn.execute("BEGIN")
            try:
                yield conn
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    @contextmanager
    def writing(self) -> Iterator[sqlite3.Cursor]:
        """One write transaction, committed when the block ends (plain sqlite3: see
        meshaid.node.store.database)."""
        with self._write_lock:
            if self._writer is None:
                self._writer = connect(self.path, self.busy_timeout_ms)
            with write_transaction(self._writer, self.commit_hooks) as cur:
                yield cur

    # -- this node ----------------------------------------------------------------------

    def bootstrap(self, name: str) -> bool:
        """Record this node's origin and key in a new database. True if it was new."""
        with self.writing() as cur:
            row = cur.execute("SELECT origin FROM local_state WHERE id = 1").fetchone()
            if row is not None:
                self._check_owner(row[0])
                return False
            now = self.clock.minute(0)
            cur.execute(
                "INSERT INTO local_state (id, origin, next_seq, clock_minute) VALUES (1, ?, 1, ?)",
                (self.origin, now),
            )
            self._add_key(cur, self.public_key, name, now)
            return True

    def check_owner(self) -> None:
        """KeyFileError unless this store was created for this node's key."""
        with self.reading() as conn:
            origin, _next, _minute = self._local_state(conn)
        self._check_owner(origin)

    def _check_owner(self, origin: int) -> None:
        if origin != self.origin:
            raise KeyFileError(
                f"the node key (origin {self.origin:08x}) does not belong to this board "
                f"database (origin {origin:08x})"
            )

    def now_minute(self) -> int:
        """The node's current on-air minute, without advancing the persisted mark."""
        with self.reading() as conn:
            row = conn.execute("SELECT clock_minute FROM local_state WHERE id = 1").fetchone()
        return self.clock.minute(row[0] if row else 0)

    def next_seq(self) -> int:
        """The sequence number the next record created here will get."""
        with self.reading() as conn:
            _origin, next_seq, _minute = self._local_state(conn)
            return self._next_seq(conn, next_seq)

    @staticmethod
    def _local_state(conn: sqlite3.Connection | sqlite3.Cursor) -> tuple[int, int, int]:
        row = conn.execute(
            "SELECT origin, next_seq, clock_minute FROM local_state WHERE id = 1"
        ).fetchone()
        if row is None:
            raise StoreError("the board database has no node state; run `meshaid init`")
        return int(row[0]), int(row[1]), int(row[2])

    def _next_seq(self, conn: sqlite3.Connection | sqlite3.Cursor, next_seq: int) -> int:
        # Past every seq of ours the store holds, too: after a restore from an old backup
        # the counter may be behind records that neighbours sent back to us.
        highest = conn.execute(
            "SELECT max(seq) FROM records WHERE origin = ?", (self.origin,)
        ).fetchone()[0]
        return max(next_seq, (highest or 0) + 1)

    # -- keys ---------------------------------------------------------------------------

    def add_key(self, public_key: bytes, name: str) -> int:
        """Accept records signed by ``public_key`` from now on; returns its origin."""
        with self.writing() as cur:
            now = self.clock.minute(self._local_state(cur)[2])
            return self._add_key(cur, public_key, name, now)

    @staticmethod
    def _add_key(cur: sqlite3.Cursor, public_key: bytes, name: str, now: int) -> int:
        origin = origin_id(public_key)
        held = cur.execute(
            "SELECT public_key, name FROM keys WHERE origin = ?", (origin,)
        ).fetchone()
        if held is None:
            cur.execute(
                "INSERT INTO keys (origin, public_key, name, added) VALUES (?, ?, ?, ?)",
                (origin, public_key, name, now),
            )
        elif held[0] != public_key:
            # 32-bit origins can collide; the first key keeps the origin.
            raise StoreError(f"origin {origin:08x} already belongs to another key ({held[1]})")
        else:
            cur.execute("UPDATE keys SET name = ? WHERE origin = ?", (name, origin))
        return origin

    def key_of(self, origin: int) -> bytes | None:
        with self.reading() as conn:
            row = conn.execute("SELECT public_key FROM keys WHERE origin = ?", (origin,))
            found = row.fetchone()
        return None if found is None else bytes(found[0])

    # -- records from outside ------------------------------------------------------------

    def apply(self, record: bytes | SignedRecord) -> ApplyResult:
        """Verify and merge one record; never raises for bad records (they are counted)."""
        return self.apply_all([record])[0]

    def apply_all(self, records: Iterable[bytes | SignedRecord]) -> list[ApplyResult]:
        """Verify and merge records in one transaction (see the module docstring)."""
        from meshaid.node.store.merging import Merge, bulk_load, count_outcomes
        from meshaid.sync.merge import Outcome

        offered = list(records)
        results: list[ApplyResult | None] = [None] * len(offered)
        with self.writing() as cur, bulk_load():
            keys: _Keys = {}
            valid: list[tuple[int, SignedRecord]] = []
            for i, item in enumerate(offered):
                checked = self._checked(cur, item, keys, self.trust)
                if isinstance(checked, ApplyResult):
                    results[i] = checked
                else:
                    valid.append((i, checked))
            merge = Merge(cur, self.clock.minute(self._local_state(cur)[2]), self.authorised)
            merge.prefetch([rec for _i, rec in valid])
            for i, rec in valid:
                outcome = merge.add(rec)
                reason = ""
                if outcome is Outcome.UNAUTHORISED:
                    reason = (f"origin {rec.body.origin:08x} may not sign record "
                              f"{rec.body.seq} about entry {rec.entry_id.origin:08x}/"
                              f"{rec.entry_id.seq}")
                results[i] = ApplyResult(rec.record_id, outcome.value, reason)
            merge.flush()
            done = [r for r in results if r is not None]
            tally = Counter(f"records.{r.outcome}" for r in done)
            count_outcomes(cur, dict(tally))
        return done

    @staticmethod
    def _checked(
        cur: sqlite3.Cursor, item: bytes | SignedRecord, keys: _Keys, trust: Trust | None
    ) -> SignedRecord | ApplyResult:
        """The record, decoded and verified, or why it is refused."""
        if isinstance(item, SignedRecord) and item.matches_raw:
            rec = item  # decoded by meshaid.protocol.record: the body is what the bytes say
        else:
            raw = item.raw if isinstance(item, SignedRecord) else item
            try:
                rec = decode(raw)
            except DecodeError as exc:
                return ApplyResult(None, MALFORMED, str(exc))
        origin = rec.body.origin
        if trust is not None:
            key = trust(origin, rec.body.seq)
        else:
            if origin not in keys:
                row = cur.execute("SELECT public_key FROM keys WHERE origin = ?", (origin,))
                found = row.fetchone()
                keys[origin] = None if found is None else bytes(found[0])
            key = keys[origin]
        if key is None:
            return ApplyResult(rec.record_id, UNKNOWN_ORIGIN, f"unknown origin {origin:08x}")
        try:
            rec.verify(key)  # free when the sync engine verified it with this key
        except SignatureError as exc:
            return ApplyResult(rec.record_id, BAD_SIGNATURE, str(exc))
        return rec

    # -- records created here -----------------------------------------------------------

    def create(self, build: NewBody, also: Also | None = None) -> SignedRecord:
        """Sign and store a record that creates an entry (see the module docstring).
        ``also`` writes more rows in the same transaction (the phone desk's poster row
        and acknowledgement), once the entry is in the table."""
        return self._create(lambda merge, seq, now: build(seq, now), also)

    def create_change(self, eid: EntryId, build: ChangeBody) -> SignedRecord:
        """Sign and store a record that changes entry ``eid``, built from its current state.

        ``build`` runs inside the transaction, so the state it sees is the one the new
        record is merged into; it may raise to refuse the change.
        """

        def with_state(merge: Merge, seq: int, now: int) -> RecordBody:
            state = merge.state(eid)
            if state is None:
                raise StoreError(f"entry {eid.origin:08x}/{eid.seq} is not on the board")
            return build(state, seq, now)

        return self._create(with_state)

    def _create(
        self, build: Callable[[Merge, int, int], RecordBody], also: Also | None = None
    ) -> SignedRecord:
        from meshaid.node.store.merging import Merge, count_outcomes
        from meshaid.sync.merge import Outcome

        with self.writing() as cur:
            _origin, next_seq, minute = self._local_state(cur)
            seq = self._next_seq(cur, next_seq)
            now = self.clock.minute(minute)
            merge = Merge(cur, now, self.authorised)
            body = build(merge, seq, now)
            if body.origin != self.origin or body.seq != seq:
                raise StoreError("a new record must have this node's origin and the seq given")
            rec = sign(body, self._key)
            outcome = merge.add(rec)
            if outcome is not Outcome.NEW:
                raise StoreError(f"record {seq} of this node was not new ({outcome.value})")
            merge.flush()
            if also is not None:
                also(cur, rec)
            cur.execute(
                "UPDATE local_state SET next_seq = ?, clock_minute = ? WHERE id = 1",
                (seq + 1, now),
            )
            count_outcomes(cur, {"records.created": 1})
        return rec

    # -- queries ------------------------------------------------------------------------

    def entry(self, eid: EntryId) -> Entry | None:
        with self.reading() as conn:
            return reading.entry(conn, eid.origin, eid.seq)

    def find_by_code(self, prefix: str) -> list[Entry]:
        """Entries whose code starts with ``prefix`` (already normalised)."""
        with self.reading() as conn:
            return reading.by_code(conn, prefix)

    def all_codes(self) -> list[str]:
        with self.reading() as conn:
            return reading.all_codes(conn)

    def shown_codes(self, codes: Collection[str]) -> dict[str, str]:
        """How each of ``codes`` is shown: the shortest prefix no other entry shares."""
        with self.reading() as conn:
            return reading.shown_codes(conn, codes)

    def entries(
        self,
        flt: EntryFilter,
        now: int,
        limit: int | None = None,
        offset: int = 0,
        matching: int | None = None,
    ) -> list[Entry]:
        """Entries matching ``flt`` at minute ``now``, newest first, from ``offset`` on, at
        most ``limit``; ``matching``: how many match in all, if counted already."""
        with self.reading() as conn:
            return reading.entries(conn, flt, now, limit, offset, matching)

    def count(self, flt: EntryFilter, now: int) -> int:
        """How many entries match ``flt`` at minute ``now``."""
        with self.reading() as conn:
            return reading.count(conn, flt, now)

    def counters(self) -> dict[str, int]:
        with self.reading() as conn:
            return {name: value for name, value in conn.execute("SELECT name, value FROM counters")}

    def records_of(self, origin: int, since_seq: int = 1) -> list[SignedRecord]:
        """This store's records of one origin from ``since_seq`` on, in seq order (their
        texts are unpacked when read)."""
        with self.reading() as conn:
            raws = conn.execute(
                "SELECT raw FROM records WHERE origin = ? AND seq >= ? ORDER BY seq",
                (origin, since_seq),
            ).fetchall()
        return [decode_stored(raw) for (raw,) in raws]
