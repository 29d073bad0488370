"""Reading the board: SQLite filters, sorts, counts, pages and searches the entry rows.

Every function takes a plain ``sqlite3`` connection (see database.connect) and returns
plain values, so that a command that only reads never loads SQLAlchemy. A listing is the
rows of one page plus, for their codes, the neighbours of each code in the ``code``
index: a page of 50 needs 100 indexed lookups, not every code of the board.

How SQLite should find a page depends on how many entries match, which its planner
cannot know, so ``entries`` tells it (a ``+`` before a column keeps SQLite from using an
index for that term). Counting the matches reads the index that covers every filter but
the search; a search counts by scanning the table, which at 100,000 entries is several
times quicker than looking up each row the index points to. A page of a filter that many
entries match walks the index on ``created`` from the newest and stops after the page; a
rarer one scans the table and sorts what matched. The committee's board
(``ranked_entries``) puts alerts and critical needs first: two such listings, one after
the other.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import NamedTuple

from meshaid.node import codes
from meshaid.node.errors import StoreError
from meshaid.node.store.search import fold
from meshaid.protocol.record import Kind, Status, Urgency

OPEN_STATUSES = (int(Status.OPEN), int(Status.MATCHED))
_OPEN = f"status IN ({', '.join(map(str, OPEN_STATUSES))})"
STATUS_FILTERS = ("active", "open", "matched", "fulfilled", "withdrawn", "expired", "all")
# Past this many codes to show, reading every code is cheaper than two lookups each.
NEIGHBOUR_LOOKUPS_UP_TO = 2000
# Reading a row through an index costs about this many rows read by a scan of the table.
LOOKUP_COST = 4


class Entry(NamedTuple):
    """One row of ``entries``: an entry as the board shows it. Times are minutes."""

    origin: int
    seq: int
    code: str
    kind: int
    category: int
    community: int
    zone_id: int
    zone_name: str
    text: str
    urgency: int
    when: int  # trades: event minute; 0 when none
    created: int
    lifetime: int
    expires: int
    status: int
    version: int
    first_seen: int
    content_origin: int
    content_seq: int
    status_origin: int
    status_seq: int


_COLUMNS = ", ".join(f'"{name}"' for name in Entry._fields)
_BY_INDEX = " ORDER BY created DESC, origin, seq"
_BY_SORTING = " ORDER BY +created DESC, origin, seq"


@dataclass(frozen=True)
class EntryFilter:
    """Which entries a board query returns. Names are already checked; times are minutes."""

    status: str = "active"
    kinds: tuple[int, ...] = ()
    categories: tuple[int, ...] = ()
    communities: tuple[int, ...] = ()
    search: str = ""
    search_zone_ids: tuple[int, ...] = ()  # configured zones whose names match ``search``
    since: int | None = None
    # Only entries the board puts first (alerts, critical needs: see PRIORITY), or only
    # the others; None: either.
    priority: bool | None = None


# What the committee's board lists first: alerts, and needs marked critical.
PRIORITY = (f"(kind = {int(Kind.ALERT)} OR (kind = {int(Kind.NEED)}"
            f" AND urgency = {int(Urgency.CRITICAL)}))")


def _in(column: str, values: tuple[int, ...]) -> str:
    return f"{column} IN ({', '.join('?' * len(values))})"


def where(flt: EntryFilter, now: int, indexed: bool = True) -> tuple[str, list[object]]:
    """The WHERE clause (may be empty) and its parameters for ``flt`` at minute ``now``;
    with ``indexed`` false, SQLite may use no index to evaluate it."""
    plus = "" if indexed else "+"
    terms: list[str] = []
    params: list[object] = []
    if flt.status == "active":
        terms += [plus + _OPEN, f"{plus}expires > ?"]
        params.append(now)
    elif flt.status in ("open", "matched"):
        terms += [f"{plus}status = ?", f"{plus}expires > ?"]
        params += [int(Status[flt.status.upper()]), now]
    elif flt.status in ("fulfilled", "withdrawn"):
        terms.append(f"{plus}status = ?")
        params.append(int(Status[flt.status.upper()]))
    elif flt.status == "expired":
        terms += [plus + _OPEN, f"{plus}expires <= ?"]
        params.append(now)
    elif flt.status != "all":
        raise StoreError(f"unknown status filter {flt.status!r}")
    for column, values in (
        ("kind", flt.kinds), ("category", flt.categories), ("community", flt.communities)
    ):
        if values:
            terms.append(_in(plus + column, values))
            params += values
    needle = fold(flt.search)
    if needle:
        found = "instr(search_text, ?) > 0"
        params.append(needle)
        if flt.search_zone_ids:
            found = f"({found} OR {_in(plus + 'zone_id', flt.search_zone_ids)})"
            params += flt.search_zone_ids
        terms.append(found)
    if flt.since is not None:
        terms.append(f"{plus}created >= ?")
        params.append(flt.since)
    if flt.priority is not None:
        terms.append(PRIORITY if flt.priority else f"NOT {PRIORITY}")
    return (" WHERE " + " AND ".join(terms)) if terms else "", params


def entries(
    conn: sqlite3.Connection,
    flt: EntryFilter,
    now: int,
    limit: int | None = None,
    offset: int = 0,
    matching: int | None = None,
) -> list[Entry]:
    """Entries matching ``flt`` at minute ``now``, newest first, from ``offset`` on, at most
    ``limit``; ``matching`` is how many match in all, if the caller counted them."""
    clause, params = where(flt, now, indexed=False)
    order = _BY_SORTING
    if limit is not None:
        if matching is None:
            matching = count(conn, flt, now)
        if matching <= offset:
            return []
        size = conn.execute("SELECT max(rowid) FROM entries").fetchone()[0] or 0
        walked = (offset + limit) * size / matching  # rows read before the page is full
        if walked * LOOKUP_COST < size:
            order = _BY_INDEX
    sql = f"SELECT {_COLUMNS} FROM entries{clause}{order}"
    if limit is not None or offset:
        sql += " LIMIT ? OFFSET ?"
        params += [-1 if limit is None else limit, offset]
    return [Entry(*row) for row in conn.execute(sql, params)]


def iter_entries(
    conn: sqlite3.Connection, flt: EntryFilter, now: int, batch: int = 500
) -> Iterator[list[Entry]]:
    """All entries matching ``flt``, newest first, ``batch`` rows at a time."""
    clause, params = where(flt, now, indexed=False)
    cur = conn.execute(f"SELECT {_COLUMNS} FROM entries{clause}{_BY_SORTING}", params)
    try:
        while rows := cur.fetchmany(batch):
            yield [Entry(*row) for row in rows]
    finally:
        cur.close()


def ranked_entries(
    conn: sqlite3.Connection,
    flt: EntryFilter,
    now: int,
    limit: int | None = None,
    offset: int = 0,
    matching: int | None = None,
) -> list[Entry]:
    """Like ``entries``, but alerts and critical needs first, each part newest first: the
    two parts are read as two listings, so each walks or scans as ``entries`` chooses."""
    kinds = set(flt.kinds)
    if kinds and (kinds <= {int(Kind.ALERT)} or not kinds & {int(Kind.ALERT), int(Kind.NEED)}):
        # Only alerts, or no alert nor need: one part, and the order is newest first.
        return entries(conn, flt, now, limit, offset, matching)
    first = dataclasses.replace(flt, priority=True)
    rest = dataclasses.replace(flt, priority=False)
    if limit is None:
        return [*entries(conn, first, now, None, offset),
                *entries(conn, rest, now, None, max(0, offset - count(conn, first, now)))]
    if matching is None:
        matching = count(conn, flt, now)
    ahead = count(conn, first, now)
    rows = []
    if offset < ahead:
        rows = entries(conn, first, now, limit, offset, matching=ahead)
    if len(rows) < limit and matching > ahead:
        rows += entries(conn, rest, now, limit - len(rows), max(0, offset - ahead),
                        matching=matching - ahead)
    return rows


def iter_ranked(
    conn: sqlite3.Connection, flt: EntryFilter, now: int, batch: int = 500
) -> Iterator[list[Entry]]:
    """All entries matching ``flt`` in ``ranked_entries`` order, ``batch`` rows at a time."""
    for priority in (True, False):
        yield from iter_entries(conn, dataclasses.replace(flt, priority=priority), now, batch)


def count(conn: sqlite3.Connection, flt: EntryFilter, now: int) -> int:
    """How many entries match: from the covering index, or for a search or the priority
    (which the index does not cover) by a scan."""
    clause, params = where(flt, now, indexed=not fold(flt.search) and flt.priority is None)
    return int(conn.execute(f"SELECT count(*) FROM entries{clause}", params).fetchone()[0])


def entry(conn: sqlite3.Connection, origin: int, seq: int) -> Entry | None:
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM entries WHERE origin = ? AND seq = ?", (origin, seq)
    ).fetchone()
    return None if row is None else Entry(*row)


def by_code(conn: sqlite3.Connection, prefix: str) -> list[Entry]:
    """Entries whose code starts with ``prefix`` (normalised: 0-9 and A-Z only)."""
    # Every code character sorts below DEL, so the prefix's codes are one range of the index.
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM entries WHERE code >= ? AND code < ? ORDER BY code",
        (prefix, prefix + "\x7f"),
    )
    return [Entry(*row) for row in rows]


def all_codes(conn: sqlite3.Connection) -> list[str]:
    return [row[0] for row in conn.execute("SELECT code FROM entries ORDER BY code")]


def shown_codes(conn: sqlite3.Connection, wanted: Collection[str]) -> dict[str, str]:
    """How each code in ``wanted`` is shown on this board (codes.display_codes over every
    code of the board, computed from each code's neighbours in the index)."""
    if len(wanted) > NEIGHBOUR_LOOKUPS_UP_TO:
        every = codes.display_codes(all_codes(conn))
        return {code: every[code] for code in wanted if code in every}
    shown: dict[str, str] = {}
    for code in wanted:
        before = conn.execute(
            "SELECT code FROM entries WHERE code < ? ORDER BY code DESC LIMIT 1", (code,)
        ).fetchone()
        after = conn.execute(
            "SELECT code FROM entries WHERE code > ? ORDER BY code LIMIT 1", (code,)
        ).fetchone()
        shown[code] = codes.shown_code(
            code, None if before is None else before[0], None if after is None else after[0]
        )
    return shown
