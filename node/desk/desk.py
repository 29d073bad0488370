"""The phone desk: residents' text messages executed against the node's board.

``PhoneDesk.handle(sender, text, now)`` parses one message (meshaid.node.phone.intents),
does what it asks through the node services, and returns the texts to send, each at most
``MAX_REPLY_BYTES``. Every message gets an answer; nothing a resident types makes it raise.

Who may do what:

* anyone may read: list, search, show, more, help;
* only radios on the allow-list may post: the member roster's radios, and those of the
  node config's ``[phone] allow`` (read until the roster lists them);
* only the radio that posted an entry may close or withdraw it (the ``posters`` table);
* anyone may answer a post: the desk passes the words to the poster's radio, and the
  poster's "R CODE ..." back to the last radio that wrote about that post, so that
  neither learns the other's radio id (SECURITY.md; the routes survive a restart,
  meshaid.node.desk.routes).

What is confirmed (``Command.asks_first``), and why: a post goes on air to the whole
neighbourhood and a closed post leaves every board for good (an entry's status only moves
forward, so a close cannot be undone), so one more text is the cheaper mistake.

* A post the parser is not sure of (inferred, not said in so many words, and its two
  readers did not agree, or the message asks a question): "Post it as a need? ...". The
  resident's yes posts it, or the kind they name instead.
* A close or withdrawal unless it is unmistakable: the entry's code and a clear verb next
  to it ("done 4F2K", "cancel 4F2K"), from the radio that posted it. Anything else ("got
  it thanks", "ya lo puedes cerrar", "done" without a code) gets "Close 4F2K "..." as
  done?" naming the post; with several open posts, the list of them to choose from.
* A message that could be a search or a post (a question such as "anyone got a generator
  i could borrow?") is answered as a search, with the offer to post it as a need on yes.
* A trade whose day has passed, is more than ``FAR_DAYS`` ahead, or is not the weekday
  named with it ("sat 1/10" when 1/10 is a Sunday): the desk asks for the day and time
  rather than guess; yes posts it without one.

The desk owns the per-sender conversations (meshaid.node.desk.sessions); the board, the
posters and the routes tables live in the node's store.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from meshaid.node.desk.allowlist import load_allow
from meshaid.node.desk.posters import open_posts_of, poster_of, record_poster
from meshaid.node.desk.routes import MAX_ROUTES, remember_route, route_of
from meshaid.node.desk.sessions import MAX_SENDERS, Conversation, Lru, Pending
from meshaid.node.errors import (
    AlreadyClosedError,
    AmbiguousCodeError,
    InputError,
    NodeError,
    UnknownCodeError,
)
from meshaid.node.phone import replies
from meshaid.node.phone.confirm import Answer, read_answer
from meshaid.node.phone.intents import POST_KINDS, Command, Intent, parse, query_matches
from meshaid.node.phone.lang import UNDETERMINED
from meshaid.node.phone.message import language_of
from meshaid.node.phone.replies import MAX_REPLY_BYTES, EntrySummary, fit, utf8_len
from meshaid.node.phone.when import read_when
from meshaid.node.services import BoardQuery, Node, PostRequest
from meshaid.node.store.views import EntryView
from meshaid.protocol.record import MAX_TEXT_BYTES, Category, EntryId, Kind, Status, Urgency

__all__ = ["MAX_REPLY_BYTES", "PhoneDesk", "Reply"]

_CLOSING = {Intent.CLOSE: ("fulfilled", Status.FULFILLED),
            Intent.WITHDRAW: ("withdrawn", Status.WITHDRAWN)}
_CLOSED = {"fulfilled": Status.FULFILLED, "withdrawn": Status.WITHDRAWN}
_KIND_INTENTS = {kind: intent for intent, kind in POST_KINDS.items()}
# A trade's day further ahead than this is asked about: a neighbourhood trade is rarely
# planned two months out, and a month and day just passed ("12/1" on 12/2) reads as next
# year's. (The node refuses anything beyond an entry's longest life, 90 days.)
FAR_DAYS = 60


@dataclass(frozen=True)
class Reply:
    """One text to send: to radio ``dest``, at most MAX_REPLY_BYTES of UTF-8."""

    dest: int
    text: str


class _Refused(Exception):
    """A code the resident gave does not name one entry; ``text`` says so."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def _eid(view: EntryView) -> EntryId:
    origin, seq = view.entry.split("/")
    return EntryId(int(origin, 16), int(seq))


def _summary(view: EntryView, now: float) -> EntrySummary:
    # Only open/matched entries past their expiry are "expired"; the desk never lists them.
    status = Status.OPEN if view.status == "expired" else Status[view.status.upper()]
    return EntrySummary(
        code=view.code,
        kind=Kind[view.kind.upper()],
        category=Category[view.category.upper()],
        text=view.text,
        zone=view.zone,
        status=status,
        age_minutes=max(0, int((now - view.created.timestamp()) // 60)),
        urgency=Urgency[view.urgency.upper()],
        when=view.when,
        expires=view.expires,
    )


class PhoneDesk:
    """Answers residents' messages for one open node.

    ``allow`` holds the radio ids that may post. ``max_senders`` bounds the conversations
    kept in memory, ``max_routes`` the answer routes kept in the database.
    """

    def __init__(
        self,
        node: Node,
        allow: Collection[int],
        *,
        max_senders: int = MAX_SENDERS,
        max_routes: int = MAX_ROUTES,
    ) -> None:
        self._node = node
        # Kept as given: the daemon's allow-list follows the member roster as it changes.
        self._allow = allow
        if max_routes < 1:
            raise ValueError("the desk needs room for at least one reply route")
        self._conversations: Lru[int, Conversation] = Lru(max_senders)
        self._max_routes = max_routes
        self.counters: Counter[str] = Counter()

    @classmethod
    def for_node(cls, node: Node) -> PhoneDesk:
        """A desk with the allow-list of the node's config file (``[phone] allow``)."""
        return cls(node, load_allow(node.home.config_file))

    # -- the one entry point ------------------------------------------------------------

    def handle(self, sender: int, text: str, now: float) -> list[Reply]:
        """The texts to send for ``text`` from radio ``sender``; ``now`` is wall-clock
        seconds, for the ages shown in answers and the days and times read in posts."""
        convo = self._conversations.get(sender)
        if convo is None:
            convo = Conversation(lang=self._node.config.language)
            self._conversations.put(sender, convo)
        pending = convo.pending
        convo.pending = None
        answer = read_answer(text)
        lang = convo.lang
        try:
            if pending is not None and pending.waiting(now):
                redated = self._redated(pending, text, now)
                if redated is not None:
                    self.counters["confirm.answered"] += 1
                    return [self._to(sender, self._post(sender, convo, redated, now))]
                if _answers(answer, pending):
                    assert answer is not None
                    self.counters["confirm.answered"] += 1
                    return self._answered(sender, convo, pending, answer, now)
            command = parse(text, now=self._local(now), is_code=self._is_code,
                            default_lang=convo.lang)
            lang = command.lang
            if lang != UNDETERMINED:
                convo.lang = lang
            self.counters[f"intent.{command.intent.value}"] += 1
            if command.intent is Intent.UNKNOWN and answer is not None and answer.kind is None:
                return [self._to(sender, replies.nothing_to_confirm(lang))]
            if command.intent is Intent.MORE:
                convo.pending = pending  # a question still stands while its pages are read
            return self._do(sender, convo, command, now)
        except _Refused as refused:
            return [self._to(sender, refused.text)]
        except NodeError:
            # The store was busy or failed: the resident is told, the daemon carries on.
            self.counters["errors.node"] += 1
            return [self._to(sender, replies.try_again(lang))]

    # -- dispatch -----------------------------------------------------------------------

    def _do(self, sender: int, convo: Conversation, command: Command, now: float) -> list[Reply]:
        intent = command.intent
        lang = command.lang
        if intent is Intent.MORE:
            page = convo.next_page()
            return [self._to(sender, page if page is not None else replies.no_more(lang))]
        if intent in POST_KINDS:
            if command.sure:
                return [self._to(sender, self._post(sender, convo, command, now))]
            return [self._to(sender, self._ask_post(sender, convo, command, now))]
        if intent in (Intent.CLOSE, Intent.WITHDRAW):
            pages = self._close(sender, convo, command, now)
        elif intent is Intent.REPLY:
            return self._reply(sender, command)
        elif intent is Intent.LIST:
            pages = self._list(sender, command, now)
        elif intent is Intent.SEARCH:
            pages = self._search(sender, convo, command, now)
        elif intent is Intent.SHOW:
            pages = self._show(command, now)
        elif intent is Intent.HELP:
            pages = replies.help_pages(lang)
        else:
            pages = (replies.unknown_input(lang),)
        convo.keep_pages(pages[1:])
        return [self._to(sender, pages[0])]

    # -- asking before acting on a guess --------------------------------------------------

    def _ask_post(self, sender: int, convo: Conversation, command: Command, now: float) -> str:
        if sender not in self._allow:
            self.counters["posts.refused"] += 1
            return replies.not_allowed(command.lang, sender)
        body = command.body.strip()
        if not body or utf8_len(body) > MAX_TEXT_BYTES:
            return self._post(sender, convo, command, now)  # says what is wrong: no question
        assert command.kind is not None
        convo.pending = Pending(command, now)
        self.counters["confirm.asked"] += 1
        return replies.confirm_post(command.lang, command.kind, body)

    def _answered(
        self, sender: int, convo: Conversation, pending: Pending, answer: Answer, now: float
    ) -> list[Reply]:
        command = pending.command
        lang = command.lang
        if command.intent in POST_KINDS:
            if not answer.yes:
                return [self._to(sender, replies.dropped(lang))]
            if pending.date:
                command = dataclasses.replace(command, when=None)  # yes: without a day
            elif answer.kind is not None:
                kind = answer.kind
                command = dataclasses.replace(command, intent=_KIND_INTENTS[kind], kind=kind)
            return [self._to(sender, self._post(sender, convo, command, now))]
        assert pending.code is not None
        if not answer.yes:
            return [self._to(sender, replies.kept(lang, self._shown(pending.code, lang).code))]
        return [self._to(sender, self._close_code(sender, command, pending.code))]

    # -- posting ------------------------------------------------------------------------

    def _post(self, sender: int, convo: Conversation, command: Command, now: float) -> str:
        lang = command.lang
        kind = POST_KINDS[command.intent]
        if sender not in self._allow:
            self.counters["posts.refused"] += 1
            return replies.not_allowed(lang, sender)
        body = command.body.strip()
        if not body:
            return replies.post_needs_text(lang)
        if utf8_len(body) > MAX_TEXT_BYTES:
            return replies.too_long(lang, body, MAX_TEXT_BYTES)
        at = None
        if kind is Kind.TRADE and command.when is not None:
            question = self._doubted_day(command, now)
            if question is not None:
                convo.pending = Pending(command, now, date=True)
                self.counters["confirm.asked"] += 1
                return question
            at = command.when.at(self._local(now))
        # Category.FOOD is 0, so test for None, not truth.
        category = Category.OTHER if command.category is None else command.category
        request = PostRequest(
            kind=kind.name.lower(),
            text=body,
            category=category.name.lower(),
            urgency=command.urgency.name.lower(),
        )
        if at is not None:
            request = dataclasses.replace(request, when=at.isoformat(timespec="minutes"))
        try:
            view = self._node.post(request)
        except InputError:
            if request.when is None:
                return replies.post_needs_text(lang)
            # The node's own clock disagrees with ``now`` about the time being future.
            view = self._node.post(dataclasses.replace(request, when=None))
        # Node.post has committed the entry; the poster row follows in the next
        # transaction (post gives no hook into its own). A crash between the two leaves an
        # entry that only the committee can close, and no ack, so the resident resends.
        record_poster(self._node.store, _eid(view), sender)
        self.counters["posts.stored"] += 1
        return replies.posted(lang, kind, view.code, view.text, view.when)

    def _doubted_day(self, command: Command, now: float) -> str | None:
        """The question to ask about a trade's day, or None when it may be posted: a day
        that has passed, is more than FAR_DAYS ahead, or is not the weekday named with it
        is asked about, never guessed."""
        when = command.when
        local = self._local(now)
        at = when.at(local) if when is not None else None
        if when is None or at is None:
            return None  # no time of day: the trade posts without one
        if when.weekday_conflict:
            return replies.when_question(command.lang, at, said_weekday=when.said_weekday)
        if at <= local:
            return replies.when_question(command.lang, at, passed=True)
        if at - local > timedelta(days=FAR_DAYS):
            return replies.when_question(command.lang, at, days=FAR_DAYS)
        return None

    def _redated(self, pending: Pending, text: str, now: float) -> Command | None:
        """The trade asked about with the day and time ``text`` gives, when the question
        was about its day and ``text`` is a day and time; None otherwise."""
        if not pending.date:
            return None
        when = read_when(text, self._local(now), whole=True)
        if when is None or when.clock is None:
            return None
        return dataclasses.replace(pending.command, when=when)

    # -- closing ------------------------------------------------------------------------

    def _close(
        self, sender: int, convo: Conversation, command: Command, now: float
    ) -> tuple[str, ...]:
        lang = command.lang
        status = _CLOSING[command.intent][1]
        if command.code is not None:
            view = self._lookup(command)
            refused = self._not_closable(sender, lang, view)
            if refused is not None:
                return (refused,)
            if command.asks_first:
                convo.pending = Pending(command, now, view.full_code)
                self.counters["confirm.asked"] += 1
                return (replies.confirm_close(lang, view.code, view.text, status),)
            return (self._close_code(sender, command, view.full_code),)
        store = self._node.store
        mine = open_posts_of(store, sender, store.now_minute())
        if not mine:
            return (replies.no_open_post(lang),)
        if len(mine) > 1:
            # "cancel my post" with several open: which one? Guessing could take down the
            # wrong one.
            summaries = [_summary(self._node.show(row.code), now) for row in mine]
            return replies.which_post(lang, summaries, status)
        view = self._node.show(mine[0].code)
        if not command.asks_first:
            return (self._close_code(sender, command, view.full_code),)
        convo.pending = Pending(command, now, view.full_code)
        self.counters["confirm.asked"] += 1
        return (replies.confirm_close(lang, view.code, view.text, status),)

    def _close_code(self, sender: int, command: Command, code: str) -> str:
        """Close or withdraw the entry with this full code, if it is the sender's and open."""
        lang = command.lang
        outcome, status = _CLOSING[command.intent]
        view = self._shown(code, lang)
        refused = self._not_closable(sender, lang, view)
        if refused is not None:
            return refused
        try:
            closed = self._node.close_entry(view.full_code, outcome)
        except AlreadyClosedError:
            view = self._node.show(code)
            return replies.already_closed(lang, view.code, _CLOSED.get(view.status, status))
        return replies.closed(lang, closed.code, status)

    def _not_closable(self, sender: int, lang: str, view: EntryView) -> str | None:
        """Why ``sender`` may not close or withdraw ``view``, or None when they may."""
        if poster_of(self._node.store, _eid(view)) != sender:
            return replies.not_owner(lang, view.code)
        if view.status in _CLOSED:
            return replies.already_closed(lang, view.code, _CLOSED[view.status])
        return None

    # -- answering a post -----------------------------------------------------------------

    def _reply(self, sender: int, command: Command) -> list[Reply]:
        lang = command.lang
        if command.code is None:
            return [self._to(sender, replies.reply_needs_code(lang))]
        view = self._lookup(command)
        body = command.body.strip()
        if not body:
            return [self._to(sender, replies.reply_needs_text(lang, view.code))]
        eid = _eid(view)
        store = self._node.store
        poster = poster_of(store, eid)
        if poster == sender:
            # The poster answers: back to whoever wrote last about this post.
            route = route_of(store, eid)
            if route is None:
                return [self._to(sender, replies.no_one_answered(lang, view.code))]
            target, target_lang = route.radio_id, route.lang
            confirm = replies.answer_sent(lang, view.code)
        elif poster is None:
            if eid.origin != store.origin:
                return [self._to(sender, replies.poster_elsewhere(lang, view.code))]
            return [self._to(sender, replies.poster_unreachable(lang, view.code))]
        else:
            # The poster's language: of their last message if the desk remembers it, else
            # of the post itself, which they wrote.
            target = poster
            target_lang = language_of(view.text, self._node.config.language)
            remember_route(store, eid, sender, lang, self._max_routes)
            confirm = replies.reply_forwarded(lang, view.code)
        target_convo = self._conversations.peek(target)
        if target_convo is not None:
            target_lang = target_convo.lang
        forwarded = replies.reply_to_poster(target_lang, view.code, body)
        self.counters["replies.forwarded"] += 1
        return [self._to(sender, confirm), *(self._to(target, page) for page in forwarded)]

    # -- reading ------------------------------------------------------------------------

    def _list(self, sender: int, command: Command, now: float) -> tuple[str, ...]:
        query = BoardQuery(
            kinds=(command.kind.name.lower(),) if command.kind is not None else (),
            categories=(command.category.name.lower(),) if command.category is not None else (),
        )
        views = self._node.board(query)
        if command.mine:
            store = self._node.store
            ids = {
                f"{row.origin:08x}/{row.seq}"
                for row in open_posts_of(store, sender, store.now_minute())
            }
            views = [v for v in views if v.entry in ids]
        return replies.list_pages(
            command.lang,
            [_summary(v, now) for v in views],
            kind=command.kind,
            category=command.category,
            mine=command.mine,
        )

    def _search(
        self, sender: int, convo: Conversation, command: Command, now: float
    ) -> tuple[str, ...]:
        if not command.query:
            return self._list(sender, command, now)
        found = [
            _summary(v, now)
            for v in self._node.board(BoardQuery())
            if query_matches(command.query, v.text) or query_matches(command.query, v.zone)
        ]
        # A question that could also be a post: answered as a search, with the offer to
        # post it (on the resident's yes), when the sender's radio may post.
        post_as = command.post_as if sender in self._allow and command.body.strip() else None
        if post_as is not None:
            offered = dataclasses.replace(
                command, intent=post_as, kind=POST_KINDS[post_as], sure=False, post_as=None
            )
            convo.pending = Pending(offered, now)
            self.counters["confirm.asked"] += 1
        return replies.search_pages(
            command.lang, command.query, found, could_post=post_as is not None
        )

    def _show(self, command: Command, now: float) -> tuple[str, ...]:
        view = self._lookup(command)
        if view.status == "expired":
            return (replies.expired(command.lang, view.code),)
        return replies.show_pages(command.lang, _summary(view, now))

    # -- helpers ------------------------------------------------------------------------

    def _local(self, now: float) -> datetime:
        return datetime.fromtimestamp(now, self._node.config.tz)

    def _is_code(self, code: str) -> bool:
        try:
            return bool(self._node.store.find_by_code(code))
        except NodeError:
            return False

    def _lookup(self, command: Command) -> EntryView:
        """The one entry the command's code names; _Refused with the answer otherwise."""
        return self._shown(command.code or "", command.lang)

    def _shown(self, code: str, lang: str) -> EntryView:
        """The one entry ``code`` names (it may have left the store since it was asked
        about); _Refused with the answer otherwise."""
        try:
            return self._node.show(code)
        except (UnknownCodeError, InputError):
            raise _Refused(replies.unknown_code(lang, code)) from None
        except AmbiguousCodeError:
            raise _Refused(replies.ambiguous_code(lang, code)) from None

    @staticmethod
    def _to(dest: int, text: str) -> Reply:
        return Reply(dest, fit(text))


def _answers(answer: Answer | None, pending: Pending) -> bool:
    """``answer`` answers the question: a kind of post answers only "Post it as ...?"."""
    if answer is None:
        return False
    return answer.kind is None or pending.command.intent in POST_KINDS

