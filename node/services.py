"""What a node does for people: set up a home, post, list the board, show, close.

The CLI and the daemon share these. Arguments are what a person typed (names, codes,
dates as text); results are the plain dataclasses of meshaid.node.store.views; every problem
is a NodeError whose message is one line fit to show as is.

Listings are read in one snapshot of the store: the page of rows, how many match in all,
and the shown codes of just those rows (see meshaid.node.store.reading), so a page of a
100,000-entry board costs about what a page of a small one does.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, TypeVar

from meshaid.node import codes
from meshaid.node.clock import NodeClock, WallClock
from meshaid.node.config import NodeConfig, load_config, system_timezone, validate, write_config
from meshaid.node.errors import (
    AlreadyClosedError,
    AmbiguousCodeError,
    HomeMissingError,
    InputError,
    NodeError,
    NotOwnerError,
    UnknownCodeError,
)
from meshaid.node.home import HOME_MODE, NodeHome
from meshaid.node.keys import KeyFactory, generate_key, load_key, write_new_key
from meshaid.node.membership.settings import apply_settings, load_settings
from meshaid.node.store import reading
from meshaid.node.store.board import (
    OPEN_STATUSES,
    STATUS_FILTERS,
    Also,
    BoardStore,
    Entry,
    EntryFilter,
)
from meshaid.node.store.database import DEFAULT_BUSY_TIMEOUT_MS
from meshaid.node.store.search import fold
from meshaid.node.store.views import BoardPage, EntryView, InitResult
from meshaid.node.text_rules import has_surrogates, post_text, printable
from meshaid.protocol import timebase
from meshaid.protocol.errors import UsageError
from meshaid.protocol.record import (
    MAX_TEXT_BYTES,
    Category,
    EntryId,
    Kind,
    RecordBody,
    Status,
    Urgency,
    origin_id,
)
from meshaid.sync.lifetime import MAX_LIFETIME, MINUTES_PER_DAY

if TYPE_CHECKING:
    from meshaid.sync.merge import EntryState

KINDS = tuple(k.name.lower() for k in Kind)
CATEGORIES = tuple(c.name.lower() for c in Category)
URGENCIES = tuple(u.name.lower() for u in Urgency)
CLOSE_OUTCOMES = {"fulfilled": Status.FULFILLED, "withdrawn": Status.WITHDRAWN}
_MAX_DAYS = MAX_LIFETIME // MINUTES_PER_DAY
# The latest moment shown: 9999-12-30 UTC, a day inside what datetime holds in any zone.
MAX_SHOWN_MINUTE = timebase.to_minutes(253_402_041_600)

E = TypeVar("E", bound=IntEnum)


def _choose(enum: type[E], given: str, what: str) -> E:
    wanted = given.strip().upper()
    if wanted in enum.__members__:
        return enum[wanted]
    valid = ", ".join(name.lower() for name in enum.__members__)
    raise InputError(f"unknown {what} {given!r}; valid: {valid}")


def check_text(text: str) -> str:
    """The text of a post as stored (meshaid.node.text_rules: escapes and control characters
    stripped, trimmed); InputError when not UTF-8, with nothing visible, or over the
    on-air limit."""
    if has_surrogates(text):
        raise InputError("the text is not valid UTF-8; check the terminal's encoding")
    text = post_text(text)
    if not text:
        raise InputError("the text is empty")
    size = len(text.encode("utf-8"))
    if size > MAX_TEXT_BYTES:
        raise InputError(
            f"text is {size} bytes, {size - MAX_TEXT_BYTES} over the limit of "
            f"{MAX_TEXT_BYTES} bytes"
        )
    return text


@dataclass(frozen=True)
class PostRequest:
    """A new entry as a person gives it. ``None`` means the default."""

    kind: str
    text: str
    category: str | None = None  # default: other
    community: str | None = None  # default: the lowest-numbered configured community
    zone: str | None = None
    urgency: str | None = None  # default: normal
    when: str | None = None  # trades only: the event's date and time
    expires: str | None = None  # a date/time or a duration such as 3d; default: per kind


@dataclass(frozen=True)
class BoardQuery:
    """Filters of a board listing; empty tuples mean any."""

    kinds: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    communities: tuple[str, ...] = ()
    status: str = "active"  # active = open or matched, and not expired
    search: str | None = None
    since: str | None = None  # entries created on or after this date/time


def init_node(
    root: Path,
    *,
    name: str | None = None,
    timezone: str | None = None,
    communities: tuple[str, ...] = (),
    zones: tuple[str, ...] = (),
    wall: WallClock = time.time,
    new_key: KeyFactory = generate_key,
    busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
    config_path: Path | None = None,
) -> InitResult:
    """Create whatever the node home at ``root`` lacks; never overwrite a key or config.

    ``config_path`` is the configuration file (default: the home's meshaid.toml). When it
    exists already, the result's ``ignored`` says which of the options given differ from
    it, since they were not applied."""
    home = NodeHome(root)
    config_file = home.config_file if config_path is None else config_path
    created: list[str] = []
    existed = config_file.exists()
    if not existed:
        # Refuse bad options before creating anything.
        validate(
            NodeConfig(
                name=name or "node",
                timezone=timezone or "UTC",
                communities={i: c for i, c in enumerate(communities, start=1)},
                zones={i: z for i, z in enumerate(zones, start=1)},
            ),
            "meshaid init",
        )
    if root.exists() and not root.is_dir():
        raise HomeMissingError(f"{root} exists and is not a directory")
    try:
        if not root.exists():
            root.mkdir(parents=True, mode=HOME_MODE)
            created.append("home")
        if not home.key_file.exists():
            os.chmod(root, HOME_MODE)  # the directory is about to hold a private key
            write_new_key(home.key_file, new_key())
            created.append("key")
        key = load_key(home.key_file)
        origin = origin_id(bytes(key.verify_key))
        if not config_file.exists():
            config = NodeConfig(
                name=name or f"node-{origin:08x}",
                timezone=timezone or system_timezone(),
                communities={i: c for i, c in enumerate(communities, start=1)},
                zones={i: z for i, z in enumerate(zones, start=1)},
            )
            write_config(config_file, config)
            created.append("config")
    except OSError as exc:
        raise NodeError(f"cannot set up the node home {root}: {exc.strerror}") from exc
    config = load_config(config_file)
    ignored = (
        _ignored_options(config, name, timezone, communities, zones) if existed else ()
    )
    store = BoardStore.open(home.db_file, key, NodeClock(wall), busy_timeout_ms)
    try:
        if store.bootstrap(config.name):
            created.append("database")
    finally:
        store.close()
    return InitResult(
        home=root,
        origin=f"{origin:08x}",
        public_key=bytes(key.verify_key).hex(),
        name=config.name,
        created=tuple(created),
        ignored=ignored,
        config_file=config_file,
    )


def _ignored_options(
    config: NodeConfig,
    name: str | None,
    timezone: str | None,
    communities: tuple[str, ...],
    zones: tuple[str, ...],
) -> tuple[str, ...]:
    """The options of a repeated ``init`` that differ from the configuration in force."""
    ignored = []
    if name is not None and name != config.name:
        ignored.append("--name")
    if timezone is not None and timezone != config.timezone:
        ignored.append("--timezone")
    for option, given, numbered in (
        ("--community", communities, config.communities),
        ("--zone", zones, config.zones),
    ):
        if given and list(given) != [numbered[n] for n in sorted(numbered)]:
            ignored.append(option)
    return tuple(ignored)


def open_node(
    root: Path,
    *,
    wall: WallClock = time.time,
    busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
    config_path: Path | None = None,
) -> Node:
    """Open an initialised node home: config (``config_path``, default the home's
    meshaid.toml), key, and the migrated board store."""
    home = NodeHome(root)
    config_file = home.config_file if config_path is None else config_path
    if not root.is_dir():
        raise HomeMissingError(f"no meshaid node at {root}; run `meshaid init` first")
    missing = [
        label
        for label, path in (
            ("key", home.key_file),
            ("config", home.config_file),
            ("database", home.db_file),
        )
        # A configuration kept elsewhere (--config, /etc) names itself when missing.
        if not path.exists() and not (label == "config" and config_file != home.config_file)
    ]
    if missing:
        raise HomeMissingError(
            f"the node at {root} has no {' or '.join(missing)}; run `meshaid init` to complete it"
        )
    config = load_config(config_file)
    # The neighbourhood's communities and zones, as its roster numbers them.
    config = apply_settings(config, load_settings(root))
    key = load_key(home.key_file)
    store = BoardStore.open(home.db_file, key, NodeClock(wall), busy_timeout_ms)
    try:
        store.check_owner()
    except BaseException:
        store.close()
        raise
    return Node(home, config, store, config_file)


class Node:
    """An open node home. Use as a context manager, or call ``close``."""

    def __init__(
        self,
        home: NodeHome,
        config: NodeConfig,
        store: BoardStore,
        config_file: Path | None = None,
    ) -> None:
        self.home = home
        self.config = config
        self.store = store
        # The file ``config`` was read from: the daemon reads its [radio] and [phone] there.
        self.config_file = home.config_file if config_file is None else config_file

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Node:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- post ---------------------------------------------------------------------------

    def post(self, req: PostRequest, also: Also | None = None) -> EntryView:
        """Create, sign and store a new entry; returns it once committed. ``also`` writes
        more rows in the same transaction (meshaid.node.store.board.BoardStore.create)."""
        kind = _choose(Kind, req.kind, "kind")
        text = check_text(req.text)
        category = _choose(Category, req.category or "other", "category")
        urgency = _choose(Urgency, req.urgency or "normal", "urgency")
        community = self.config.community_number(req.community)
        zone_id, zone_name = self.config.zone_of(req.zone)
        tz = self.config.tz
        # timeparse is imported where a date is given: reading every form of date that
        # residents use costs start-up time that other commands need not pay.
        when = 0
        if req.when is not None:
            from meshaid.node.timeparse import parse_datetime

            if kind != Kind.TRADE:
                raise InputError("--when is only for trades")
            at = parse_datetime(req.when, tz, "--when",
                                now=self.local_time(self.store.now_minute()))
            when = timebase.to_minutes(at.timestamp())
        expires: int | None = None
        if req.expires is not None:
            from meshaid.node.timeparse import parse_deadline

            start = self.local_time(self.store.now_minute())
            deadline = parse_deadline(req.expires, start, tz, "--expires")
            expires = timebase.to_minutes(deadline.timestamp())

        def build(seq: int, now: int) -> RecordBody:
            if when and when <= now:
                raise InputError(f"--when {req.when} is in the past")
            if when and when - now > MAX_LIFETIME:
                raise InputError(f"--when {req.when} is more than {_MAX_DAYS} days away")
            # The neighbourhood's lifetime for the kind, written into the record so that
            # every node counts the same expiry (meshaid.node.membership.settings).
            lifetime = 0 if when else self.config.lifetimes.get(int(kind), 0)
            if expires is not None:
                lifetime = expires - now
                if lifetime <= 0:
                    raise InputError(f"--expires {req.expires} is in the past")
                if lifetime > MAX_LIFETIME:
                    raise InputError(
                        f"--expires {req.expires} is more than {_MAX_DAYS} days away; "
                        f"entries live at most {_MAX_DAYS} days"
                    )
            return RecordBody(
                origin=self.store.origin,
                seq=seq,
                kind=kind,
                category=category,
                text=text,
                created=now,
                community=community,
                zone_id=zone_id,
                zone_name=zone_name,
                lifetime=lifetime,
                urgency=urgency,
                when=when,
            )

        try:
            rec = self.store.create(build, also)
        except UsageError as exc:
            raise InputError(str(exc)) from exc
        return self._view_of(rec.entry_id)

    # -- read ---------------------------------------------------------------------------

    def board(self, query: BoardQuery) -> list[EntryView]:
        """Every entry matching ``query``, newest first."""
        return self.board_page(query, limit=None).entries

    def board_page(self, query: BoardQuery, limit: int | None = 50, page: int = 1) -> BoardPage:
        """Page ``page`` (from 1) of the entries matching ``query``, newest first, ``limit``
        to a page (None: all of them), with how many match in all."""
        if limit is not None and limit < 1:
            raise InputError(f"a page holds at least one entry, not {limit}")
        if page < 1:
            raise InputError(f"pages are numbered from 1, not {page}")
        flt = self.entry_filter(query)
        offset = 0 if limit is None else (page - 1) * limit
        with self.store.reading():
            now = self.store.now_minute()
            total = None if limit is None else self.store.count(flt, now)
            rows = self.store.entries(flt, now, limit, offset, matching=total)
            views = self.views(rows, now)
        return BoardPage(views, len(rows) if total is None else total, offset, limit)

    def iter_board(self, query: BoardQuery) -> Iterator[EntryView]:
        """Every entry matching ``query``, newest first, read a few hundred at a time, so
        that listing a whole large board does not hold all of it in memory."""
        flt = self.entry_filter(query)
        with self.store.reading() as conn:
            now = self.store.now_minute()
            for rows in reading.iter_entries(conn, flt, now):
                yield from self.views(rows, now)

    def entry_filter(self, query: BoardQuery) -> EntryFilter:
        """``query`` as the store filters entries: names, dates and searches read."""
        if query.status not in STATUS_FILTERS:
            raise InputError(f"unknown status {query.status!r}; valid: {', '.join(STATUS_FILTERS)}")
        search = (query.search or "").strip()
        if has_surrogates(search):
            raise InputError("--search is not valid UTF-8; check the terminal's encoding")
        zone_ids: tuple[int, ...] = ()
        needle = fold(search)
        if needle:
            zone_ids = tuple(n for n, z in self.config.zones.items() if needle in fold(z))
        since = None
        if query.since is not None:
            from meshaid.node.timeparse import parse_datetime

            since_dt = parse_datetime(query.since, self.config.tz, "--since")
            since = timebase.to_minutes(since_dt.timestamp())
        return EntryFilter(
            status=query.status,
            kinds=tuple(int(_choose(Kind, k, "kind")) for k in query.kinds),
            categories=tuple(int(_choose(Category, c, "category")) for c in query.categories),
            communities=tuple(self.config.community_number(c) for c in query.communities),
            search=search,
            search_zone_ids=zone_ids,
            since=since,
        )

    def views(self, rows: Sequence[Entry], now: int) -> list[EntryView]:
        """Store rows as the board shows them (codes, local times, names)."""
        shown = self.store.shown_codes({row.code for row in rows})
        return [self._view(row, shown, now) for row in rows]

    def show(self, code: str) -> EntryView:
        """The entry with this code (a prefix of at least 4 characters)."""
        row, shown = self._resolve(code)
        return self._view(row, shown, self.store.now_minute())

    # -- close --------------------------------------------------------------------------

    def close_entry(self, code: str, outcome: str) -> EntryView:
        """Mark one of this node's entries fulfilled or withdrawn."""
        if outcome not in CLOSE_OUTCOMES:
            raise InputError(f"unknown outcome {outcome!r}; valid: {', '.join(CLOSE_OUTCOMES)}")
        status = CLOSE_OUTCOMES[outcome]
        row, shown = self._resolve(code)
        label = shown.get(row.code, row.code)
        if row.origin != self.store.origin:
            raise NotOwnerError(
                f"entry {label} was posted on node {row.origin:08x}; only that node can close it"
            )

        def build(state: EntryState, seq: int, now: int) -> RecordBody:
            if state.status in (Status.FULFILLED, Status.WITHDRAWN):
                raise AlreadyClosedError(f"entry {label} is already {state.status.name.lower()}")
            return dataclasses.replace(
                state.content.body,
                origin=self.store.origin,
                seq=seq,
                entry_seq=state.entry_id.seq,
                entry_origin=0,
                version=state.version + 1,
                status=status,
            )

        try:
            self.store.create_change(EntryId(row.origin, row.seq), build)
        except UsageError as exc:
            raise InputError(str(exc)) from exc
        return self._view_of(EntryId(row.origin, row.seq))

    # -- helpers ------------------------------------------------------------------------

    def _resolve(self, given: str) -> tuple[Entry, dict[str, str]]:
        prefix = codes.normalise(given)
        with self.store.reading():
            rows = self.store.find_by_code(prefix)
            if not rows:
                raise UnknownCodeError(f"no entry has code {prefix}")
            shown = self.store.shown_codes([r.code for r in rows])
        if len(rows) > 1:
            listed = "; ".join(
                f"{shown[r.code]} ({Kind(r.kind).name.lower()}: {_snippet(r.text)})" for r in rows
            )
            raise AmbiguousCodeError(
                f"code {prefix} matches {len(rows)} entries: {listed}; type more characters"
            )
        return rows[0], shown

    def _view_of(self, eid: EntryId) -> EntryView:
        with self.store.reading():
            row = self.store.entry(eid)
            if row is None:  # only if an equivocation of our own origin removed it
                raise UnknownCodeError(f"entry {eid.origin:08x}/{eid.seq} is not on the board")
            return self.views([row], self.store.now_minute())[0]

    def local_time(self, minute: int) -> datetime:
        """An on-air minute in the node's time zone."""
        # Clamped: a record stored before times were range-checked (or a damaged row) may
        # hold a minute past what datetime can show, and a listing must still work.
        shown = min(max(minute, 0), MAX_SHOWN_MINUTE)
        return datetime.fromtimestamp(timebase.from_minutes(shown), self.config.tz)

    def _view(self, row: Entry, shown: Mapping[str, str], now: int) -> EntryView:
        status = Status(row.status).name.lower()
        if row.status in OPEN_STATUSES and row.expires <= now:
            status = "expired"
        return EntryView(
            code=shown.get(row.code, row.code[: codes.SHORT_LENGTH]),
            full_code=row.code,
            entry=f"{row.origin:08x}/{row.seq}",
            kind=Kind(row.kind).name.lower(),
            category=Category(row.category).name.lower(),
            community=printable(self.config.community_label(row.community)),
            zone=printable(self.config.zone_label(row.zone_id, row.zone_name)),
            text=printable(row.text),
            urgency=Urgency(row.urgency).name.lower(),
            status=status,
            created=self.local_time(row.created),
            expires=self.local_time(row.expires),
            when=self.local_time(row.when) if row.when else None,
            version=row.version,
            origin=f"{row.origin:08x}",
            mine=row.origin == self.store.origin,
        )


def _snippet(text: str, width: int = 30) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
