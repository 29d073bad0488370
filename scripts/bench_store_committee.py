"""The committee's read commands in ``bench_store.py``: what each runs, its yardstick (the
statements meshaid runs for it, by plain sqlite3), and its row of the table. Kept apart so
that bench_store.py stays short.

An empty list for "arguments before" means the code measured with ``--before`` had no
such command, so only this tree's figure is measured.
"""

from __future__ import annotations

from typing import Any

# The map: open offers and needs, and needs expired unmet in the week, grouped by place
# (a packed integer, as meshaid groups them), from the covering index.
PLACE = "(community * 16 + kind) * 256 + category"
OPEN = (f"SELECT {PLACE} AS k, count(*) FROM entries WHERE status = 0 AND expires > {{now}} "
        "AND kind IN (0, 1) GROUP BY k")
UNMET = (f"SELECT {PLACE} AS k, count(*), '' FROM entries WHERE status IN (0, 1) AND expires "
         ">= {start} AND expires <= {now} AND kind = 1 GROUP BY k")
# The report: one grouped read of the covering index (place, status and four flags packed
# as meshaid packs them), and the changes of the month grouped, from the range of the
# partial index on matched and fulfilled entries by status_seen (counted, not printed).
REPORT = (f"SELECT (({PLACE}) * 16 + status) * 16 + (expires > {{now}}) * 8 + (expires >= "
          "{start} AND expires <= {now}) * 4 + (created >= {start}) * 2 + (created >= {before} "
          "AND created < {start}) AS k, count(*) FROM entries WHERE status >= 0 AND kind IN "
          "(0, 1) GROUP BY k")
CHANGES = ("SELECT count(*), 0, '' FROM (SELECT category, community, status, count(*) FROM "
           "entries WHERE status IN (1, 2) AND status_seen >= {start} GROUP BY category, "
           "community, status)")
DAY = 24 * 60


def committee_commands(now: int, board: tuple[str, str, str], active: str
                       ) -> list[tuple[str, list[str], str | None, str, str, list[str]]]:
    """(key, arguments, yardstick count, rows and codes, arguments before); ``board`` is the
    board listing's yardstick, ``active`` the condition of an active entry."""
    return [
        ("board_csv", ["board", "--format", "csv"], *board, []),
        ("report_month", ["report", "--month"],
         REPORT.format(now=now, start=now - 30 * DAY, before=now - 60 * DAY),
         CHANGES.format(start=now - 30 * DAY), "near", []),
        ("map", ["map"], OPEN.format(now=now), UNMET.format(now=now, start=now - 7 * DAY),
         "near", []),
        # Matching: the open offers it weighs (the 2,000 newest), with their folded words.
        ("match", ["match"], None,
         f"SELECT origin, seq, search_text FROM entries WHERE +status = 0 AND +expires > {now} "
         "AND +kind = 0 ORDER BY created DESC LIMIT 2000", "near", []),
        # The print: a page of 40 of each of the four kinds.
        ("print", ["print"], board[0],
         f"SELECT * FROM entries WHERE {active} ORDER BY created DESC LIMIT 160", "near", []),
    ]


COMMITTEE_ROWS: list[tuple[str, str, str, Any]] = [
    ("board_csv", "`meshaid board --format csv` (first page)", "≤ 0.5 s", lambda v: v <= 0.5),
    ("report_month", "`meshaid report --month`", "≤ 0.5 s", lambda v: v <= 0.5),
    ("map", "`meshaid map`", "≤ 0.5 s", lambda v: v <= 0.5),
    ("print", "`meshaid print` (HTML, 40 entries of each kind)", "≤ 0.5 s", lambda v: v <= 0.5),
    ("match", "`meshaid match` (20 suggestions)", "≤ 0.5 s", lambda v: v <= 0.5),
]
