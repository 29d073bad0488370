"""Records waiting to go on air: own pushes, relays and answers, each with a due time.

Items wait until due, then queue by urgency: alerts first, then fresh records (pushes and
relays), then answers to requests, each group in ``priority.send_rank`` order. Two heaps
with lazy deletion keep every operation logarithmic, so a cold start that queues
thousands of answers does not make each frame cost a scan.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from enum import IntEnum

from meshaid.protocol.record import RecordId, SignedRecord
from meshaid.sync.priority import Rank


class Reason(IntEnum):
    PUSH = 0  # created here
    RELAY = 1  # new to us, heard in a PUSH frame: pass it on unless neighbours did
    ANSWER = 2  # someone lacks it: a request, or a digest that shows them behind


@dataclass
class Item:
    record: SignedRecord
    reason: Reason
    due: float
    rank: Rank
    alert: bool
    heard: int = 0  # copies of the record heard on air while it waited
    heard_from: set[int] = field(default_factory=set)  # radios those copies came from
    prunable: bool = True  # a relay that copies heard later may make needless
    token: int = 0
    ready: bool = False

    @property
    def relay(self) -> bool:
        """Goes in a PUSH frame (receivers relay it) rather than an ANSWER frame."""
        return self.reason != Reason.ANSWER

    def order(self) -> tuple[int, int, Rank]:
        return (0 if self.alert else 1, 0 if self.relay else 1, self.rank)


class Outbox:
    def __init__(self) -> None:
        self._items: dict[RecordId, Item] = {}
        self._waiting: list[tuple[float, int, RecordId]] = []
        self._ready: list[tuple[tuple[int, int, Rank], int, RecordId]] = []
        self._tokens = 0

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, rid: RecordId) -> bool:
        return rid in self._items

    def get(self, rid: RecordId) -> Item | None:
        return self._items.get(rid)

    def add(
        self, record: SignedRecord, reason: Reason, due: float, rank: Rank, alert: bool
    ) -> bool:
        """Queue ``record``; when it is queued already, keep the more urgent of the two.

        Returns False when the queue already held it at least as urgently.
        """
        rid = record.record_id
        held = self._items.get(rid)
        if held is not None:
            reason, due = min(reason, held.reason), min(due, held.due)
            if reason == held.reason and due == held.due:
                return False
        item = Item(record, reason, due, rank, alert)
        self._schedule(item)
        return True

    def _schedule(self, item: Item) -> None:
        self._tokens += 1
        item.token = self._tokens
        item.ready = False
        self._items[item.record.record_id] = item
        heapq.heappush(self._waiting, (item.due, item.token, item.record.record_id))

    def heard(self, rid: RecordId) -> Item | None:
        """A copy of ``rid`` was heard on air; returns the queued item, if any."""
        item = self._items.get(rid)
        if item is not None:
            item.heard += 1
        return item

    def cancel(self, rid: RecordId) -> Item | None:
        return self._items.pop(rid, None)

    def _live(self, token: int, rid: RecordId) -> Item | None:
        item = self._items.get(rid)
        return item if item is not None and item.token == token else None

    def promote(self, now: float) -> None:
        """Move items that are due by ``now`` to the ready queue."""
        while self._waiting and self._waiting[0][0] <= now:
            _, token, rid = heapq.heappop(self._waiting)
            item = self._live(token, rid)
            if item is not None and not item.ready:
                item.ready = True
                heapq.heappush(self._ready, (item.order(), token, rid))

    def next_due(self) -> float | None:
        """When the next waiting item becomes ready."""
        while self._waiting:
            due, token, rid = self._waiting[0]
            item = self._live(token, rid)
            if item is not None and not item.ready:
                return due
            heapq.heappop(self._waiting)
        return None

    def peek(self) -> Item | None:
        """The most urgent ready item (call ``promote`` first)."""
        while self._ready:
            _, token, rid = self._ready[0]
            item = self._live(token, rid)
            if item is not None:
                return item
            heapq.heappop(self._ready)
        return None

    def pop(self) -> Item | None:
        item = self.peek()
        if item is not None:
            heapq.heappop(self._ready)
            del self._items[item.record.record_id]
        return item

    def restore(self, item: Item) -> None:
        """Put back an item taken with ``pop`` that could not be sent, still ready."""
        self._tokens += 1
        item.token = self._tokens
        item.ready = True
        self._items[item.record.record_id] = item
        heapq.heappush(self._ready, (item.order(), item.token, item.record.record_id))
