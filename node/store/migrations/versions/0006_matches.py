"""Matches of needs with offers: the ``matches`` table, a cache of match records.

No record held before this revision is a match (the field that makes one is new), so the
table starts empty.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "matches",
        sa.Column("origin", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("need_origin", sa.Integer(), nullable=False),
        sa.Column("need_seq", sa.Integer(), nullable=False),
        sa.Column("offer_origin", sa.Integer(), nullable=False),
        sa.Column("offer_seq", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("first_seen", sa.Integer(), nullable=False),
        sa.Column("content_origin", sa.Integer(), nullable=False),
        sa.Column("content_seq", sa.Integer(), nullable=False),
        sa.Column("status_origin", sa.Integer(), nullable=False),
        sa.Column("status_seq", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["content_origin", "content_seq"], ["records.origin", "records.seq"],
            name=op.f("fk_matches_content_origin_content_seq_records"),
        ),
        sa.ForeignKeyConstraint(
            ["status_origin", "status_seq"], ["records.origin", "records.seq"],
            name=op.f("fk_matches_status_origin_status_seq_records"),
        ),
        sa.PrimaryKeyConstraint("origin", "seq", name=op.f("pk_matches")),
    )
    op.create_index(op.f("ix_matches_code"), "matches", ["code"])
    op.create_index(op.f("ix_matches_need_origin_need_seq"), "matches", ["need_origin", "need_seq"])
    op.create_index(
        op.f("ix_matches_offer_origin_offer_seq"), "matches", ["offer_origin", "offer_seq"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_matches_offer_origin_offer_seq"), table_name="matches")
    op.drop_index(op.f("ix_matches_need_origin_need_seq"), table_name="matches")
    op.drop_index(op.f("ix_matches_code"), table_name="matches")
    op.drop_table("matches")
