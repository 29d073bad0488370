"""Phone desk: replies kept until sent (``phone_outbox``), and one route per neighbour.

``phone_outbox`` holds every reply to a resident's radio until it is handed to the radio,
so that a restart sends what was acknowledged but not yet sent (a post's acknowledgement
is written in the post's own transaction). A row without text is the acknowledgement of
the entry it names, written when the entry's code is not known yet.

``phone_routes`` kept one route per entry, the last neighbour who wrote, so whoever wrote
next took the poster's answer. A route is now one neighbour's thread about one entry,
with a code of its own (the entry's first four characters and two more) that the poster
answers with. Routes held are kept: each gets a code made from its entry and radio.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

import hashlib

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

# meshaid.node.codes.ALPHABET at this revision (Crockford base 32).
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _route_code(entry_code: str, origin: int, seq: int, radio: int, salt: int) -> str:
    digest = hashlib.sha256(f"{origin}/{seq}/{radio}/{salt}".encode()).digest()
    return entry_code[:4] + _ALPHABET[digest[0] % 32] + _ALPHABET[digest[1] % 32]


def _routes_table(name: str) -> None:
    op.create_table(
        name,
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("entry_origin", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("entry_seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("radio_id", sa.Integer(), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("turn", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_origin", "entry_seq"],
            ["entries.origin", "entries.seq"],
            name=op.f(f"fk_{name}_entry_origin_entry_seq_entries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("code", name=op.f(f"pk_{name}")),
        sa.UniqueConstraint(
            "entry_origin", "entry_seq", "radio_id",
            name=op.f(f"uq_{name}_entry_origin_entry_seq_radio_id"),
        ),
    )


def upgrade() -> None:
    op.create_table(
        "phone_outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("radio_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(), nullable=True),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("entry_origin", sa.Integer(), nullable=True),
        sa.Column("entry_seq", sa.Integer(), nullable=True),
        sa.Column("queued", sa.Integer(), nullable=False),
        sa.Column("stranger", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_origin", "entry_seq"],
            ["entries.origin", "entries.seq"],
            name=op.f("fk_phone_outbox_entry_origin_entry_seq_entries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phone_outbox")),
    )
    conn = op.get_bind()
    old = conn.execute(sa.text(
        "SELECT r.entry_origin, r.entry_seq, r.radio_id, r.lang, r.turn, e.code "
        "FROM phone_routes r JOIN entries e ON e.origin = r.entry_origin "
        "AND e.seq = r.entry_seq"
    )).all()
    op.drop_index(op.f("ix_phone_routes_turn"), table_name="phone_routes")
    op.drop_table("phone_routes")
    _routes_table("phone_routes")
    op.create_index(op.f("ix_phone_routes_turn"), "phone_routes", ["turn"])
    taken: set[str] = set()
    rows = []
    for origin, seq, radio, lang, turn, entry_code in old:
        salt = 0
        code = _route_code(entry_code, origin, seq, radio, salt)
        while code in taken:
            salt += 1
            code = _route_code(entry_code, origin, seq, radio, salt)
        taken.add(code)
        rows.append({"c": code, "o": origin, "s": seq, "r": radio, "l": lang, "t": turn})
    if rows:
        conn.execute(sa.text(
            "INSERT INTO phone_routes (code, entry_origin, entry_seq, radio_id, lang, turn) "
            "VALUES (:c, :o, :s, :r, :l, :t)"
        ), rows)


def downgrade() -> None:
    conn = op.get_bind()
    # The newest route of each entry is the one the older schema kept.
    kept = conn.execute(sa.text(
        "SELECT entry_origin, entry_seq, radio_id, lang, MAX(turn) FROM phone_routes "
        "GROUP BY entry_origin, entry_seq"
    )).all()
    op.drop_index(op.f("ix_phone_routes_turn"), table_name="phone_routes")
    op.drop_table("phone_routes")
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
    if kept:
        conn.execute(sa.text(
            "INSERT INTO phone_routes (entry_origin, entry_seq, radio_id, lang, turn) "
            "VALUES (:o, :s, :r, :l, :t)"
        ), [{"o": o, "s": s, "r": r, "l": lang, "t": t} for o, s, r, lang, t in kept])
    op.drop_table("phone_outbox")
