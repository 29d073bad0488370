"""The board store: records, evidence, entries, keys, local state, posters, counters.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def _int(name: str, primary: bool = False) -> sa.Column[int]:
    if primary:
        return sa.Column(name, sa.Integer(), autoincrement=False, nullable=False)
    return sa.Column(name, sa.Integer(), nullable=False)


def upgrade() -> None:
    op.create_table(
        "counters",
        sa.Column("name", sa.String(), nullable=False),
        _int("value"),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_counters")),
    )
    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        _int("origin"),
        _int("seq"),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("digest", sa.LargeBinary(), nullable=False),
        _int("first_seen"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence")),
        sa.UniqueConstraint("origin", "seq", "digest", name=op.f("uq_evidence_origin_seq_digest")),
    )
    op.create_table(
        "keys",
        _int("origin", primary=True),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        _int("added"),
        sa.PrimaryKeyConstraint("origin", name=op.f("pk_keys")),
        sa.UniqueConstraint("public_key", name=op.f("uq_keys_public_key")),
    )
    op.create_table(
        "local_state",
        _int("id", primary=True),
        _int("origin"),
        _int("next_seq"),
        _int("clock_minute"),
        sa.CheckConstraint("id = 1", name=op.f("ck_local_state_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_local_state")),
    )
    op.create_table(
        "records",
        _int("origin", primary=True),
        _int("seq", primary=True),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("digest", sa.LargeBinary(), nullable=False),
        _int("entry_origin"),
        _int("entry_seq"),
        _int("version"),
        _int("status"),
        _int("first_seen"),
        sa.PrimaryKeyConstraint("origin", "seq", name=op.f("pk_records")),
    )
    op.create_index(
        op.f("ix_records_entry_origin_entry_seq"), "records", ["entry_origin", "entry_seq"]
    )
    op.create_table(
        "entries",
        _int("origin", primary=True),
        _int("seq", primary=True),
        sa.Column("code", sa.String(length=16), nullable=False),
        _int("kind"),
        _int("category"),
        _int("community"),
        _int("zone_id"),
        sa.Column("zone_name", sa.String(), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        _int("urgency"),
        _int("when"),
        _int("created"),
        _int("lifetime"),
        _int("expires"),
        _int("status"),
        _int("version"),
        _int("first_seen"),
        _int("content_origin"),
        _int("content_seq"),
        _int("status_origin"),
        _int("status_seq"),
        sa.ForeignKeyConstraint(
            ["content_origin", "content_seq"],
            ["records.origin", "records.seq"],
            name=op.f("fk_entries_content_origin_content_seq_records"),
        ),
        sa.ForeignKeyConstraint(
            ["status_origin", "status_seq"],
            ["records.origin", "records.seq"],
            name=op.f("fk_entries_status_origin_status_seq_records"),
        ),
        sa.PrimaryKeyConstraint("origin", "seq", name=op.f("pk_entries")),
    )
    op.create_index(op.f("ix_entries_code"), "entries", ["code"])
    op.create_index(op.f("ix_entries_created"), "entries", ["created"])
    op.create_index(op.f("ix_entries_status_expires"), "entries", ["status", "expires"])
    op.create_table(
        "posters",
        _int("entry_origin", primary=True),
        _int("entry_seq", primary=True),
        _int("radio_id"),
        _int("added"),
        sa.ForeignKeyConstraint(
            ["entry_origin", "entry_seq"],
            ["entries.origin", "entries.seq"],
            name=op.f("fk_posters_entry_origin_entry_seq_entries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("entry_origin", "entry_seq", name=op.f("pk_posters")),
    )


def downgrade() -> None:
    op.drop_table("posters")
    op.drop_index(op.f("ix_entries_status_expires"), table_name="entries")
    op.drop_index(op.f("ix_entries_created"), table_name="entries")
    op.drop_index(op.f("ix_entries_code"), table_name="entries")
    op.drop_table("entries")
    op.drop_index(op.f("ix_records_entry_origin_entry_seq"), table_name="records")
    op.drop_table("records")
    op.drop_table("local_state")
    op.drop_table("keys")
    op.drop_table("evidence")
    op.drop_table("counters")
