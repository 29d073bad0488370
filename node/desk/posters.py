"""Which resident's radio posted which entry: the ``posters`` table.

The table stays on this node and never goes on air (see SECURITY.md: replies to a
poster go through the node, never by exposing radio ids). It is what lets a resident close
their own post by code and lets neighbours' answers reach the poster.
"""

from __future__ import annotations

from sqlalchemy import select

from meshaid.node.store.board import OPEN_STATUSES, BoardStore
from meshaid.node.store.database import read_session, write_session
from meshaid.node.store.models import EntryRow, PosterRow
from meshaid.protocol.record import EntryId


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
