"""Each record's summary kept beside it: ``records.held``.

A daemon holds every stored record in its sync engine as a short summary and the
record's bytes (meshaid.sync.held_records). Making the summaries at start-up meant a
protobuf parse and a few dozen Python operations a record, over a second of CPU at
100,000 entries on every start; the store now writes each record's summary when it
stores the record (node/store/merging.py), and keeps it here, so a start reads bytes.
Filled here for the records already held. A summary kept under another layout (its first
byte, ``held_records.KEPT_VERSION``) is made again from the record when it is loaded.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None

_BATCH = 4096


def upgrade() -> None:
    from meshaid.protocol.record import decode_stored
    from meshaid.sync.held_records import kept_summary

    op.add_column("records", sa.Column("held", sa.LargeBinary(), nullable=True))
    conn = op.get_bind()
    rows = conn.exec_driver_sql("SELECT origin, seq, raw, first_seen FROM records").fetchall()
    for at in range(0, len(rows), _BATCH):
        conn.exec_driver_sql(
            "UPDATE records SET held = ? WHERE origin = ? AND seq = ?",
            [(kept_summary(decode_stored(raw), seen), origin, seq)
             for origin, seq, raw, seen in rows[at : at + _BATCH]],
        )


def downgrade() -> None:
    # In place, as 0004's downgrade does: copying the table would delete the rows that
    # refer to it through foreign keys.
    op.execute("ALTER TABLE records DROP COLUMN held")
