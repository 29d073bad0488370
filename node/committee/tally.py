"""Counting the board for the report and the needs map, in SQLite.

``open_counts`` (the needs map) counts the open offers and needs, and the needs that
expired unmet in the period, by category and community, from the range of the covering
index on status and expiry that holds them; ``report_counts`` (the report) counts the
same and what was posted in the period and the one before, reading that whole index once
(at 100,000 entries quicker than following the index on ``created`` to each row);
``changes`` counts the entries whose status moved to matched or fulfilled in the period,
with how long the needs among them waited and the newest fulfilled entries, each change
dated by when this node first stored the record that made it (``entries.status_seen``,
the ``records.first_seen`` of the entry's status record): a change record keeps the
entry's own posting time, so that is the only date of the change a node has. They are
read from the period's range of the partial index that holds only the matched and
fulfilled entries (migration 0007). Each takes an optional community.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from dataclasses import dataclass
from typing import NamedTuple

from meshaid.node.committee.periods import Period
from meshaid.protocol.record import Kind, Status

OFFER, NEED, TRADE = int(Kind.OFFER), int(Kind.NEED), int(Kind.TRADE)
OPEN, MATCHED, FULFILLED = int(Status.OPEN), int(Status.MATCHED), int(Status.FULFILLED)


class Changes(NamedTuple):
    """What changed to matched or fulfilled within the period."""

    flowed: Counter[tuple[int, int, int]]  # (category, community, status) -> entries
    waits: dict[int, list[int]]  # category -> minutes from posting to change, of each need
    stories: list[int]  # rowids of the entries fulfilled, newest first, at most as asked


@dataclass(frozen=True)
class Tally:
    """What the report and the map count, for one period ending at minute ``now``.
    Counters are keyed (category, community), or category for what was posted."""

    period: Period
    now: int
    open_offers: Counter[tuple[int, int]]  # open now
    open_needs: Counter[tuple[int, int]]
    unmet_needs: Counter[tuple[int, int]]  # expired, open or matched, within the period
    posted: dict[tuple[int, bool], Counter[int]]  # (kind, in the period before?) -> category
    changes: Changes


# SQLite sorts to group, and sorting on one integer is several times quicker than on
# several columns: so each row's group is packed into one number, unpacked here. Kinds
# are below 16 and categories below 256; a community is any 32-bit number on air, so it
# takes the high bits.
_PLACE_KEY = "(community * 16 + kind) * 256 + category"


def _unpack(key: int) -> tuple[int, int, int]:
    """(kind, category, community) of a packed group."""
    return (key >> 8) & 15, key & 255, key >> 12


def open_counts(conn: sqlite3.Connection, period: Period, now: int,
                community: int | None = None
                ) -> tuple[Counter[tuple[int, int]], Counter[tuple[int, int]],
                           Counter[tuple[int, int]]]:
    """Open offers, open needs, and needs that expired unmet within ``period``, each by
    (category, community). Both statements read only the covering index on status and
    expiry, over the range of live (or recently expired) entries."""
    extra = "" if community is None else " AND community = :community"
    params = {"now": now, "start": period.start, "community": community}
    offers: Counter[tuple[int, int]] = Counter()
    needs: Counter[tuple[int, int]] = Counter()
    unmet: Counter[tuple[int, int]] = Counter()
    for key, n in conn.execute(
        f"SELECT {_PLACE_KEY} AS k, count(*) FROM entries WHERE status = {OPEN}"
        f" AND expires > :now AND kind IN ({OFFER}, {NEED}){extra} GROUP BY k", params
    ):
        kind, category, place = _unpack(key)
        (offers if kind == OFFER else needs)[category, place] += n
    for key, n in conn.execute(
        f"SELECT {_PLACE_KEY} AS k, count(*) FROM entries WHERE status IN ({OPEN}, {MATCHED})"
        f" AND expires >= :start AND expires <= :now AND kind = {NEED}{extra} GROUP BY k",
        params,
    ):
        _kind, category, place = _unpack(key)
        unmet[category, place] += n
    return offers, needs, unmet


# The report's counts in one pass over the covering index: each row's place, status and
# four flags (live now, expired within the period, posted within it, posted in the one
# before) packed into one integer.
_REPORT_KEY = (
    f"(({_PLACE_KEY}) * 16 + status) * 16 + (expires > :now) * 8"
    " + (expires >= :start AND expires <= :now) * 4"
    " + (created >= :start AND created < :end) * 2 + (created >= :before AND created < :start)"
)
Places = Counter[tuple[int, int]]


def report_counts(conn: sqlite3.Connection, period: Period, now: int,
                  community: int | None = None
                  ) -> tuple[Places, Places, Places, dict[tuple[int, bool], Counter[int]]]:
    """``open_counts``, and the offers and needs posted in ``period`` and in the one before
    by kind and category, from one read of the covering index."""
    extra = "" if community is None else " AND community = :community"
    offers: Places = Counter()
    needs: Places = Counter()
    unmet: Places = Counter()
    posted: dict[tuple[int, bool], Counter[int]] = {
        (k, b): Counter() for k in (OFFER, NEED) for b in (False, True)}
    for key, n in conn.execute(
        f"SELECT {_REPORT_KEY} AS k, count(*) FROM entries"
        f" WHERE status >= 0 AND kind IN ({OFFER}, {NEED}){extra} GROUP BY k",
        {"now": now, "start": period.start, "end": period.end,
         "before": period.before().start, "community": community},
    ):
        flags, status = key & 15, (key >> 4) & 15
        kind, category, place = _unpack(key >> 8)
        if status == OPEN and flags & 8:
            (offers if kind == OFFER else needs)[category, place] += n
        if kind == NEED and status in (OPEN, MATCHED) and flags & 4:
            unmet[category, place] += n
        for before, bit in ((False, 2), (True, 1)):
            if flags & bit:
                posted[kind, before][category] += n
    return offers, needs, unmet, posted


def changes(conn: sqlite3.Connection, period: Period, community: int | None = None,
            stories: int = 0) -> Changes:
    """The entries matched or fulfilled within ``period`` (those whose status record this
    node first stored within it) by category, community and status; the waits of the
    needs among them; the ``stories`` newest fulfilled. Each statement reads only the
    period's range of the index of changes."""
    where = (f"status IN ({MATCHED}, {FULFILLED}) AND status_seen >= :start"
             " AND status_seen < :end" + ("" if community is None else " AND community = :c"))
    params = {"start": period.start, "end": period.end, "c": community, "n": stories}
    flowed: Counter[tuple[int, int, int]] = Counter()
    for category, place, status, n in conn.execute(
        f"SELECT category, community, status, count(*) FROM entries WHERE {where}"
        " GROUP BY category, community, status", params
    ):
        flowed[category, place, status] = n
    waits: dict[int, list[int]] = {}
    for category, wait in conn.execute(
        f"SELECT category, max(0, status_seen - created) FROM entries WHERE {where}"
        f" AND kind = {NEED}", params
    ):
        waits.setdefault(category, []).append(wait)
    newest = conn.execute(
        f"SELECT rowid FROM entries WHERE {where} AND status = {FULFILLED}"
        " ORDER BY created DESC, rowid LIMIT :n", params).fetchall()
    return Changes(flowed, waits, [r[0] for r in newest])


def tally(conn: sqlite3.Connection, period: Period, now: int, community: int | None = None,
          with_changes: bool = True, stories: int = 0) -> Tally:
    """Every count of ``period`` (ending at ``now``) in one snapshot of ``conn``, with the
    ``stories`` newest entries fulfilled in it; without ``with_changes`` (the needs map),
    only the open and unmet counts."""
    if not with_changes:
        return Tally(period, now, *open_counts(conn, period, now, community), {},
                     Changes(Counter(), {}, []))
    offers, needs, unmet, posted = report_counts(conn, period, now, community)
    return Tally(period, now, offers, needs, unmet, posted,
                 changes(conn, period, community, stories))
