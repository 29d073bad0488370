"""The report's reads at 100,000 entries: ``entries.status_seen``, and two partial indexes.

A record that moves an entry to matched or fulfilled keeps the entry's own posting time,
so the only date a node has for the change is when it first stored that record
(``records.first_seen`` of the entry's status record). The report dated every change by
looking that row up, one lookup per matched or fulfilled entry (a third of
``meshaid report --month`` at 100,000 entries); the entry row now keeps the minute
itself, filled here from the records for the rows already held.

Two partial indexes hold only the rows the report looks for, so that they cost little
to keep up when the board changes:

* on (status, status_seen, kind, category, community, created) of the matched and
  fulfilled entries: the changes of a period are a range of it, read alone;
* on ("when", origin, seq, status, expires, community) of the trades: what is scheduled
  in the period ahead is a range of it, in the order shown, instead of every active
  trade's row looked up for its date.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None

# Columns and condition of each index; numbers as in meshaid.protocol.record.
_CHANGES = ("status", "status_seen", "kind", "category", "community", "created")
_CHANGED = "status IN (1, 2)"  # matched, fulfilled
_TRADES = ("when", "origin", "seq", "status", "expires", "community")
_TRADE = "kind = 2"


def _name(columns: tuple[str, ...]) -> str:
    return op.f("ix_entries_" + "_".join(columns))


def upgrade() -> None:
    op.add_column(
        "entries", sa.Column("status_seen", sa.Integer(), server_default="0", nullable=False)
    )
    op.execute(
        "UPDATE entries SET status_seen = coalesce((SELECT r.first_seen FROM records AS r"
        " WHERE r.origin = entries.status_origin AND r.seq = entries.status_seq), first_seen)"
    )
    op.create_index(_name(_CHANGES), "entries", list(_CHANGES), sqlite_where=sa.text(_CHANGED))
    op.create_index(_name(_TRADES), "entries", list(_TRADES), sqlite_where=sa.text(_TRADE))


def downgrade() -> None:
    op.drop_index(_name(_TRADES), table_name="entries")
    op.drop_index(_name(_CHANGES), table_name="entries")
    # In place, as 0004's downgrade does: copying the table would delete the rows that
    # refer to it through foreign keys.
    op.execute("ALTER TABLE entries DROP COLUMN status_seen")
