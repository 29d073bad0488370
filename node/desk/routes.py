"""Where a poster's answer goes: the ``phone_routes`` table.

When a neighbour writes "R 4F2K can I pick it up?", the desk passes the words to the
poster with a code of that neighbour's own, the route code ("Re 4F2K7Q: can I pick it
up? — answer with 'R 4F2K7Q <text>'"): the entry's first four characters and two more.
The poster's "R 4F2K7Q yes, after 5" goes back to that neighbour only, whoever wrote
about the post since: a route belongs to the radio it was made for, so a stranger who
quotes the post's code makes a route of their own and never receives an answer meant
for someone else (SECURITY.md: residents' phones). Neither side learns the other's
radio id.

The table is in the node's database, so a restart of the daemon (a power cut, an
upgrade) loses no route; it never goes on air. It holds at most ``limit`` routes (the
least recently written go first), and an entry's routes go with the entry when the store
prunes it.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from meshaid.node.codes import ALPHABET
from meshaid.node.errors import NodeError
from meshaid.node.store.board import BoardStore
from meshaid.protocol.record import EntryId

MAX_ROUTES = 1000
LANG_CHARS = 8
ENTRY_PART = 4  # a route code starts with this much of its entry's code
ROUTE_PART = 2  # and adds this many characters: 1,024 routes per entry
_TRIES = 64


@dataclass(frozen=True)
class Route:
    code: str
    entry: EntryId
    radio_id: int
    lang: str


_SELECT = "SELECT code, entry_origin, entry_seq, radio_id, lang FROM phone_routes"


def _route(row: tuple[str, int, int, int, str]) -> Route:
    code, origin, seq, radio_id, lang = row
    return Route(code, EntryId(origin, seq), radio_id, lang)


def remember_route(
    store: BoardStore,
    eid: EntryId,
    entry_code: str,
    radio_id: int,
    lang: str,
    *,
    limit: int = MAX_ROUTES,
    taken: Callable[[str], bool] = lambda code: False,
) -> Route:
    """The route of ``radio_id`` (writing in ``lang``) about entry ``eid`` (full code
    ``entry_code``), made if new; it becomes the most recently written. ``taken`` says
    whether a code already names something else (an entry of the board)."""
    if limit < 1:
        raise ValueError("the route table needs room for at least one route")
    lang = lang[:LANG_CHARS]
    with store.writing() as cur:
        turn = (cur.execute("SELECT max(turn) FROM phone_routes").fetchone()[0] or 0) + 1
        held = cur.execute(
            "SELECT code FROM phone_routes WHERE entry_origin = ? AND entry_seq = ?"
            " AND radio_id = ?", (eid.origin, eid.seq, radio_id),
        ).fetchone()
        if held is None:
            code = _new_code(cur, entry_code, taken)
            cur.execute(
                "INSERT INTO phone_routes (code, entry_origin, entry_seq, radio_id, lang, turn)"
                " VALUES (?, ?, ?, ?, ?, ?)", (code, eid.origin, eid.seq, radio_id, lang, turn),
            )
        else:
            code = str(held[0])
            cur.execute("UPDATE phone_routes SET lang = ?, turn = ? WHERE code = ?",
                        (lang, turn, code))
        oldest_kept = cur.execute(
            "SELECT turn FROM phone_routes ORDER BY turn DESC LIMIT 1 OFFSET ?", (limit - 1,)
        ).fetchone()
        if oldest_kept is not None:
            cur.execute("DELETE FROM phone_routes WHERE turn < ?", (oldest_kept[0],))
    return Route(code, eid, radio_id, lang)


def _new_code(cur: sqlite3.Cursor, entry_code: str, taken: Callable[[str], bool]) -> str:
    for _ in range(_TRIES):
        code = entry_code[:ENTRY_PART] + "".join(
            secrets.choice(ALPHABET) for _ in range(ROUTE_PART))
        used = cur.execute("SELECT 1 FROM phone_routes WHERE code = ?", (code,)).fetchone()
        if used is None and not taken(code):
            return code
    # Only when nearly all of the entry's 1,024 codes are routes: the desk says "try again".
    raise NodeError("no free route code for this entry")


def route_by_code(store: BoardStore, code: str) -> Route | None:
    """The route with this code, or None."""
    with store.reading() as conn:
        row = conn.execute(f"{_SELECT} WHERE code = ?", (code.upper(),)).fetchone()
    return None if row is None else _route(row)


def routes_of(store: BoardStore, eid: EntryId) -> list[Route]:
    """Every route about ``eid``, most recently written first."""
    with store.reading() as conn:
        rows = conn.execute(
            f"{_SELECT} WHERE entry_origin = ? AND entry_seq = ? ORDER BY turn DESC",
            (eid.origin, eid.seq),
        ).fetchall()
    return [_route(row) for row in rows]


def is_route_code(store: BoardStore, code: str) -> bool:
    """Whether ``code`` is a route's (asked of many words of every message: kept cheap)."""
    if len(code) != ENTRY_PART + ROUTE_PART:
        return False
    with store.reading() as conn:
        found = conn.execute("SELECT 1 FROM phone_routes WHERE code = ?",
                             (code.upper(),)).fetchone()
    return found is not None


def route_count(store: BoardStore) -> int:
    with store.reading() as conn:
        return int(conn.execute("SELECT count(*) FROM phone_routes").fetchone()[0])
