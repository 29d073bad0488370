"""Tables of the board store (SQLAlchemy 2.0 typed models).

``records`` holds every verified record's exact signed bytes: it is the truth, and
everything in ``entries`` can be rebuilt from it. ``entries`` is a cache of the CRDT join
(meshaid.sync.merge.join) over each entry's records, written in the same transaction as the
records it derives from. Times are on-air minutes (meshaid.protocol.timebase).

Schema changes go through a new Alembic revision in node/store/migrations/versions/; a test
checks that the migrated schema and these models agree.
"""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    ForeignKeyConstraint,
    Index,
    MetaData,
    String,
    UniqueConstraint,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Named constraints, so that later migrations can refer to them on every database alike.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class RecordRow(Base):
    """One verified record per (origin, seq): the one with the lowest digest, if several."""

    __tablename__ = "records"

    origin: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    raw: Mapped[bytes]
    digest: Mapped[bytes]
    entry_origin: Mapped[int]
    entry_seq: Mapped[int]
    version: Mapped[int]
    status: Mapped[int]
    first_seen: Mapped[int]  # this node's minute when it first stored this record id
    # What the sync engine holds it with beside its bytes (meshaid.sync.held_records.
    # kept_summary), so that a daemon loads the store without decoding it.
    held: Mapped[bytes | None]

    __table_args__ = (Index(None, "entry_origin", "entry_seq"),)


class EvidenceRow(Base):
    """Every distinct record seen for an (origin, seq) that has more than one."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    origin: Mapped[int]
    seq: Mapped[int]
    raw: Mapped[bytes]
    digest: Mapped[bytes]
    first_seen: Mapped[int]

    __table_args__ = (UniqueConstraint("origin", "seq", "digest"),)


class EntryRow(Base):
    """An entry as the board shows it: the join of its records, with computed expiry."""

    __tablename__ = "entries"

    origin: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    code: Mapped[str] = mapped_column(String(16), index=True)
    kind: Mapped[int]
    category: Mapped[int]
    community: Mapped[int]
    zone_id: Mapped[int]
    zone_name: Mapped[str]
    text: Mapped[str]
    urgency: Mapped[int]
    when: Mapped[int]  # trades: event minute; 0 when none
    created: Mapped[int]
    lifetime: Mapped[int]  # effective minutes, after defaults and the cap
    expires: Mapped[int]
    status: Mapped[int]
    version: Mapped[int]
    first_seen: Mapped[int]
    content_origin: Mapped[int]
    content_seq: Mapped[int]
    status_origin: Mapped[int]
    status_seq: Mapped[int]
    # text and zone name as searches compare them (meshaid.node.store.search.search_text)
    search_text: Mapped[str] = mapped_column(server_default="")
    # records.first_seen of the status record: when the status changed, as far as this
    # node knows (a change record keeps the entry's posting time)
    status_seen: Mapped[int] = mapped_column(server_default="0")

    __table_args__ = (
        ForeignKeyConstraint(["content_origin", "content_seq"], ["records.origin", "records.seq"]),
        ForeignKeyConstraint(["status_origin", "status_seq"], ["records.origin", "records.seq"]),
        # Covers the board's filters, so that counting the matches reads the index alone.
        Index(None, "status", "expires", "kind", "category", "community", "created"),
        Index(None, "created"),
        # The report's reads (migration 0007): the matched and fulfilled entries by when
        # they changed, and the trades by their date.
        Index(None, "status", "status_seen", "kind", "category", "community", "created",
              sqlite_where=sql_text("status IN (1, 2)")),
        Index(None, "when", "origin", "seq", "status", "expires", "community",
              sqlite_where=sql_text("kind = 2")),
    )


class KeyRow(Base):
    """Origins whose records this node accepts, with their Ed25519 public keys."""

    __tablename__ = "keys"

    origin: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    public_key: Mapped[bytes] = mapped_column(unique=True)
    name: Mapped[str]
    added: Mapped[int]


class LocalStateRow(Base):
    """This node's own counters; exactly one row."""

    __tablename__ = "local_state"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    origin: Mapped[int]
    next_seq: Mapped[int]
    clock_minute: Mapped[int]  # high-water mark of the minutes this node has stamped

    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)


class PosterRow(Base):
    """Which local resident's radio posted an entry. Stays on this node, never on air."""

    __tablename__ = "posters"

    entry_origin: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    entry_seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    radio_id: Mapped[int]
    added: Mapped[int]

    __table_args__ = (
        ForeignKeyConstraint(
            ["entry_origin", "entry_seq"],
            ["entries.origin", "entries.seq"],
            ondelete="CASCADE",
        ),
    )


class CounterRow(Base):
    """Named counts, e.g. records rejected per reason."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(primary_key=True)
    value: Mapped[int]


class KnownRunRow(Base):
    """Seq runs the sync engine counts as held: stored, pruned after expiry, or reported
    pruned by a neighbour. Kept so that a restarted node does not ask for them again."""

    __tablename__ = "known_runs"

    origin: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    first: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int]


class PhoneRouteRow(Base):
    """One resident's radio that wrote about an entry to its poster through the phone desk,
    and that resident's language: where the poster's answer ("R CODE ...", with this
    route's code) goes, after a restart too. Stays on this node, never on air
    (meshaid.node.desk.routes)."""

    __tablename__ = "phone_routes"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    entry_origin: Mapped[int] = mapped_column(autoincrement=False)
    entry_seq: Mapped[int] = mapped_column(autoincrement=False)
    radio_id: Mapped[int]
    lang: Mapped[str] = mapped_column(String(8))
    turn: Mapped[int] = mapped_column(index=True)  # grows with every route written

    __table_args__ = (
        ForeignKeyConstraint(
            ["entry_origin", "entry_seq"],
            ["entries.origin", "entries.seq"],
            ondelete="CASCADE",
        ),
        UniqueConstraint("entry_origin", "entry_seq", "radio_id"),
    )



class MatchRow(Base):
    """A match of a need with an offer, as the join of its records (meshaid.sync.merge):
    a cache of the records like ``entries``, written in the same transaction. The need
    and the offer show as matched while a match that is not undone names them."""

    __tablename__ = "matches"

    origin: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    code: Mapped[str] = mapped_column(String(16), index=True)
    need_origin: Mapped[int]
    need_seq: Mapped[int]
    offer_origin: Mapped[int]
    offer_seq: Mapped[int]
    text: Mapped[str]
    status: Mapped[int]  # open: proposed, matched: confirmed, fulfilled: completed, withdrawn
    version: Mapped[int]
    created: Mapped[int]
    first_seen: Mapped[int]
    content_origin: Mapped[int]
    content_seq: Mapped[int]
    status_origin: Mapped[int]
    status_seq: Mapped[int]

    __table_args__ = (
        ForeignKeyConstraint(["content_origin", "content_seq"], ["records.origin", "records.seq"]),
        ForeignKeyConstraint(["status_origin", "status_seq"], ["records.origin", "records.seq"]),
        Index(None, "need_origin", "need_seq"),
        Index(None, "offer_origin", "offer_seq"),
    )


class PhoneOutboxRow(Base):
    """A reply to a resident's radio not yet handed to the radio (meshaid.node.desk.outbox):
    kept so that a restart sends it. No text: the acknowledgement of the entry named,
    written in the post's own transaction and worded when it is sent."""

    __tablename__ = "phone_outbox"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    radio_id: Mapped[int]
    text: Mapped[str | None]
    lang: Mapped[str] = mapped_column(String(8))
    entry_origin: Mapped[int | None]
    entry_seq: Mapped[int | None]
    queued: Mapped[int]  # wall-clock seconds
    stranger: Mapped[bool]  # to a radio not on the roster: held to a smaller share

    __table_args__ = (
        ForeignKeyConstraint(
            ["entry_origin", "entry_seq"],
            ["entries.origin", "entries.seq"],
            ondelete="CASCADE",
        ),
    )
