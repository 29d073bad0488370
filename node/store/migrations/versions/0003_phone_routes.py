"""Phone desk reply routes, kept across restarts.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "phone_routes",
        sa.Column("entry_origin", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("entry_seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("radio_id", sa.Integer(), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("turn", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_origin", "entry_seq"],
            ["entries.origin", "entries.seq"],
            name=op.f("fk_phone_routes_entry_origin_entry_seq_entries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("entry_origin", "entry_seq", name=op.f("pk_phone_routes")),
    )
    op.create_index(op.f("ix_phone_routes_turn"), "phone_routes", ["turn"])


def downgrade() -> None:
    op.drop_index(op.f("ix_phone_routes_turn"), table_name="phone_routes")
    op.drop_table("phone_routes")
