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
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DatabaseError, IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.pool import ConnectionPoolEntry

from meshaid.node.errors import StoreBusyError, StoreError
from meshaid.node.store import migrations

DEFAULT_BUSY_TIMEOUT_MS = 5000
_WRITE_OPTION = "meshaid_write"


def _text_fold(value: str | None) -> str | None:
    # SQLite's lower() and LIKE fold ASCII only; residents write "Niño" and "NIÑO".
    return None if value is None else value.casefold()


def create_store_engine(path: Path, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS) -> Engine:
    """An engine for the board database at ``path`` with the settings above."""
    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
        # The driver must not open transactions by itself: the "begin" hook below does.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        try:
            cur.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = FULL")
            cur.execute("PRAGMA foreign_keys = ON")
        finally:
            cur.close()
        dbapi_conn.create_function("meshaid_fold", 1, _text_fold, deterministic=True)

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


def _translate(exc: DatabaseError) -> StoreError:
    message = str(exc.orig) if exc.orig is not None else str(exc)
    if "locked" in message or "busy" in message:
        return StoreBusyError(
            "the board database is busy (another meshaid process holds its lock); try again"
        )
    return StoreError(f"board database error: {message}")


@contextmanager
def store_errors() -> Iterator[None]:
    """Turn SQLite's errors (locked, not a database, disk full) into StoreError."""
    try:
        yield
    except IntegrityError:
        raise  # a broken invariant is a bug: keep the traceback
    except DatabaseError as exc:
        raise _translate(exc) from exc
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"board database error: {exc}") from exc


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """One write transaction: committed when the block ends, rolled back on an error."""
    with (
        store_errors(),
        # BoardStore flushes where it needs to, not before every lookup by key.
        Session(writer(engine), expire_on_commit=False, autoflush=False) as session,
        session.begin(),
    ):
        yield session


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A read-only snapshot of the database."""
    with store_errors(), Session(engine) as session:
        yield session  # closing the session rolls its transaction back


def alembic_config(engine: Engine | None = None) -> Config:
    """Alembic's configuration, built in code: no alembic.ini is needed at runtime."""
    config = Config()
    config.set_main_option("script_location", str(Path(migrations.__file__).parent))
    if engine is not None:
        config.attributes["engine"] = engine
    return config


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def migrate(engine: Engine) -> None:
    """Bring the schema up to the newest revision; does nothing when it is already there."""
    script = ScriptDirectory.from_config(alembic_config())
    with store_errors():
        current = current_revision(engine)
        if current == script.get_current_head():
            return
        if current is not None and current not in {r.revision for r in script.walk_revisions()}:
            raise StoreError(
                f"the board database has schema {current}, made by a newer meshaid; "
                "upgrade meshaid to use it"
            )
        # Under the write lock, so two processes opening a new store do not both migrate.
        command.upgrade(alembic_config(writer(engine)), "head")


def pragma(engine: Engine, name: str) -> Any:
    """The value of one PRAGMA on a fresh connection (for checks and diagnostics)."""
    with engine.connect() as conn:
        return conn.exec_driver_sql(f"PRAGMA {name}").scalar()
