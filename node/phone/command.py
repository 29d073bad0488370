"""What a phone message asks for, once understood: ``Intent`` and ``Command``."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from meshaid.node.phone.when import When
from meshaid.protocol.record import Category, Kind, Urgency


class Intent(Enum):
    POST_OFFER = "post_offer"
    POST_NEED = "post_need"
    POST_TRADE = "post_trade"
    POST_ALERT = "post_alert"
    LIST = "list"
    MORE = "more"  # the next page of the last answer
    SEARCH = "search"
    SHOW = "show"
    CLOSE = "close"  # the post was fulfilled
    WITHDRAW = "withdraw"  # the poster takes it back
    HELP = "help"
    REPLY = "reply"
    UNKNOWN = "unknown"

    @property
    def label(self) -> str:
        """The intent as the command corpus labels it: paging is part of ``list`` there."""
        return Intent.LIST.value if self is Intent.MORE else self.value


POST_KINDS = {
    Intent.POST_OFFER: Kind.OFFER,
    Intent.POST_NEED: Kind.NEED,
    Intent.POST_TRADE: Kind.TRADE,
    Intent.POST_ALERT: Kind.ALERT,
}


@dataclass(frozen=True)
class Command:
    """One message, understood.

    ``body`` is the post's text (the resident's words, minus an explicit command word such
    as ``offer:``) or the text of a reply. ``kind`` is the post's kind, or the kind a list
    asks for. ``category`` is the post's category guess, or a list/search filter.
    ``code`` is the canonical entry code the message names; close and withdraw without a
    code mean the sender's open post. ``query`` holds search words, canonical (see
    ``query_matches``). ``mine`` asks for the sender's own posts ("my posts").

    ``sure`` is False when the message was understood by inference rather than said in so
    many words ("have extra blankets", "got it thanks") and the two readers of
    meshaid.node.phone.intents did not agree on it, or when it asks a question: the desk
    then asks the resident before it posts, closes or withdraws anything. ``when`` is the
    day and time a trade names (read with the ``now`` given to ``parse``).

    ``post_as`` is set on a search that could also have been meant as a post (a question
    such as "anyone got a generator i could borrow?"): the desk answers the search and
    offers to post the message as that kind (its ``body``, ``category`` and ``urgency``
    are the post's), never posting it unasked.
    """

    intent: Intent
    lang: str
    text: str
    body: str = ""
    kind: Kind | None = None
    category: Category | None = None
    urgency: Urgency = Urgency.NORMAL
    code: str | None = None
    query: tuple[str, ...] = ()
    mine: bool = False
    sure: bool = True
    when: When | None = None
    post_as: Intent | None = None

    @property
    def acts(self) -> bool:
        """The command changes the board (a post, a close, a withdrawal)."""
        return self.intent in POST_KINDS or self.intent in (Intent.CLOSE, Intent.WITHDRAW)

    @property
    def asks_first(self) -> bool:
        """The desk asks the resident before acting on it: a guess, or a close or
        withdrawal that does not name its entry's code (which of the sender's posts is
        meant is then the desk's inference, so the question names it)."""
        if not self.acts:
            return False
        closing = self.intent in (Intent.CLOSE, Intent.WITHDRAW)
        return not self.sure or (closing and self.code is None)
