"""Replies waiting for the radio: the ``phone_outbox`` table, and the limits on replies.

Every reply the desk makes is written here before anything is sent, and a post's
acknowledgement in the post's own transaction (with its poster row): a daemon that dies
after storing a post still owes the resident its code, and sends it when it starts again.
The pump takes the oldest reply when the radio and the airtime budget have room, and the
row goes once the radio has it. A reply older than ``STALE_SECONDS`` is dropped and
counted instead: half an hour later "Posted 4F2K" answers nothing the resident still waits
for, and they will have sent again (which gets the same code back: meshaid.node.desk.desk).

Anyone can text the node from any number of made-up radio ids, so the outbox is bounded:
at most ``MAX_QUEUED`` replies wait, of which ``MAX_STRANGERS`` to radios not on the
roster; beyond that a reply is dropped and counted (a post's acknowledgement never is:
only roster radios post). ``RateLimit`` caps what one radio draws (meshaid.node.desk.desk).
"""

from __future__ import annotations

import sqlite3
from collections import Counter, OrderedDict
from dataclasses import dataclass

from meshaid.node.store.board import BoardStore
from meshaid.protocol.record import EntryId

MAX_QUEUED = 64
MAX_STRANGERS = 16
STALE_SECONDS = 30 * 60
DUE_BATCH = 8  # rows read at a time by the pump
LANG_CHARS = 8


@dataclass(frozen=True)
class Queued:
    """One reply in the outbox. ``text`` None: the acknowledgement of ``entry``."""

    id: int
    dest: int
    text: str | None
    lang: str
    entry: EntryId | None
    queued: int  # wall-clock seconds

    def stale(self, wall: float, stale_seconds: float = STALE_SECONDS) -> bool:
        return wall - self.queued > stale_seconds


class Outbox:
    """The durable reply queue of one node's desk. Not thread-safe (the daemon's loop)."""

    def __init__(
        self,
        store: BoardStore,
        counters: Counter[str],
        *,
        limit: int = MAX_QUEUED,
        strangers: int = MAX_STRANGERS,
        stale_seconds: float = STALE_SECONDS,
    ) -> None:
        if limit < 1 or not 0 <= strangers <= limit:
            raise ValueError("the outbox needs room for a reply, and strangers <= limit")
        self.store = store
        self.counters = counters
        self.limit = limit
        self.strangers = strangers
        self.stale_seconds = stale_seconds
        with store.reading() as conn:
            self._waiting, self._to_strangers = conn.execute(
                "SELECT COUNT(*), COALESCE(SUM(stranger), 0) FROM phone_outbox").fetchone()

    def __len__(self) -> int:
        return int(self._waiting)

    @staticmethod
    def ack_in(cur: sqlite3.Cursor, dest: int, lang: str, entry: EntryId, wall: float) -> None:
        """Queue the acknowledgement of ``entry`` inside the transaction of ``cur`` (the
        post's own); counted in by ``acked`` once it committed."""
        cur.execute(
            "INSERT INTO phone_outbox (radio_id, text, lang, entry_origin, entry_seq, queued,"
            " stranger) VALUES (?, NULL, ?, ?, ?, ?, 0)",
            (dest, lang[:LANG_CHARS], entry.origin, entry.seq, int(wall)),
        )

    def acked(self) -> None:
        """An acknowledgement written by ``ack_in`` has committed."""
        self._waiting += 1

    def put(self, dest: int, text: str, lang: str, wall: float, *, stranger: bool) -> bool:
        """Queue ``text`` for ``dest``; False (dropped and counted) when the outbox, or its
        share for strangers, is full."""
        if self._waiting >= self.limit:
            self.counters["replies.dropped.full"] += 1
            return False
        if stranger and self._to_strangers >= self.strangers:
            self.counters["replies.dropped.strangers_full"] += 1
            return False
        with self.store.writing() as cur:
            cur.execute(
                "INSERT INTO phone_outbox (radio_id, text, lang, entry_origin, entry_seq,"
                " queued, stranger) VALUES (?, ?, ?, NULL, NULL, ?, ?)",
                (dest, text, lang[:LANG_CHARS], int(wall), int(stranger)),
            )
        self._waiting += 1
        self._to_strangers += int(stranger)
        return True

    def due(self, wall: float, batch: int = DUE_BATCH) -> list[Queued]:
        """The oldest replies waiting, stale ones dropped (and counted) on the way."""
        with self.store.reading() as conn:
            rows = conn.execute(
                "SELECT id, radio_id, text, lang, entry_origin, entry_seq, queued, stranger"
                " FROM phone_outbox ORDER BY id LIMIT ?", (batch,)).fetchall()
        out = []
        for rid, dest, text, lang, origin, seq, queued, stranger in rows:
            item = Queued(rid, dest, text, lang,
                          None if origin is None else EntryId(origin, seq), queued)
            if item.stale(wall, self.stale_seconds):
                self.drop(item, "stale", stranger=bool(stranger))
                continue
            out.append(item)
        return out

    def done(self, item: Queued) -> None:
        """``item`` went to the radio."""
        self._remove(item)

    def drop(self, item: Queued, reason: str, *, stranger: bool | None = None) -> None:
        self.counters[f"replies.dropped.{reason}"] += 1
        self._remove(item, stranger)

    def _remove(self, item: Queued, stranger: bool | None = None) -> None:
        with self.store.writing() as cur:
            if stranger is None:
                row = cur.execute("SELECT stranger FROM phone_outbox WHERE id = ?",
                                  (item.id,)).fetchone()
                stranger = bool(row[0]) if row is not None else False
            cur.execute("DELETE FROM phone_outbox WHERE id = ?", (item.id,))
            gone = cur.rowcount
        if gone:
            self._waiting = max(self._waiting - 1, 0)
            self._to_strangers = max(self._to_strangers - int(stranger), 0)


@dataclass(frozen=True)
class DeskLimits:
    """How much one radio may draw from the desk: answers to its own texts (a burst, then
    so many a minute; a resident reads a list and posts in a few texts), and texts to it
    whoever caused them (a poster gets neighbours' answers)."""

    texts_burst: int = 5
    texts_per_minute: float = 5.0
    to_radio_burst: int = 10
    to_radio_per_minute: float = 10.0
    # New posts from one resident's radio: 3 at once, then 6 an hour. A household posts a
    # few needs and offers a day; a radio posting more is a mistake or a flood, and every
    # node must carry what it posts (the engine's per-origin limit is for the whole node).
    posts_burst: int = 3
    posts_per_hour: float = 6.0


class RateLimit:
    """Token buckets per radio: ``burst`` at once, then ``per_minute``; the ``senders``
    most recently seen are remembered (ids are free to invent: a forgotten one starts
    full, and the outbox's bound still holds)."""

    def __init__(self, burst: int, per_minute: float, senders: int = 500) -> None:
        if burst < 1 or per_minute <= 0 or senders < 1:
            raise ValueError("a rate limit needs burst >= 1, a positive rate, one sender")
        self.burst = burst
        self.rate = per_minute / 60.0
        self.senders = senders
        self._buckets: OrderedDict[int, tuple[float, float, bool]] = OrderedDict()

    def take(self, radio: int, now: float) -> bool:
        """Whether ``radio`` may have one more now (taking it)."""
        tokens, _at, warned = self._refill(radio, now)
        if tokens >= 1:
            self._put(radio, tokens - 1, now, False)
            return True
        self._put(radio, tokens, now, warned)
        return False

    def warn_once(self, radio: int, now: float) -> bool:
        """True the first time ``radio`` is told to slow down since it last had room."""
        tokens, _at, warned = self._refill(radio, now)
        self._put(radio, tokens, now, True)
        return not warned

    def _refill(self, radio: int, now: float) -> tuple[float, float, bool]:
        tokens, at, warned = self._buckets.get(radio, (float(self.burst), now, False))
        tokens = min(float(self.burst), tokens + max(now - at, 0.0) * self.rate)
        return tokens, now, warned

    def _put(self, radio: int, tokens: float, now: float, warned: bool) -> None:
        self._buckets[radio] = (tokens, now, warned)
        self._buckets.move_to_end(radio)
        while len(self._buckets) > self.senders:
            self._buckets.popitem(last=False)
