"""The phone desk: residents' text messages executed against the node's board.

``PhoneDesk.handle(sender, text, now, key=...)`` parses one message
(meshaid.node.phone.intents), does what it asks through the node services, and queues the
texts to send, each at most ``MAX_REPLY_BYTES``. Every message within its radio's rate
gets an answer; nothing a resident types makes it raise.

Who may do what:

* anyone may read: list, search, show, more, help;
* only radios on the allow-list may post: the member roster's radios, and those of the
  node config's ``[phone] allow`` (read until the roster lists them), and only by a
  message PKI-encrypted with the key the roster pins for the radio, or by a plain one
  where ``[phone] allow_plain_dm`` allows it for a radio without a pinned key
  (meshaid.node.desk.identity);
* only the radio that posted an entry may close or withdraw it (the ``posters`` table),
  under the same proof;
* anyone may answer a post: the desk passes the words to the poster's radio with a route
  code of that neighbour's own, and the poster's "R ROUTE ..." back to that neighbour
  only, so that neither learns the other's radio id and nobody who writes later takes
  the answer (SECURITY.md; the routes survive a restart, meshaid.node.desk.routes).

Every reply goes through the outbox in the node's database (meshaid.node.desk.outbox):
a post, its poster row and its acknowledgement are one transaction, and what a restart
interrupts is sent after it. A radio gets a few answers at once and a few a minute after
that, then one "slow down", and may post 3 at once and 6 an hour (``DeskLimits``); the
pump charges what it sends to the airtime budget (meshaid.node.daemon.pump). The same
post sent again within ``RESEND_MINUTES`` gets the code it got the first time.

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

The desk owns the per-sender conversations (meshaid.node.desk.sessions).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Collection, Iterable
from datetime import datetime, timedelta

from meshaid.node.desk.allowlist import load_allow, load_plain_dm
from meshaid.node.desk.identity import PinnedRadios, Standing, as_pinned, refusal, standing
from meshaid.node.desk.outbox import DeskLimits, Outbox, RateLimit
from meshaid.node.desk.posters import open_posts_of, post_for, poster_of, resent
from meshaid.node.desk.routes import (
    MAX_ROUTES,
    Route,
    is_route_code,
    remember_route,
    route_by_code,
    routes_of,
)
from meshaid.node.desk.sending import OutgoingText, Reply, Sending
from meshaid.node.desk.sessions import MAX_SENDERS, Conversation, Lru, Pending
from meshaid.node.desk.summaries import entry_id, summary
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
from meshaid.node.phone.messages import say
from meshaid.node.phone.replies import MAX_REPLY_BYTES, fit, utf8_len
from meshaid.node.phone.when import read_when
from meshaid.node.services import BoardQuery, Node, PostRequest
from meshaid.node.store.views import EntryView
from meshaid.protocol.record import (
    MAX_TEXT_BYTES,
    Category,
    Kind,
    Status,
)

__all__ = ["MAX_REPLY_BYTES", "PhoneDesk", "Reply"]

_CLOSING = {Intent.CLOSE: ("fulfilled", Status.FULFILLED),
            Intent.WITHDRAW: ("withdrawn", Status.WITHDRAWN)}
_CLOSED = {"fulfilled": Status.FULFILLED, "withdrawn": Status.WITHDRAWN}
_KIND_INTENTS = {kind: intent for intent, kind in POST_KINDS.items()}
# A trade's day further ahead than this is asked about: a neighbourhood trade is rarely
# planned two months out, and a month and day just passed ("12/1" on 12/2) reads as next
# year's. (The node refuses anything beyond an entry's longest life, 90 days.)
FAR_DAYS = 60
# A post sent again within this long, word for word, gets the same code back.
RESEND_MINUTES = 10


class _Refused(Exception):
    """A code the resident gave does not name one entry; ``text`` says so."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


class PhoneDesk:
    """Answers residents' messages for one open node.

    ``allow`` holds the radios that may post, with the key pinned for each (a plain
    collection of ids: none pinned); ``allow_plain_dm`` lets those without a pinned key
    post by plain messages. ``max_senders`` bounds the conversations kept in memory,
    ``max_routes`` the answer routes kept in the database.
    """

    def __init__(
        self,
        node: Node,
        allow: PinnedRadios | Collection[int],
        *,
        allow_plain_dm: bool = False,
        max_senders: int = MAX_SENDERS,
        max_routes: int = MAX_ROUTES,
        outbox: Outbox | None = None,
        limits: DeskLimits | None = None,
    ) -> None:
        self._node = node
        # Kept as given: the daemon's allow-list follows the member roster as it changes.
        self._allow = as_pinned(allow)
        self.allow_plain_dm = allow_plain_dm
        if max_routes < 1:
            raise ValueError("the desk needs room for at least one reply route")
        self._conversations: Lru[int, Conversation] = Lru(max_senders)
        self._max_routes = max_routes
        self.counters: Counter[str] = Counter()
        self.outbox = outbox or Outbox(node.store, self.counters)
        lim = limits or DeskLimits()
        self._from_radio = RateLimit(lim.texts_burst, lim.texts_per_minute, max_senders)
        self._posts = RateLimit(lim.posts_burst, lim.posts_per_hour / 60.0, max_senders)
        to_radio = RateLimit(lim.to_radio_burst, lim.to_radio_per_minute, max_senders)
        self.sending = Sending(node, self.outbox, self.counters, to_radio, lang_of=self._lang_of,
                               stranger=lambda radio: radio not in self._allow)
        self._standing = Standing.STRANGER  # of the message being handled
        self._acked: str | None = None  # its post's acknowledgement, queued with the post

    @classmethod
    def for_node(cls, node: Node) -> PhoneDesk:
        """A desk with the node's config file's ``[phone] allow`` and ``allow_plain_dm``."""
        return cls(node, load_allow(node.config_file),
                   allow_plain_dm=load_plain_dm(node.config_file))

    # -- the one entry point ------------------------------------------------------------

    def handle(
        self, sender: int, text: str, now: float, *, key: bytes | None = None
    ) -> list[Reply]:
        """The texts to send for ``text`` from radio ``sender``, queued in the outbox;
        ``key`` is the sender's public key when the message arrived PKI-encrypted (None:
        plain). ``now`` is wall-clock seconds, for the ages shown in answers and the days
        and times read in posts. A radio over its rate gets one "slow down", then nothing."""
        self._standing = standing(self._allow, sender, key, allow_plain_dm=self.allow_plain_dm)
        if not self._from_radio.take(sender, now):
            self.counters["texts.rate_limited"] += 1
            if not self._from_radio.warn_once(sender, now):
                return []
            return self._queue([self._to(sender, say(self._lang_of(sender), "slow_down"))], now)
        return self._queue(self._handle(sender, text, now), now)

    def _handle(self, sender: int, text: str, now: float) -> list[Reply]:
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
        refused = self._refused(sender, command.lang)
        if refused is not None:
            self.counters["posts.refused"] += 1
            return refused
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
        refused = self._refused(sender, lang)
        if refused is not None:
            self.counters["posts.refused"] += 1
            return refused
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
        request = PostRequest(kind=kind.name.lower(), text=body, category=category.name.lower(),
                              urgency=command.urgency.name.lower(),
                              when=None if at is None else at.isoformat(timespec="minutes"))
        again = resent(self._node, sender, kind, body, RESEND_MINUTES)
        if again is not None:
            self.counters["posts.resent"] += 1
            return replies.posted(lang, kind, again.code, again.text, again.when)
        if not self._posts.take(sender, now):
            self.counters["posts.limited"] += 1
            return fit(say(lang, "too_many_posts", limit=round(self._posts.rate * 3600)))
        try:
            view = post_for(self._node, request, sender, lang, now)
        except InputError:
            if request.when is None:
                return replies.post_needs_text(lang)
            # The node's own clock disagrees with ``now`` about the time being future.
            view = post_for(self._node, dataclasses.replace(request, when=None), sender, lang,
                            now)
        self.outbox.acked()
        self.counters["posts.stored"] += 1
        self._acked = fit(replies.posted(lang, kind, view.code, view.text, view.when))
        return self._acked

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
            summaries = [summary(self._node.show(row.code), now) for row in mine]
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
        if poster_of(self._node.store, entry_id(view)) != sender:
            return replies.not_owner(lang, view.code)
        refused = self._refused(sender, lang)
        if refused is not None:
            self.counters["closes.refused"] += 1
            return refused
        if view.status in _CLOSED:
            return replies.already_closed(lang, view.code, _CLOSED[view.status])
        return None

    # -- answering a post -----------------------------------------------------------------

    def _reply(self, sender: int, command: Command) -> list[Reply]:
        lang = command.lang
        if command.code is None:
            return [self._to(sender, replies.reply_needs_code(lang))]
        store = self._node.store
        route = route_by_code(store, command.code)
        view = self._lookup(command) if route is None else self._entry_view(route, lang)
        body = command.body.strip()
        if not body:
            return [self._to(sender, replies.reply_needs_text(lang, command.code))]
        eid = entry_id(view)
        poster = poster_of(store, eid)
        if poster == sender:
            # The poster answers the neighbour whose route code it gives; with the post's
            # own code, the one neighbour who wrote (several: which one?).
            refused = self._refused(sender, lang)
            if refused is not None:
                return [self._to(sender, refused)]
            if route is None or route.entry != eid:
                routes = routes_of(store, eid)
                if not routes:
                    return [self._to(sender, replies.no_one_answered(lang, view.code))]
                if len(routes) > 1:
                    return [self._to(sender, say(lang, "reply_which", code=routes[0].code))]
                route = routes[0]
            target, target_lang, shown = route.radio_id, route.lang, view.code
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
            mine = remember_route(store, eid, view.full_code, sender, lang,
                                  limit=self._max_routes, taken=self._is_entry_code)
            shown = mine.code  # the poster answers this neighbour with this code
            confirm = replies.reply_forwarded(lang, view.code)
        target_convo = self._conversations.peek(target)
        if target_convo is not None:
            target_lang = target_convo.lang
        forwarded = replies.reply_to_poster(target_lang, shown, body)
        self.counters["replies.forwarded"] += 1
        return [self._to(sender, confirm), *(self._to(target, page) for page in forwarded)]

    def _entry_view(self, route: Route, lang: str) -> EntryView:
        row = self._node.store.entry(route.entry)
        if row is None:
            raise _Refused(replies.unknown_code(lang, route.code))
        return self._shown(row.code, lang)

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
            [summary(v, now) for v in views],
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
            summary(v, now)
            for v in self._node.board(BoardQuery())
            if query_matches(command.query, v.text) or query_matches(command.query, v.zone)
        ]
        # A question that could also be a post: answered as a search, with the offer to
        # post it (on the resident's yes), when the sender's radio may post.
        post_as = command.post_as if self._standing.may_act and command.body.strip() else None
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
        return replies.show_pages(command.lang, summary(view, now))

    # -- helpers ------------------------------------------------------------------------

    def _local(self, now: float) -> datetime:
        return datetime.fromtimestamp(now, self._node.config.tz)

    def _is_code(self, code: str) -> bool:
        try:
            return self._is_entry_code(code) or is_route_code(self._node.store, code)
        except NodeError:
            return False

    def _lang_of(self, radio: int) -> str:
        convo = self._conversations.peek(radio)
        return convo.lang if convo is not None else self._node.config.language

    def _is_entry_code(self, code: str) -> bool:
        return bool(self._node.store.find_by_code(code))

    def _refused(self, sender: int, lang: str) -> str | None:
        """Why this message may not post, close, withdraw or answer as a poster (None: it
        may): its radio is not on the roster, or the message does not prove it is that
        radio (meshaid.node.desk.identity)."""
        st = self._standing
        if st.may_act:
            return None
        self.counters[f"refused.{st.value}"] += 1
        return refusal(st, sender, lang)

    # -- the outbox (meshaid.node.desk.sending) ---------------------------------------------

    def _queue(self, out: list[Reply], now: float) -> list[Reply]:
        acked, self._acked = self._acked, None
        return self.sending.queue(out, now, acked)

    def replies_due(self, wall: float) -> list[OutgoingText]:
        return self.sending.due(wall)

    def reply_sent(self, reply: OutgoingText) -> None:
        self.outbox.done(reply.item)

    def reply_refused(self, reply: OutgoingText) -> None:
        """The radio will never take this reply (a bad address, too long): dropped."""
        self.outbox.drop(reply.item, "refused_by_radio")

    def queue_texts(self, texts: Iterable[Reply], wall: float) -> None:
        """Texts from elsewhere in the node (a notice of a match), sent like replies."""
        self.sending.queue([self._to(t.dest, t.text) for t in texts], wall, None)

    @property
    def replies_waiting(self) -> int:
        return len(self.outbox)

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

