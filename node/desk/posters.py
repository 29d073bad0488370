"""Which resident's radio posted which entry: the ``posters`` table.

The table stays on this node and never goes on air (see SECURITY.md: replies to a
poster go through the node, never by exposing radio ids). It is what lets a resident close
their own post by code and lets neighbours' answers reach the poster.
"""

from __future__ import annotations

import sqlite3

from meshaid.node.desk.outbox import Outbox
from meshaid.node.errors import InputError
from meshaid.node.services import Node, PostRequest, check_text
from meshaid.node.store.board import OPEN_STATUSES, BoardStore, Entry
from meshaid.node.store.views import EntryView
from meshaid.protocol.record import EntryId, Kind, SignedRecord

_ENTRY_COLUMNS = ", ".join(f'e."{name}"' for name in Entry._fields)
_OPEN_IN = f"({', '.join('?' * len(OPEN_STATUSES))})"


def record_poster(store: BoardStore, eid: EntryId, radio_id: int) -> None:
    """Remember that ``radio_id`` posted entry ``eid`` (committed on return)."""
    with store.writing() as cur:
        held = cur.execute(
            "SELECT 1 FROM posters WHERE entry_origin = ? AND entry_seq = ?", (eid.origin, eid.seq)
        ).fetchone()
        if held is None:
            cur.execute(
                "INSERT INTO posters (entry_origin, entry_seq, radio_id, added)"
                " VALUES (?, ?, ?, ?)", (eid.origin, eid.seq, radio_id, store.clock.wall_minute()),
            )
        else:
            cur.execute(
                "UPDATE posters SET radio_id = ? WHERE entry_origin = ? AND entry_seq = ?",
                (radio_id, eid.origin, eid.seq),
            )


def poster_of(store: BoardStore, eid: EntryId) -> int | None:
    """The radio that posted ``eid`` through this node, or None."""
    with store.reading() as conn:
        row = conn.execute(
            "SELECT radio_id FROM posters WHERE entry_origin = ? AND entry_seq = ?",
            (eid.origin, eid.seq),
        ).fetchone()
    return None if row is None else int(row[0])


def open_posts_of(store: BoardStore, radio_id: int, now: int) -> list[Entry]:
    """The radio's open (or matched), unexpired entries at minute ``now``, newest first."""
    with store.reading() as conn:
        rows = conn.execute(
            f"SELECT {_ENTRY_COLUMNS} FROM entries e JOIN posters p ON p.entry_origin = e.origin"
            f" AND p.entry_seq = e.seq WHERE p.radio_id = ? AND e.status IN {_OPEN_IN}"
            " AND e.expires > ? ORDER BY e.created DESC, e.seq DESC",
            (radio_id, *OPEN_STATUSES, now),
        ).fetchall()
    return [Entry(*row) for row in rows]


def resent_post(store: BoardStore, radio_id: int, kind: int, text: str, since: int) -> str | None:
    """The code of the open entry of ``kind`` and ``text`` that ``radio_id`` posted at wall
    minute ``since`` or later, newest first; None when there is none."""
    with store.reading() as conn:
        row = conn.execute(
            "SELECT e.code FROM posters p JOIN entries e ON e.origin = p.entry_origin"
            " AND e.seq = p.entry_seq WHERE p.radio_id = ? AND p.added >= ? AND e.kind = ?"
            f" AND e.text = ? AND e.status IN {_OPEN_IN}"
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
