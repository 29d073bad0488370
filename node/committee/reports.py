"""The committee's weekly or monthly report: the figures of the five things a
representative brings to the council, from one snapshot of the store.

1. What flowed: entries matched and fulfilled in the period, by category and community.
2. What is missing or overloaded: needs open now and needs that expired unmet in the
   period, against the open offers of the same category and community; how long the
   needs matched in the period waited.
3. What is scheduled: trades and market days dated in the period ahead.
4. What changed: needs and offers posted in the period against the period before.
5. Success stories: the entries fulfilled in the period, newest first, with their text.

Rendering is meshaid.node.committee.report_pages; the counts are meshaid.node.committee.tally.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from meshaid.node.committee.periods import Period
from meshaid.node.committee.tally import FULFILLED, MATCHED, NEED, OFFER, TRADE, tally
from meshaid.node.services import Node
from meshaid.node.store import reading
from meshaid.node.store.reading import OPEN_STATUSES
from meshaid.protocol import timebase
from meshaid.protocol.record import Category, Kind

STORIES_SHOWN = 8
SCHEDULED_SHOWN = 12


@dataclass(frozen=True)
class FlowRow:
    category: str
    community: str
    matched: int
    fulfilled: int


@dataclass(frozen=True)
class MissingRow:
    category: str
    community: str
    open_needs: int
    unmet: int  # expired unmet within the period
    open_offers: int

    @property
    def short(self) -> bool:
        """More needs than offers."""
        return self.open_needs + self.unmet > self.open_offers


@dataclass(frozen=True)
class WaitRow:
    category: str
    median_minutes: float
    needs: int


@dataclass(frozen=True)
class ChangeRow:
    category: str
    needs_before: int
    needs_now: int
    offers_before: int
    offers_now: int


@dataclass(frozen=True)
class Dated:
    """A scheduled trade, or a success story: one entry with the date that matters."""

    code: str
    kind: str
    category: str
    community: str
    zone: str
    text: str
    at: datetime  # the trade's date, or when the fulfilled entry was posted


@dataclass(frozen=True)
class Report:
    period: Period
    made: datetime
    start: datetime
    end: datetime
    community: str | None  # None: every community
    node: str
    flowed: list[FlowRow]
    missing: list[MissingRow]
    waits: list[WaitRow]
    wait_all: WaitRow | None  # every need matched in the period
    scheduled: list[Dated]
    scheduled_total: int
    changed: list[ChangeRow]
    stories: list[Dated]
    stories_total: int

    def to_json(self) -> dict[str, Any]:
        def plain(value: Any) -> Any:
            if isinstance(value, datetime):
                return value.isoformat(timespec="minutes")
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            if isinstance(value, list):
                return [plain(v) for v in value]
            return value

        data = {k: plain(v) for k, v in asdict(self).items() if k != "period"}
        data["period"] = {"name": self.period.name, "days": self.period.days,
                          "start": data.pop("start"), "end": data.pop("end")}
        return data


def _category(number: int) -> str:
    return Category(number).name.lower()


def _median_wait(waits: list[int], category: str) -> WaitRow:
    # By hand: importing statistics costs more than the report's own sums.
    ordered = sorted(waits)
    mid = len(ordered) // 2
    median = ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
    return WaitRow(category, float(median), len(ordered))


def build_report(node: Node, name: str, community: str | None = None) -> Report:
    """The report of the ``name`` period ("week" or "month") ending now, for one community
    (a name or number from meshaid.toml) or, with None, for all of them."""
    config = node.config
    number = None if community is None else config.community_number(community)

    def place(n: int) -> str:
        return config.community_label(n)

    def local(minute: int) -> datetime:
        return datetime.fromtimestamp(timebase.from_minutes(minute), config.tz)

    with node.store.reading() as conn:
        now = node.store.now_minute()
        period = Period.ending(name, now)
        t = tally(conn, period, now, number, stories=STORIES_SHOWN)
        ahead = period.ahead()
        # The range of the trades' index by date (the other terms unary-plussed, so that
        # SQLite does not read every active trade's row for its date instead).
        where = f"kind = {TRADE} AND +status IN {OPEN_STATUSES} AND +expires > ?"
        args: list[object] = [now]
        if number is not None:
            where += " AND +community = ?"
            args.append(number)
        trades = conn.execute(
            f'SELECT rowid FROM entries WHERE {where} AND "when" >= ? AND "when" < ?'
            ' ORDER BY "when", origin, seq', [*args, now, ahead.end]).fetchall()
        trade_ids = [r[0] for r in trades[:SCHEDULED_SHOWN]]
        shown_ids = trade_ids + t.changes.stories
        rows = {}
        if shown_ids:
            cols = ", ".join(f'"{f}"' for f in reading.Entry._fields)
            found = conn.execute(
                f"SELECT rowid, {cols} FROM entries WHERE rowid IN "
                f"({', '.join('?' * len(shown_ids))})", shown_ids)
            rows = {r[0]: reading.Entry(*r[1:]) for r in found}
        codes = reading.shown_codes(conn, {e.code for e in rows.values()})

    def dated(rowid: int, at: int) -> Dated:
        e = rows[rowid]
        return Dated(codes.get(e.code, e.code), Kind(e.kind).name.lower(),
                     _category(e.category), place(e.community),
                     config.zone_label(e.zone_id, e.zone_name), e.text, local(at))

    flows: dict[tuple[int, int], list[int]] = {}
    for (category, community_number, status), n in t.changes.flowed.items():
        cell = flows.setdefault((category, community_number), [0, 0])
        cell[0 if status == MATCHED else 1] += n
    flowed = [FlowRow(_category(cat), place(com), m, f)
              for (cat, com), (m, f) in sorted(flows.items())]

    needs, unmet, offers = t.open_needs, t.unmet_needs, t.open_offers
    missing = [MissingRow(_category(cat), place(com), needs[cat, com], unmet[cat, com],
                          offers[cat, com])
               for cat, com in sorted({*needs, *unmet})]
    missing.sort(key=lambda r: (-(r.open_needs + r.unmet), r.category, r.community))

    waited = t.changes.waits
    waits = [_median_wait(w, _category(cat)) for cat, w in sorted(waited.items())]
    every = [w for ws in waited.values() for w in ws]

    posted = t.posted  # (kind, before?) -> category -> entries
    cats = sorted({cat for counter in posted.values() for cat in counter})
    changed = [ChangeRow(_category(cat), posted[NEED, True][cat], posted[NEED, False][cat],
                         posted[OFFER, True][cat], posted[OFFER, False][cat])
               for cat in cats]

    return Report(
        period=period, made=local(now), start=local(period.start), end=local(now),
        community=None if number is None else place(number), node=config.name,
        flowed=flowed, missing=missing, waits=waits,
        wait_all=_median_wait(every, "all") if every else None,
        scheduled=[dated(rowid, rows[rowid].when) for rowid in trade_ids],
        scheduled_total=len(trades), changed=changed,
        stories=[dated(rowid, rows[rowid].created) for rowid in t.changes.stories],
        stories_total=sum(n for (_c, _p, status), n in t.changes.flowed.items()
                          if status == FULFILLED),
    )
