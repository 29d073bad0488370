"""Where a poster's answer goes: the ``phone_routes`` table.

When a neighbour writes "R 4F2K can I pick it up?", the desk passes the words to the
poster and remembers, per entry, that neighbour's radio and language. The poster's
"R 4F2K yes, after 5" then goes back to the last neighbour who wrote, and neither learns the
other's radio id (see SECURITY.md). The table is in the node's database, so a restart
of the daemon (a power cut, an upgrade) loses no route; it never goes on air. It holds at
most ``limit`` routes (the least recently written go first), and an entry's route goes
with the entry when the store prunes it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select

from meshaid.node.store.board import BoardStore
from meshaid.node.store.database import read_session, write_session
from meshaid.node.store.models import PhoneRouteRow
from meshaid.protocol.record import EntryId

MAX_ROUTES = 1000
LANG_CHARS = 8


@dataclass(frozen=True)
class Route:
    radio_id: int
    lang: str


def remember_route(
    store: BoardStore, eid: EntryId, radio_id: int, lang: str, limit: int = MAX_ROUTES
) -> None:
    """``radio_id`` (writing in ``lang``) is now the last to have written about ``eid``."""
    if limit < 1:
        raise ValueError("the route table needs room for at least one route")
    with write_session(store.db) as s:
        turn = (s.scalar(select(func.max(PhoneRouteRow.turn))) or 0) + 1
        row = s.get(PhoneRouteRow, (eid.origin, eid.seq))
        if row is None:
            s.add(
                PhoneRouteRow(
                    entry_origin=eid.origin,
                    entry_seq=eid.seq,
                    radio_id=radio_id,
                    lang=lang[:LANG_CHARS],
                    turn=turn,
                )
            )
        else:
            row.radio_id, row.lang, row.turn = radio_id, lang[:LANG_CHARS], turn
        s.flush()
        oldest_kept = s.scalar(
            select(PhoneRouteRow.turn).order_by(PhoneRouteRow.turn.desc()).offset(limit - 1)
        )
        if oldest_kept is not None:
            s.execute(delete(PhoneRouteRow).where(PhoneRouteRow.turn < oldest_kept))


def route_of(store: BoardStore, eid: EntryId) -> Route | None:
    """The last radio that wrote about ``eid`` to its poster, or None."""
    with read_session(store.db) as s:
        row = s.get(PhoneRouteRow, (eid.origin, eid.seq))
        return None if row is None else Route(row.radio_id, row.lang)


def route_count(store: BoardStore) -> int:
    with read_session(store.db) as s:
        return s.scalar(select(func.count()).select_from(PhoneRouteRow)) or 0
