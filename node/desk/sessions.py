"""What the phone desk remembers between one resident's messages, in memory and bounded.

A conversation is the sender's last language, the pages of the last answer still to send
on "more", and the question the desk asked before acting on a guess ("Post it as a
need?", "Close 4F2K as done?", "Sun 1/10 has passed ..."), waiting for the resident's
yes or no. Conversations are kept in a
least-recently-used map: a node restart forgets them, which costs a resident a "list" or
a post sent again, never a wrong action. (Reply routes are kept in the database:
meshaid.node.desk.routes.)
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from meshaid.node.phone.command import Command

K = TypeVar("K")
V = TypeVar("V")

MAX_SENDERS = 500
# Pages kept for "more": each costs a text on air, and ten phone texts is a long read.
MAX_PAGES = 10
# How long a question before acting waits for its answer; later, a "yes" means nothing.
PENDING_SECONDS = 30 * 60


class Lru(Generic[K, V]):
    """A dict that forgets its least recently used key beyond ``limit`` keys."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("an LRU map needs room for at least one key")
        self.limit = limit
        self._items: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        """The value, marking the key as just used; None when absent."""
        if key not in self._items:
            return None
        self._items.move_to_end(key)
        return self._items[key]

    def peek(self, key: K) -> V | None:
        """The value without marking the key as used."""
        return self._items.get(key)

    def put(self, key: K, value: V) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.limit:
            self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items


@dataclass(frozen=True)
class Pending:
    """What the desk asked the resident to confirm: ``command`` (a post, or a close or
    withdrawal of the post with the full ``code``), asked at wall-clock second ``asked``.
    With ``date``, the question is about a trade's day (it has passed, is far ahead, or
    is not the weekday named with it): a day and time answers it, as does yes (post it
    without one) or no."""

    command: Command
    asked: float
    code: str | None = None
    date: bool = False

    def waiting(self, now: float) -> bool:
        return now - self.asked < PENDING_SECONDS


@dataclass
class Conversation:
    """One sender's state. Owned and changed only by the PhoneDesk."""

    lang: str = "en"
    pages: deque[str] = field(default_factory=deque)
    pending: Pending | None = None

    def keep_pages(self, pages: Iterable[str]) -> None:
        """Replace the pages waiting for "more" (at most MAX_PAGES)."""
        self.pages = deque(list(pages)[:MAX_PAGES])

    def next_page(self) -> str | None:
        return self.pages.popleft() if self.pages else None
