"""The emergency view: what a committee needs in the first hours of a crisis.

For every open alert and open critical need on this node's board:

* which nodes are known to hold it: the node that took it, this node, and every node
  that signed a record about it (a change, a match, a response naming it with ``ref``):
  a node signs only what it holds, so these are certain; others may hold it too;
* who pledged what: the matches that name it (not undone), and responses to it;
* what is still missing: the critical needs nobody has pledged to;
* a plan: the offers on the board (food, water, shelter, volunteers and skills,
  transport, and the rest) paired with the unpledged critical needs by the matcher
  (meshaid.node.committee.matching), each offer used once, grouped by community, with the
  needs no offer could meet listed for the committee to find help elsewhere.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from meshaid.node.committee.changes import MATCH_STATES, matches_naming
from meshaid.node.committee.matching import Labels, Matcher, Post, read_pool
from meshaid.node.services import Node
from meshaid.node.store.reading import OPEN_STATUSES
from meshaid.protocol.record import Category, EntryId, Kind, Status, Urgency, decode_stored

# The kinds of help the view lists first, in this order.
PLAN_CATEGORIES = (Category.FOOD, Category.WATER, Category.SHELTER, Category.SKILLS,
                   Category.TRANSPORT, Category.MEDICINE, Category.HEALTH, Category.ENERGY)


@dataclass(frozen=True)
class Pledge:
    code: str  # the match's code, or the responding entry's
    what: str  # "match, confirmed: offer 3QD2 ..." or "response: ..."
    by: str  # node name


@dataclass(frozen=True)
class Item:
    """An open alert or critical need."""

    code: str
    kind: str
    category: str
    community: str
    text: str
    created: datetime
    held_by: tuple[str, ...]
    pledges: tuple[Pledge, ...]

    @property
    def missing(self) -> bool:
        return self.kind == "need" and not self.pledges


@dataclass(frozen=True)
class PlanLine:
    need_code: str
    need_text: str
    offer_code: str | None  # None: no offer on the board meets it
    offer_text: str
    why: str


@dataclass(frozen=True)
class Situation:
    at: datetime
    items: tuple[Item, ...]
    plan: dict[str, list[PlanLine]] = field(default_factory=dict)  # community -> lines
    available: dict[str, dict[str, int]] = field(default_factory=dict)  # community -> counts

    def to_json(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(timespec="minutes"),
            "items": [{
                "code": i.code, "kind": i.kind, "category": i.category,
                "community": i.community, "text": i.text,
                "created": i.created.isoformat(timespec="minutes"),
                "held_by": list(i.held_by), "missing": i.missing,
                "pledges": [{"code": p.code, "what": p.what, "by": p.by} for p in i.pledges],
            } for i in self.items],
            "plan": {c: [{"need": ln.need_code, "need_text": ln.need_text,
                          "offer": ln.offer_code, "offer_text": ln.offer_text, "why": ln.why}
                         for ln in lines] for c, lines in self.plan.items()},
            "available": self.available,
        }


def situation(node: Node, community: str | None = None) -> Situation:
    config = node.config
    number = config.community_number(community) if community is not None else None
    names = _node_names(node)
    me = node.store.origin
    with node.store.reading() as conn:
        now = node.store.now_minute()
        rows = _focus(conn, now, number)
        shown = node.store.shown_codes([r[2] for r in rows] + _offer_codes(conn, rows))
        responses = _responses(conn, {EntryId(r[0], r[1]) for r in rows},
                               min((r[6] for r in rows), default=now))
        items = []
        for origin, seq, code, kind, category, comm, created, text in rows:
            eid = EntryId(origin, seq)
            signers = {origin, me}
            signers.update(o for (o,) in conn.execute(
                "SELECT DISTINCT origin FROM records WHERE entry_origin = ? AND entry_seq = ?",
                tuple(eid)))
            pledges = []
            for m in matches_naming(conn, eid):
                if m.status == Status.WITHDRAWN:
                    continue
                signers.add(m.origin)
                other = m.offer if m.need == eid else m.need
                other_code = _code_of(conn, other)
                label = shown.get(other_code, other_code[:4]) if other_code else "?"
                pledges.append(Pledge(m.code[:4], f"match, {MATCH_STATES[Status(m.status)]}: "
                                      f"offer {label}", names.get(m.origin, f"{m.origin:08x}")))
            for r_origin, r_code, r_text in responses.get(eid, ()):
                signers.add(r_origin)
                pledges.append(Pledge(r_code[:4], f"response: {r_text}",
                                      names.get(r_origin, f"{r_origin:08x}")))
            held = sorted(names.get(o, f"{o:08x}") for o in signers)
            items.append(Item(
                code=shown.get(code, code[:4]), kind=Kind(kind).name.lower(),
                category=Category(category).name.lower(),
                community=config.community_label(comm), text=text,
                created=node.local_time(created), held_by=tuple(held), pledges=tuple(pledges)))
        plan, available = _plan(node, conn, now, number, items, shown)
    return Situation(node.local_time(now), tuple(items), plan, available)


def _focus(conn: sqlite3.Connection, now: int, community: int | None) -> list[tuple[Any, ...]]:
    sql = ("SELECT origin, seq, code, kind, category, community, created, text FROM entries "
           f"WHERE status IN ({', '.join('?' * len(OPEN_STATUSES))}) AND expires > ? AND "
           "(kind = ? OR (kind = ? AND urgency = ?))")
    params: list[object] = [*OPEN_STATUSES, now, int(Kind.ALERT), int(Kind.NEED),
                            int(Urgency.CRITICAL)]
    if community is not None:
        sql += " AND community = ?"
        params.append(community)
    sql += " ORDER BY kind DESC, created, origin, seq"  # alerts first, then the oldest
    return list(conn.execute(sql, params))


def _offer_codes(conn: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> list[str]:
    out = []
    for row in rows:
        for m in matches_naming(conn, EntryId(row[0], row[1])):
            code = _code_of(conn, m.offer)
            if code:
                out.append(code)
    return out


def _code_of(conn: sqlite3.Connection, eid: EntryId) -> str:
    row = conn.execute("SELECT code FROM entries WHERE origin = ? AND seq = ?",
                       tuple(eid)).fetchone()
    return "" if row is None else str(row[0])


def _responses(conn: sqlite3.Connection, focus: set[EntryId], since: int
               ) -> dict[EntryId, list[tuple[int, str, str]]]:
    """Active entries whose newest version names a focus entry in ``ref``."""
    out: dict[EntryId, list[tuple[int, str, str]]] = {}
    if not focus:
        return out
    rows = conn.execute(
        "SELECT e.origin, e.code, e.text, r.raw FROM entries e JOIN records r "
        "ON r.origin = e.content_origin AND r.seq = e.content_seq "
        f"WHERE e.status IN ({', '.join('?' * len(OPEN_STATUSES))}) AND e.created >= ?",
        (*OPEN_STATUSES, since))
    for origin, code, text, raw in rows:
        ref = decode_stored(raw).body.ref
        if ref is not None and ref in focus:
            out.setdefault(ref, []).append((origin, code, text))
    return out


def _plan(node: Node, conn: sqlite3.Connection, now: int, community: int | None,
          items: list[Item], shown: dict[str, str]
          ) -> tuple[dict[str, list[PlanLine]], dict[str, dict[str, int]]]:
    config = node.config
    # Every critical need, and more offers than a suggestion list looks at: a crisis
    # plan must see the whole board.
    needs, offers = read_pool(conn, now, community, (Urgency.CRITICAL,), max_needs=5000,
                              max_offers=20_000)
    pledged = {i.code for i in items if i.pledges}
    needs = [n for n in needs if shown.get(n.code, n.code[:4]) not in pledged]
    matcher = Matcher(offers, now, Labels(dict(config.communities)))
    pairs = matcher.suggest(needs, limit=max(len(needs), 1), per_offer=1)
    codes = node.store.shown_codes({p.code for s in pairs for p in (s.need, s.offer)}
                                   | {n.code for n in needs})
    texts = _texts(conn, [p for s in pairs for p in (s.need, s.offer)] + needs)
    plan: dict[str, list[PlanLine]] = {}
    met = set()
    for s in pairs:
        met.add(s.need.code)
        plan.setdefault(config.community_label(s.need.community) or "-", []).append(PlanLine(
            codes.get(s.need.code, s.need.code[:4]), texts[s.need.code],
            codes.get(s.offer.code, s.offer.code[:4]), texts[s.offer.code],
            "; ".join(r.text for r in s.reasons)))
    for n in needs:
        if n.code not in met:
            plan.setdefault(config.community_label(n.community) or "-", []).append(PlanLine(
                codes.get(n.code, n.code[:4]), texts[n.code], None, "",
                "no open offer of this kind on the board"))
    available: dict[str, dict[str, int]] = {}
    for offer in offers:
        counts = available.setdefault(config.community_label(offer.community) or "-", {})
        name = Category(offer.category).name.lower()
        counts[name] = counts.get(name, 0) + 1
    return plan, available


def _texts(conn: sqlite3.Connection, posts: list[Post]) -> dict[str, str]:
    out = {}
    for post in posts:
        if post.code not in out:
            row = conn.execute("SELECT text FROM entries WHERE origin = ? AND seq = ?",
                               (post.origin, post.seq)).fetchone()
            out[post.code] = "" if row is None else str(row[0])
    return out


def _node_names(node: Node) -> dict[int, str]:
    with node.store.reading() as conn:
        names = {int(o): str(n) for o, n in conn.execute("SELECT origin, name FROM keys")}
    try:
        from meshaid.node.membership.neighbourhood import Neighbourhood

        nb = Neighbourhood(node)
        names.update({o: m.name for o, m in nb.roster.nodes.items()})
    except Exception:  # a damaged membership file must not hide the emergency view
        pass
    names[node.store.origin] = f"{node.config.name} (this node)"
    return names


def _clip(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def render(s: Situation) -> str:
    """The situation as text for a terminal."""
    lines = [f"Emergency view at {s.at:%Y-%m-%d %H:%M}"]
    alerts = [i for i in s.items if i.kind == "alert"]
    needs = [i for i in s.items if i.kind == "need"]
    lines.append(f"{len(alerts)} open alerts, {len(needs)} open critical needs, "
                 f"{sum(i.missing for i in needs)} with nobody pledged yet.")
    for title, group in (("ALERTS", alerts), ("CRITICAL NEEDS", needs)):
        if not group:
            continue
        lines += ["", title]
        for i in group:
            lines.append(f"  {i.code}  {i.category}, {i.community or '-'}: {_clip(i.text)}")
            lines.append(f"        held by: {', '.join(i.held_by)}")
            for p in i.pledges:
                lines.append(f"        pledged: {p.what} (by {p.by})")
            if i.missing:
                lines.append("        MISSING: nobody has pledged to this yet")
    if s.plan:
        lines += ["", "PLAN (unpledged critical needs, each offer used once)"]
        for community in sorted(s.plan):
            lines.append(f"  {community}:")
            for ln in s.plan[community]:
                if ln.offer_code is None:
                    lines.append(f"    {ln.need_code} {_clip(ln.need_text, 40)} -> NO OFFER: "
                                 "ask other communities")
                else:
                    lines.append(f"    {ln.need_code} {_clip(ln.need_text, 40)} -> offer "
                                 f"{ln.offer_code} {_clip(ln.offer_text, 40)}")
                    lines.append(f"        ({ln.why}; record: meshaid match {ln.need_code} "
                                 f"{ln.offer_code})")
    if s.available:
        lines += ["", "OPEN OFFERS BY COMMUNITY"]
        for community in sorted(s.available):
            counts = s.available[community]
            first = [c.name.lower() for c in PLAN_CATEGORIES]
            order = first + sorted(set(counts) - set(first))
            listed = ", ".join(f"{name} {counts[name]}" for name in order if name in counts)
            lines.append(f"  {community}: {listed}")
    return "\n".join(lines)

