"""Reads at 100,000 entries: a folded search column, and an index that covers the filters.

``entries.search_text`` holds each entry's text and zone name folded as
meshaid.node.store.search.fold does (no accents, case folded, whitespace collapsed), so a
search is one ``instr`` in SQL instead of a Python function called on two columns of
every row. Existing rows are filled here with the fold as it was at this revision.

The index on (status, expires) grows into one on (status, expires, kind, category,
community, created): counting the entries a listing matches then reads the index alone
instead of looking up every row (5 ms instead of 300 at 100,000 entries).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

import unicodedata

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def _fold(text: str) -> str:
    # meshaid.node.store.search.fold as of this revision (a test checks they agree).
    if text.isascii():
        return " ".join(text.lower().split())
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split())


_OLD_INDEX = ("status", "expires")
_NEW_INDEX = ("status", "expires", "kind", "category", "community", "created")


def _name(columns: tuple[str, ...]) -> str:
    return op.f("ix_entries_" + "_".join(columns))


def upgrade() -> None:
    op.drop_index(_name(_OLD_INDEX), table_name="entries")
    op.create_index(_name(_NEW_INDEX), "entries", list(_NEW_INDEX))
    op.add_column(
        "entries", sa.Column("search_text", sa.String(), server_default="", nullable=False)
    )
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT origin, seq, text, zone_name FROM entries")).all()
    if rows:
        conn.execute(
            sa.text("UPDATE entries SET search_text = :folded WHERE origin = :o AND seq = :s"),
            [
                {"folded": _fold(text) + "\n" + _fold(zone), "o": origin, "s": seq}
                for origin, seq, text, zone in rows
            ],
        )


def downgrade() -> None:
    op.drop_index(_name(_NEW_INDEX), table_name="entries")
    op.create_index(_name(_OLD_INDEX), "entries", list(_OLD_INDEX))
    # SQLite drops a column in place (3.35 and later) without copying the table, which
    # would delete the rows of posters and phone routes through their foreign keys.
    op.execute("ALTER TABLE entries DROP COLUMN search_text")
