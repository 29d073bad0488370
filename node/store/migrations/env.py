"""Alembic environment for the board store.

At runtime meshaid.node.store.database builds the Alembic configuration in code and passes its
engine in ``config.attributes["engine"]``; nothing else is read.

For a maintainer adding a revision, node/alembic.ini points here; give it a scratch
database migrated to the current head, then let autogenerate compare it with the models:

    alembic -c node/alembic.ini -x db=/tmp/scratch.sqlite3 upgrade head
    alembic -c node/alembic.ini -x db=/tmp/scratch.sqlite3 revision --autogenerate -m "..."

Review every generated revision by hand, and name it NNNN_what_it_does.py.
"""

from __future__ import annotations

from pathlib import Path

from alembic import context
from sqlalchemy import Engine

from meshaid.node.store.database import create_store_engine
from meshaid.node.store.models import Base

config = context.config


def _engine() -> Engine:
    given = config.attributes.get("engine")
    if isinstance(given, Engine):
        return given
    db = context.get_x_argument(as_dictionary=True).get("db")
    if not db:
        raise SystemExit("give the database to migrate: alembic -x db=PATH ...")
    return create_store_engine(Path(db))


def run_migrations() -> None:
    with _engine().connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            # SQLite cannot ALTER most things in place; batch mode copies the table.
            render_as_batch=True,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported for the board store")
run_migrations()
