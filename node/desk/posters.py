"""Which resident's radio posted which entry: the ``posters`` table.

The table stays on this node and never goes on air (see SECURITY.md: replies to a
poster go through the node, never by exposing radio ids). It is what lets a resident close
their own post by code and lets neighbours' answers reach the poster.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy import select

from meshaid.node.desk.outbox import Outbox
from meshaid.node.errors import InputError
from meshaid.node.services import Node, PostRequest, check_text
from meshaid.node.store.board import OPEN_STATUSES, BoardStore
from meshaid.node.store.database import read_session, write_session
from meshaid.node.store.models import EntryRow, PosterRow
from meshaid.node.store.views import EntryView
from meshaid.protocol.record import EntryId, Kind, SignedRecord


def record_poster(store: BoardStore, eid: EntryId, radio_id: int) -> None:
    """Remember that ``radio_id`` posted entry ``eid`` (committed on return)."""
    with write_session(store.db) as s:
        row = s.get(PosterRow, (eid.origin, eid.seq))
        if row is None:
            s.add(
                PosterRow(
                    entry_origin=eid.origin,
                    entry_seq=eid.seq,
                    radio_id=radio_id,
                    added=store.clock.wall_minute(),
                )
            )
        else:
            row.radio_id = radio_id


def poster_of(store: BoardStore, eid: EntryId) -> int | None:
    """The radio that posted ``eid`` through this node, or None."""
    with read_session(store.db) as s:
        row = s.get(PosterRow, (eid.origin, eid.seq))
        return None if row is None else row.radio_id


def open_posts_of(store: BoardStore, radio_id: int, now: int) -> list[EntryRow]:
    """The radio's open (or matched), unexpired entries at minute ``now``, newest first."""
    with read_session(store.db) as s:
        stmt = (
            select(EntryRow)
            .join(
                PosterRow,
                (PosterRow.entry_origin == EntryRow.origin) & (PosterRow.entry_seq == EntryRow.seq),
            )
            .where(
                PosterRow.radio_id == radio_id,
                EntryRow.status.in_(OPEN_STATUSES),
                EntryRow.expires > now,
            )
            .order_by(EntryRow.created.desc(), EntryRow.seq.desc())
        )
        return list(s.scalars(stmt).all())


def resent_post(store: BoardStore, radio_id: int, kind: int, text: str, since: int) -> str | None:
    """The code of the open entry of ``kind`` and ``text`` that ``radio_id`` posted at wall
    minute ``since`` or later, newest first; None when there is none."""
    with store.reading() as conn:
        row = conn.execute(
            "SELECT e.code FROM posters p JOIN entries e ON e.origin = p.entry_origin"
            " AND e.seq = p.entry_seq WHERE p.radio_id = ? AND p.added >= ? AND e.kind = ?"
            f" AND e.text = ? AND e.status IN ({','.join('?' * len(OPEN_STATUSES))})"
            " ORDER BY p.added DESC, e.seq DESC LIMIT 1",
            (radio_id, since, kind, text, *(int(s) for s in OPEN_STATUSES)),
        ).fetchone()
    return None if row is None else str(row[0])


def post_for(node: Node, request: PostRequest, radio_id: int, lang: str, wall: float) -> EntryView:
    """Post ``request`` for the resident at ``radio_id``: the entry, its poster row and its
    acknowledgement (in ``lang``) in one transaction, so that no entry is left without its
    poster, nor acknowledged by nobody, whatever stops the node."""
    store = node.store

    def poster_and_ack(cur: sqlite3.Cursor, rec: SignedRecord) -> None:
        cur.execute(
            "INSERT INTO posters (entry_origin, entry_seq, radio_id, added) VALUES (?, ?, ?, ?)",
            (rec.entry_id.origin, rec.entry_id.seq, radio_id, store.clock.wall_minute()),
        )
        Outbox.ack_in(cur, radio_id, lang, rec.entry_id, wall)

    return node.post(request, poster_and_ack)


def resent(node: Node, radio_id: int, kind: Kind, text: str, minutes: int) -> EntryView | None:
    """The open entry ``radio_id`` posted with these words in the last ``minutes``."""
    try:
        stored = check_text(text)
    except InputError:
        return None
    store = node.store
    code = resent_post(store, radio_id, int(kind), stored, store.clock.wall_minute() - minutes)
    return None if code is None else node.show(code)
