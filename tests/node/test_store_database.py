"""SQLite settings, migrations and lock handling of the board database."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from nacl.signing import SigningKey

from meshaid.node.clock import NodeClock
from meshaid.node.errors import StoreBusyError
from meshaid.node.store.board import BoardStore
from meshaid.node.store.database import (
    alembic_config,
    create_store_engine,
    current_revision,
    head_revision,
    migrate,
    pragma,
)
from meshaid.node.store.models import Base
from recordgen import SIGNERS


def test_every_connection_gets_wal_full_sync_foreign_keys_and_busy_timeout(tmp_path: Path) -> None:
    engine = create_store_engine(tmp_path / "board.sqlite3", busy_timeout_ms=1234)
    try:
        assert pragma(engine, "journal_mode") == "wal"
        assert pragma(engine, "synchronous") == 2  # FULL
        assert pragma(engine, "foreign_keys") == 1
        assert pragma(engine, "busy_timeout") == 1234
    finally:
        engine.dispose()


def test_migrated_schema_matches_the_models(tmp_path: Path) -> None:
    engine = create_store_engine(tmp_path / "board.sqlite3")
    try:
        migrate(engine)
        assert current_revision(engine) == head_revision()
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == []
    finally:
        engine.dispose()


def test_migrations_go_down_and_up_again_and_need_no_ini_file(tmp_path: Path) -> None:
    engine = create_store_engine(tmp_path / "board.sqlite3")
    try:
        config = alembic_config(engine)
        assert config.config_file_name is None
        migrate(engine)
        migrate(engine)  # nothing to do the second time
        command.downgrade(config, "base")
        assert current_revision(engine) is None
        with engine.connect() as conn:
            tables = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master")}
        assert tables & {"records", "entries", "keys"} == set()
        migrate(engine)
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_a_write_waiting_too_long_for_the_lock_says_the_database_is_busy(
    make_store: Any, tmp_path: Path
) -> None:
    key = SigningKey(bytes([7]) * 32)
    make_store(key=key).close()
    # Another process holds the write lock: the daemon in the middle of a transaction.
    holder = sqlite3.connect(tmp_path / "board.sqlite3", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        waiting = BoardStore.open(tmp_path / "board.sqlite3", key, NodeClock(), busy_timeout_ms=20)
        try:
            assert waiting.next_seq() == 1  # reading still works in WAL mode
            with pytest.raises(StoreBusyError, match="busy"):
                waiting.add_key(SIGNERS[3].public_key, "late")
        finally:
            waiting.close()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
