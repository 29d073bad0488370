"""Opening the board database: SQLite settings, transactions, and schema migrations.

Settings, applied on every connection (PRAGMAs are per connection in SQLite):

* ``journal_mode=WAL``: readers (a committee member's ``meshaid board``) never wait for
  the daemon's writes;
* ``synchronous=FULL``: in WAL mode NORMAL may lose the last commits on power loss, and a
  post is acknowledged, and a record may go on air, only after its commit;
* ``foreign_keys=ON``: off by default in SQLite;
* ``busy_timeout``: how long to wait for another process's write lock before giving up.

Write transactions start with ``BEGIN IMMEDIATE``: in WAL mode a deferred transaction
that reads first and then writes after another process committed fails at once with
SQLITE_BUSY, without waiting for the busy timeout.

Every read and write of the store, the daemon's included, goes through plain ``sqlite3``
connections with these settings (``connect``, ``write_transaction``): neither a command
nor the daemon imports SQLAlchemy while the schema is current (in the daemon it cost
19 MiB and 0.4 s of CPU at start on this machine, several times that time on a
Raspberry Pi). The SQLAlchemy engine (``create_store_engine``) serves the migrations,
which import Alembic only when the stored schema is not the newest, and tests that read
through the models (``read_session``).
"""

from __future__ import annotations

import re
import sqlite3
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from meshaid.node.errors import StoreBusyError, StoreError
from meshaid.node.store import migrations

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

DEFAULT_BUSY_TIMEOUT_MS = 5000
_WRITE_OPTION = "meshaid_write"
VERSIONS = Path(migrations.__file__).parent / "versions"


def _configure(conn: sqlite3.Connection, busy_timeout_ms: int) -> None:
    # The driver must not open transactions by itself: callers say BEGIN.
    conn.isolation_level = None
    cur = conn.cursor()
    try:
        cur.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = FULL")
        cur.execute("PRAGMA foreign_keys = ON")
    finally:
        cur.close()


def connect(path: Path, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS) -> sqlite3.Connection:
    """A plain connection to the board database with the settings above (autocommit: each
    statement is its own transaction unless the caller says BEGIN)."""
    with store_errors():
        conn = sqlite3.connect(path, check_same_thread=False)
        try:
            _configure(conn, busy_timeout_ms)
        except BaseException:
            conn.close()
            raise
    return conn


def create_store_engine(path: Path, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS) -> Engine:
    """An SQLAlchemy engine for the board database at ``path`` with the settings above."""
    from sqlalchemy import create_engine, event
    from sqlalchemy.engine import Connection
    from sqlalchemy.pool import ConnectionPoolEntry

    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
        _configure(dbapi_conn, busy_timeout_ms)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get(_WRITE_OPTION):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")

    return engine


def writer(engine: Engine) -> Engine:
    """The same engine, but its transactions take the write lock when they begin."""
    return engine.execution_options(**{_WRITE_OPTION: True})


def _busy_or_error(message: str) -> StoreError:
    if "locked" in message or "busy" in message:
        return StoreBusyError(
            "the board database is busy (another meshaid process holds its lock); try again"
        )
    return StoreError(f"board database error: {message}")


@contextmanager
def store_errors() -> Iterator[None]:
    """Turn SQLite's errors (locked, not a database, disk full) into StoreError, whether
    they come from sqlite3 itself or wrapped by SQLAlchemy."""
    try:
        yield
    except sqlite3.IntegrityError:
        raise  # a broken invariant is a bug: keep the traceback
    except sqlite3.DatabaseError as exc:
        raise _busy_or_error(str(exc)) from exc
    except Exception as exc:
        # SQLAlchemy's errors, if it is loaded at all (a reader never loads it).
        sa_exc = sys.modules.get("sqlalchemy.exc")
        if sa_exc is None or isinstance(exc, sa_exc.IntegrityError):
            raise
        if isinstance(exc, sa_exc.DatabaseError):
            raise _busy_or_error(str(exc.orig) if exc.orig is not None else str(exc)) from exc
        raise


class CommitHooks:
    """Calls made just before and just after each write transaction commits: where a
    crash test kills the process, and nothing else."""

    def __init__(self) -> None:
        self.before: list[Callable[[], None]] = []
        self.after: list[Callable[[], None]] = []


@contextmanager
def write_transaction(conn: sqlite3.Connection, hooks: CommitHooks) -> Iterator[sqlite3.Cursor]:
    """One write transaction on a plain connection (made by ``connect``): ``BEGIN
    IMMEDIATE``, committed when the block ends, rolled back on any error."""
    with store_errors():
        conn.execute("BEGIN IMMEDIATE")
        cur = conn.cursor()
        try:
            yield cur
            for call in hooks.before:
                call()
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                with suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
            raise
        finally:
            cur.close()
        for call in hooks.after:
            call()


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A read-only snapshot of the database."""
    from sqlalchemy.orm import Session

    with store_errors(), Session(engine) as session:
        yield session  # closing the session rolls its transaction back


def alembic_config(engine: Engine | None = None) -> Config:
    """Alembic's configuration, built in code: no alembic.ini is needed at runtime."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(migrations.__file__).parent))
    if engine is not None:
        config.attributes["engine"] = engine
    return config


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


_REVISION = re.compile(r'^revision(?:: str)? = "([^"]+)"$', re.M)
_DOWN = re.compile(r'^down_revision(?:: str \| None)? = (?:"([^"]+)"|None)$', re.M)


def known_revisions() -> tuple[set[str], str | None]:
    """Every revision in migrations/versions and the head, read from the files' text.

    The head is the one revision no other revises; None when that is not exactly one
    (then ask Alembic). Reading a few small files costs well under a millisecond, where
    importing Alembic costs a tenth of a second and more.
    """
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in VERSIONS.glob("[0-9]*.py"):
        text = path.read_text(encoding="utf-8")
        rev, down = _REVISION.search(text), _DOWN.search(text)
        if rev is None or down is None:
            return revisions, None
        revisions.add(rev.group(1))
        if down.group(1) is not None:
            revised.add(down.group(1))
    heads = revisions - revised
    return revisions, (heads.pop() if len(heads) == 1 else None)


def stored_revision(conn: sqlite3.Connection) -> str | None:
    """The schema revision of the database, None for a new, empty one."""
    with store_errors():
        found = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
        ).fetchone()
        if found is None:
            return None
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return None if row is None else str(row[0])


def needs_migration(conn: sqlite3.Connection) -> bool:
    """Whether the database must be migrated before use; StoreError for a schema made by
    a newer meshaid. Does not import Alembic unless the files leave the head unclear."""
    current = stored_revision(conn)
    revisions, head = known_revisions()
    if head is None:
        head = head_revision()
    if current == head:
        return False
    _refuse_newer(current, revisions)
    return True


def _refuse_newer(current: str | None, revisions: set[str]) -> None:
    if current is not None and current not in revisions:
        raise StoreError(
            f"the board database has schema {current}, made by a newer meshaid; "
            "upgrade meshaid to use it"
        )


def migrate(engine: Engine) -> None:
    """Bring the schema up to the newest revision; does nothing when it is already there."""
    from alembic import command
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    with store_errors():
        current = current_revision(engine)
        if current == script.get_current_head():
            return
        _refuse_newer(current, {r.revision for r in script.walk_revisions()})
        # Under the write lock, so two processes opening a new store do not both migrate.
        command.upgrade(alembic_config(writer(engine)), "head")


def pragma(target: Path | Engine, name: str) -> Any:
    """The value of one PRAGMA on a fresh connection (for checks and diagnostics) to the
    database at ``target``, a path (plain sqlite3) or an engine."""
    if isinstance(target, Path):
        conn = connect(target)
        try:
            with store_errors():
                row = conn.execute(f"PRAGMA {name}").fetchone()
        finally:
            conn.close()
        return None if row is None else row[0]
    with target.connect() as engine_conn:
        return engine_conn.exec_driver_sql(f"PRAGMA {name}").scalar()
