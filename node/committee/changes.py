"""What the committee changes on the board: matches, and new versions of entries.

A match is a record of its own (``RecordBody.match``: a need and an offer) that spreads
by the ordinary sync; its status says where it stands: proposed (open), confirmed
(matched), completed (fulfilled) or undone (withdrawn), and only moves forward. The need
and the offer show as matched on every node while a match that is not undone names them
(meshaid.sync.merge). Completing a match also closes both entries as fulfilled: new
versions of entries that may have been taken on other nodes, which only a committee node
(or the node that took each) may sign (meshaid.sync.authority).

Renewing and editing make a new version of an entry, as closing does
(meshaid.node.services): the whole entry again, with the changes and version + 1.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from meshaid.node import codes
from meshaid.node.errors import (
    AlreadyClosedError,
    AmbiguousCodeError,
    InputError,
    NotOwnerError,
    UnknownCodeError,
)
from meshaid.node.services import URGENCIES, Node, check_text
from meshaid.node.store.reading import Entry, by_code
from meshaid.node.store.views import EntryView
from meshaid.protocol import timebase
from meshaid.protocol.errors import UsageError
from meshaid.protocol.record import (
    Category,
    EntryId,
    Kind,
    MatchPair,
    RecordBody,
    SignedRecord,
    Status,
    Urgency,
)
from meshaid.sync.authority import authorised_by
from meshaid.sync.lifetime import MAX_LIFETIME, MINUTES_PER_DAY
from meshaid.sync.merge import EntryState

if TYPE_CHECKING:
    from meshaid.sync.roster import Roster

# How a match's status reads to people.
MATCH_STATES = {
    Status.OPEN: "proposed",
    Status.MATCHED: "confirmed",
    Status.FULFILLED: "completed",
    Status.WITHDRAWN: "undone",
}
CLOSED = (int(Status.FULFILLED), int(Status.WITHDRAWN))
_MATCH_COLUMNS = (
    "origin, seq, code, need_origin, need_seq, offer_origin, offer_seq, text, status, "
    "version, created"
)


@dataclass(frozen=True)
class MatchRow:
    """One row of ``matches``."""

    origin: int
    seq: int
    code: str
    need_origin: int
    need_seq: int
    offer_origin: int
    offer_seq: int
    text: str
    status: int
    version: int
    created: int

    @property
    def entry_id(self) -> EntryId:
        return EntryId(self.origin, self.seq)

    @property
    def need(self) -> EntryId:
        return EntryId(self.need_origin, self.need_seq)

    @property
    def offer(self) -> EntryId:
        return EntryId(self.offer_origin, self.offer_seq)

    @property
    def state(self) -> str:
        return MATCH_STATES[Status(self.status)]


@dataclass(frozen=True)
class MatchView:
    """A match as a person sees it: its code and state, and the two entries it pairs."""

    code: str
    full_code: str
    state: str  # proposed, confirmed, completed, undone
    need: EntryView | None  # None: not on this node's board (yet)
    offer: EntryView | None
    note: str
    created: datetime
    origin: str  # the node that made it

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "full_code": self.full_code,
            "state": self.state,
            "need": None if self.need is None else self.need.to_json(),
            "offer": None if self.offer is None else self.offer.to_json(),
            "note": self.note,
            "created": self.created.isoformat(timespec="minutes"),
            "origin": self.origin,
        }


# -- reading matches ------------------------------------------------------------------------


def match_rows(conn: sqlite3.Connection, where: str = "", params: tuple[object, ...] = ()
               ) -> list[MatchRow]:
    sql = f"SELECT {_MATCH_COLUMNS} FROM matches {where} ORDER BY created DESC, origin, seq"
    return [MatchRow(*row) for row in conn.execute(sql, params)]


def matches_naming(conn: sqlite3.Connection, eid: EntryId) -> list[MatchRow]:
    """Every match (undone ones too) that names entry ``eid``, newest first."""
    return match_rows(
        conn, "WHERE (need_origin = ? AND need_seq = ?) OR (offer_origin = ? AND offer_seq = ?)",
        (*eid, *eid),
    )


def shown_match_codes(conn: sqlite3.Connection) -> dict[str, str]:
    """Each match's code as shown: the shortest prefix (at least 4) no other match shares."""
    return codes.display_codes(row[0] for row in conn.execute("SELECT code FROM matches"))


def find_match(node: Node, given: str) -> MatchRow:
    prefix = codes.normalise(given)
    with node.store.reading() as conn:
        rows = match_rows(conn, "WHERE code >= ? AND code < ?", (prefix, prefix + "\x7f"))
    if not rows:
        raise UnknownCodeError(f"no match has code {prefix}; `meshaid match --list` shows them")
    if len(rows) > 1:
        raise AmbiguousCodeError(f"code {prefix} matches {len(rows)} matches; type more characters")
    return rows[0]


def match_view(node: Node, row: MatchRow) -> MatchView:
    with node.store.reading() as conn:
        shown = shown_match_codes(conn)
        need = _entry_view(node, conn, row.need)
        offer = _entry_view(node, conn, row.offer)
    return MatchView(
        code=shown.get(row.code, row.code[: codes.SHORT_LENGTH]), full_code=row.code,
        state=row.state, need=need, offer=offer, note=row.text,
        created=datetime.fromtimestamp(timebase.from_minutes(row.created), node.config.tz),
        origin=f"{row.origin:08x}",
    )


def list_matches(node: Node, states: tuple[str, ...] = ()) -> list[MatchView]:
    """Matches recorded on the board, newest first; ``states``: only these (any if empty)."""
    wanted = {int(s) for s, label in MATCH_STATES.items() if not states or label in states}
    with node.store.reading() as conn:
        rows = [r for r in match_rows(conn) if r.status in wanted]
    return [match_view(node, row) for row in rows]


def _entry_view(node: Node, conn: sqlite3.Connection, eid: EntryId) -> EntryView | None:
    row = conn.execute("SELECT code FROM entries WHERE origin = ? AND seq = ?",
                       tuple(eid)).fetchone()
    return None if row is None else node.show(row[0])


# -- authority ------------------------------------------------------------------------------


def use_roster(node: Node) -> Roster | None:
    """Let the store take changes that the roster in force allows (a committee node's
    changes to entries taken elsewhere); the roster, or None outside a neighbourhood."""
    from meshaid.node.membership.neighbourhood import Neighbourhood  # only for changes

    nb = Neighbourhood(node)
    if not nb.joined:
        return None
    node.store.authorised = authorised_by(lambda: nb.roster)
    return nb.roster


def _check_may_change(node: Node, roster: Roster | None, entry: Entry, label: str) -> None:
    me = node.store.origin
    if entry.origin == me or (roster is not None and me in roster.committee):
        return
    raise NotOwnerError(
        f"entry {label} was posted on node {_node_name(roster, entry.origin)}; only that node "
        "or a committee node can change it"
    )


def _node_name(roster: Roster | None, origin: int) -> str:
    held = roster.nodes.get(origin) if roster is not None else None
    return held.name if held is not None else f"{origin:08x}"


# -- resolving entries ----------------------------------------------------------------------


def resolve(node: Node, given: str) -> tuple[Entry, str]:
    """The entry with this code, and its code as shown."""
    prefix = codes.normalise(given)
    with node.store.reading() as conn:
        rows = by_code(conn, prefix)
        if not rows:
            raise UnknownCodeError(f"no entry has code {prefix}")
        if len(rows) > 1:
            raise AmbiguousCodeError(
                f"code {prefix} matches {len(rows)} entries; type more characters"
            )
        shown = node.store.shown_codes([rows[0].code])
    return rows[0], shown.get(rows[0].code, rows[0].code[: codes.SHORT_LENGTH])


def _active(entry: Entry, label: str, now: int) -> None:
    if entry.status in CLOSED:
        raise AlreadyClosedError(f"entry {label} is already {Status(entry.status).name.lower()}")
    if entry.expires <= now:
        raise InputError(f"entry {label} has expired; renew it first (`meshaid renew {label}`)")


# -- new versions of an entry ---------------------------------------------------------------


def _change(node: Node, eid: EntryId, edit: Callable[[EntryState, int], dict[str, Any]]
            ) -> SignedRecord:
    """Sign and store a new version of ``eid``: its content as now, changed by ``edit``
    (given the state and this node's minute); the record is signed by this node."""
    me = node.store.origin

    def build(state: EntryState, seq: int, now: int) -> RecordBody:
        changes = edit(state, now)
        return dataclasses.replace(
            state.content.body, origin=me, seq=seq, entry_seq=eid.seq,
            entry_origin=0 if eid.origin == me else eid.origin,
            version=state.version + 1, **changes,
        )

    try:
        rec = node.store.create_change(eid, build)
    except UsageError as exc:
        raise InputError(str(exc)) from exc
    return rec


def renew(node: Node, code: str, days: int = 14) -> EntryView:
    """Let an entry live ``days`` more days from now (at most 90 days from its posting)."""
    if days < 1:
        raise InputError(f"renew by at least one day, not {days}")
    roster = use_roster(node)
    entry, label = resolve(node, code)
    if entry.status in CLOSED:
        raise AlreadyClosedError(f"entry {label} is already {Status(entry.status).name.lower()}")
    _check_may_change(node, roster, entry, label)

    def edit(state: EntryState, now: int) -> dict[str, Any]:
        body = state.content.body
        lifetime = now + days * MINUTES_PER_DAY - body.created
        if lifetime > MAX_LIFETIME:
            room = (body.created + MAX_LIFETIME - now) // MINUTES_PER_DAY
            more = f"at most {room} more days" if room > 0 else "no longer; post it again"
            raise InputError(
                f"entries live at most {MAX_LIFETIME // MINUTES_PER_DAY} days from posting: "
                f"entry {label} can live {more}")
        if body.created + lifetime <= entry.expires:
            raise InputError(f"entry {label} already lives longer than {days} days from now")
        return {"lifetime": lifetime}

    _change(node, EntryId(entry.origin, entry.seq), edit)
    return node.show(entry.code)


def edit(
    node: Node,
    code: str,
    *,
    text: str | None = None,
    urgency: str | None = None,
    zone: str | None = None,
) -> EntryView:
    """A new version of an entry with another text, urgency or zone."""
    if text is None and urgency is None and zone is None:
        raise InputError("nothing to change: give --text, --urgency or --zone")
    changes: dict[str, Any] = {}
    if text is not None:
        changes["text"] = check_text(text)
    if urgency is not None:
        if urgency.lower() not in URGENCIES:
            raise InputError(f"unknown urgency {urgency!r}; valid: {', '.join(URGENCIES)}")
        changes["urgency"] = Urgency[urgency.upper()]
    if zone is not None:
        changes["zone_id"], changes["zone_name"] = node.config.zone_of(zone)
    roster = use_roster(node)
    entry, label = resolve(node, code)
    if entry.status in CLOSED:
        raise AlreadyClosedError(f"entry {label} is already {Status(entry.status).name.lower()}")
    _check_may_change(node, roster, entry, label)
    _change(node, EntryId(entry.origin, entry.seq), lambda _state, _now: changes)
    return node.show(entry.code)


# -- matches --------------------------------------------------------------------------------


def make_match(node: Node, need_code: str, offer_code: str, note: str = "") -> MatchView:
    """Record that the offer meets the need: a match record, proposed."""
    roster = use_roster(node)
    need, need_label = resolve(node, need_code)
    offer, offer_label = resolve(node, offer_code)
    if need.kind != Kind.NEED:
        raise InputError(f"{need_label} is {_a(Kind(need.kind))}, not a need; give NEED OFFER")
    if offer.kind != Kind.OFFER:
        raise InputError(f"{offer_label} is {_a(Kind(offer.kind))}, not an offer; "
                         "give NEED OFFER")
    now = node.store.now_minute()
    _active(need, need_label, now)
    _active(offer, offer_label, now)
    me = node.store.origin
    committee = roster.committee if roster is not None else frozenset()
    if me not in committee and me not in (need.origin, offer.origin):
        raise NotOwnerError(
            f"only a committee node, or the node that took {need_label} or {offer_label}, "
            "can match them"
        )
    need_id, offer_id = EntryId(need.origin, need.seq), EntryId(offer.origin, offer.seq)
    with node.store.reading() as conn:
        held = [m for m in matches_naming(conn, need_id)
                if m.offer == offer_id and m.status != Status.WITHDRAWN]
    if held:
        raise InputError(f"{need_label} and {offer_label} are matched already")
    note = note.strip()
    if note:
        note = check_text(note)

    def build(seq: int, minute: int) -> RecordBody:
        return RecordBody(
            origin=me, seq=seq, kind=Kind.NEED, category=Category(need.category), text=note,
            created=minute, community=need.community, zone_id=need.zone_id,
            zone_name=need.zone_name, lifetime=MAX_LIFETIME, urgency=Urgency(need.urgency),
            match=MatchPair(need_id, offer_id),
        )

    try:
        rec = node.store.create(build)
    except UsageError as exc:
        raise InputError(str(exc)) from exc
    with node.store.reading() as conn:
        row = match_rows(conn, "WHERE origin = ? AND seq = ?", tuple(rec.entry_id))[0]
    return match_view(node, row)


def _a(kind: Kind) -> str:
    name = kind.name.lower()
    return ("an " if name[0] in "aeiou" else "a ") + name


def confirm_match(node: Node, code: str) -> MatchView:
    """Both sides said yes: the match is confirmed."""
    return _move_match(node, code, Status.MATCHED, (Status.OPEN,))


def undo_match(node: Node, code: str) -> MatchView:
    """The match fell through: the need and the offer are open again (unless closed)."""
    return _move_match(node, code, Status.WITHDRAWN, (Status.OPEN, Status.MATCHED))


def complete_match(node: Node, code: str) -> MatchView:
    """The offer met the need: the match is completed, and both entries fulfilled."""
    roster = use_roster(node)
    match = find_match(node, code)
    _match_movable(match, (Status.OPEN, Status.MATCHED))
    closing: list[Entry] = []
    with node.store.reading() as conn:
        for eid in (match.need, match.offer):
            found = conn.execute(
                "SELECT code FROM entries WHERE origin = ? AND seq = ?", tuple(eid)).fetchone()
            if found is None:
                raise UnknownCodeError(
                    f"entry {eid.origin:08x}/{eid.seq} of this match has not reached this "
                    "node yet; complete the match once it has")
            entry = by_code(conn, found[0])[0]
            if entry.status not in CLOSED:
                closing.append(entry)
    for entry in closing:
        _check_may_change(node, roster, entry, entry.code[: codes.SHORT_LENGTH])
    for entry in closing:
        _change(node, EntryId(entry.origin, entry.seq),
                lambda _state, _now: {"status": Status.FULFILLED})
    return _move_match(node, code, Status.FULFILLED, (Status.OPEN, Status.MATCHED), roster)


def _match_movable(match: MatchRow, allowed: tuple[Status, ...]) -> None:
    if match.status not in allowed:
        raise AlreadyClosedError(
            f"match {match.code[: codes.SHORT_LENGTH]} is {match.state} already")


_NOT_GIVEN: Any = object()


def _move_match(node: Node, code: str, status: Status, allowed: tuple[Status, ...],
                roster: Roster | None = _NOT_GIVEN) -> MatchView:
    if roster is _NOT_GIVEN:
        roster = use_roster(node)
    match = find_match(node, code)
    _match_movable(match, allowed)
    me = node.store.origin
    if match.origin != me and (roster is None or me not in roster.committee):
        raise NotOwnerError(
            f"match {match.code[: codes.SHORT_LENGTH]} was made on node "
            f"{_node_name(roster, match.origin)}; only that node or a committee node can "
            "change it")

    def moved(state: EntryState, _now: int) -> dict[str, Any]:
        if state.status not in allowed:
            raise AlreadyClosedError(
                f"match {match.code[: codes.SHORT_LENGTH]} is "
                f"{MATCH_STATES[state.status]} already")
        return {"status": status}

    _change(node, match.entry_id, moved)
    with node.store.reading() as conn:
        row = match_rows(conn, "WHERE origin = ? AND seq = ?", tuple(match.entry_id))[0]
    return match_view(node, row)

