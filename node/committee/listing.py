"""The committee's board listing: alerts and critical needs first, then newest first.

Node services list the board newest first (meshaid.node.services.Node.board_page); the
committee reads the same filters in this order, a page at a time, or all of it in
batches (meshaid.node.store.reading.ranked_entries).
"""

from __future__ import annotations

from collections.abc import Iterator

from meshaid.node.errors import InputError
from meshaid.node.services import BoardQuery, Node
from meshaid.node.store import reading
from meshaid.node.store.views import BoardPage, EntryView


def ranked_page(node: Node, query: BoardQuery, limit: int | None = 50,
                page: int = 1) -> BoardPage:
    """Page ``page`` (from 1) of the entries matching ``query``, ``limit`` to a page (None:
    all of them), with how many match in all."""
    if limit is not None and limit < 1:
        raise InputError(f"a page holds at least one entry, not {limit}")
    if page < 1:
        raise InputError(f"pages are numbered from 1, not {page}")
    flt = node.entry_filter(query)
    offset = 0 if limit is None else (page - 1) * limit
    with node.store.reading() as conn:
        now = node.store.now_minute()
        total = None if limit is None else reading.count(conn, flt, now)
        rows = reading.ranked_entries(conn, flt, now, limit, offset, matching=total)
        views = node.views(rows, now)
    return BoardPage(views, len(rows) if total is None else total, offset, limit)


def iter_ranked(node: Node, query: BoardQuery) -> Iterator[EntryView]:
    """Every entry matching ``query`` in the same order, read a few hundred at a time."""
    flt = node.entry_filter(query)
    with node.store.reading() as conn:
        now = node.store.now_minute()
        for rows in reading.iter_ranked(conn, flt, now):
            yield from node.views(rows, now)
