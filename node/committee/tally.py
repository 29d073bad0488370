"""Counting the board for the report and the needs map, in SQLite.

``open_counts`` (the needs map) counts the open offers and needs, and the needs that
expired unmet in the period, by category and community, from the range of the covering
index on status and expiry that holds them; ``report_counts`` (the report) counts the
same and what was posted in the period and the one before, reading that whole index once
(at 100,000 entries quicker than following the index on ``created`` to each row);
``changes`` lists the entries whose status moved to matched or fulfilled in the period,
the needs among them dated by when this node first stored the record that moved it
(``records.first_seen``): a change record keeps the entry's own posting time, so that is
the only date of the change a node has. Each takes an optional community.
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


class Change(NamedTuple):
    """An entry whose status became matched or fulfilled within the period."""

    rowid: int
    kind: int
    category: int
    community: int
    status: int
    created: int
    # When this node first stored the record that set the status: for needs, and for
    # entries first stored before the period; None: within the period, not looked up.
    changed: int | None


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
    changes: list[Change]


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


def changes(conn: sqlite3.Connection, period: Period,
            community: int | None = None) -> list[Change]:
    # Looking up the record that set the status is the costly part (a row of ``records``
    # each). An entry first stored within the period had its status set within it too (its
    # records are all stored since), so only its needs' dates are looked up, for the wait.
    extra, params = ("", []) if community is None else (" AND +community = ?", [community])
    rows = conn.execute(
        "SELECT rowid, kind, category, community, status, created,"
        f" CASE WHEN kind = {NEED} OR first_seen < ? THEN (SELECT r.first_seen FROM records"
        " AS r WHERE r.origin = status_origin AND r.seq = status_seq) END AS changed"
        f" FROM entries WHERE +status IN ({MATCHED}, {FULFILLED}){extra}",
        [period.start, *params],
    )
    return [Change(*row) for row in rows
            if row[6] is None or period.start <= row[6] < period.end]


def tally(conn: sqlite3.Connection, period: Period, now: int,
          community: int | None = None, with_changes: bool = True) -> Tally:
    """Every count of ``period`` (ending at ``now``) in one snapshot of ``conn``; without
    ``with_changes`` (the needs map), only the open and unmet counts."""
    if not with_changes:
        return Tally(period, now, *open_counts(conn, period, now, community), {}, [])
    offers, needs, unmet, posted = report_counts(conn, period, now, community)
    return Tally(period, now, offers, needs, unmet, posted, changes(conn, period, community))
