"""Sources: the neighbours whose digests we heard, and which of them to name as answerers.

A request for a catch-up names the neighbours whose digests showed the most records. A
digest is not signed, and its sender id is whatever the sender put in the radio header:
digests from made-up ids, claiming large totals, stalled a new node's catch-up (it named
them, and they never answered). So:

* a neighbour named that sent nothing of use (no record we kept, no GONE we believed) by
  the end of its turns is
  skipped: not named again for ``penalty`` seconds; when none of a request's answerers
  answered, the engine asks again soon, naming others (repair.py);
* while some neighbours answered lately (records we kept, or a GONE), only those are
  named; the others answer requests that name nobody (a few gaps) and unasked ones,
  and so become known as answerers too;
* the table is bounded (least recently heard out first, those skipped before them) and
  forgets a sender not heard for ``memory`` seconds.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from meshaid.protocol.frames import U32_MAX


@dataclass(slots=True)
class Source:
    heard: float  # its last digest
    total: int  # the size of its vector, by that digest
    skipped_until: float = float("-inf")
    answered: float = float("-inf")  # it last sent us an answer or a GONE


class Sources:
    def __init__(self, memory: float, penalty: float, cap: int) -> None:
        self.memory = memory
        self.penalty = penalty
        self.cap = cap
        self._table: OrderedDict[int, Source] = OrderedDict()  # least recently heard first
        # Answerers of our last request that named some: sender -> when its turns end.
        self._waiting: dict[int, float] = {}
        self._batch: set[int] = set()  # all of them, to tell whether any answered
        self._batch_answered = False

    def __len__(self) -> int:
        return len(self._table)

    def heard_digest(self, sender: int, total: int, now: float) -> None:
        source = self._table.get(sender)
        if source is None:
            if len(self._table) >= self.cap:
                self._evict(now)
            source = self._table[sender] = Source(now, total)
        source.heard = now
        source.total = total
        self._table.move_to_end(sender)

    def _evict(self, now: float) -> None:
        for sender, source in self._table.items():
            if source.skipped_until > now:
                del self._table[sender]
                return
        self._table.popitem(last=False)

    def answered(self, sender: int, now: float) -> None:
        """``sender`` sent an answer or a GONE frame."""
        source = self._table.get(sender)
        if source is not None:
            source.answered = now
            source.skipped_until = float("-inf")
        if self._waiting.pop(sender, None) is not None or sender in self._batch:
            self._batch_answered = True

    def named(self, answerers: tuple[int, ...], turns_end: list[float]) -> None:
        """A request went out naming ``answerers``, whose turns end at ``turns_end``."""
        self._waiting = dict(zip(answerers, turns_end, strict=True))
        self._batch = set(answerers)
        self._batch_answered = False

    def wakeup(self) -> float | None:
        """When the next named answerer's turns end."""
        return min(self._waiting.values()) if self._waiting else None

    def tick(self, now: float) -> tuple[int, bool]:
        """Skip the named answerers whose turns ended without a word from them; returns how
        many, and whether that was the last of a request none of whose answerers answered."""
        late = [s for s, end in self._waiting.items() if end <= now]
        for sender in late:
            del self._waiting[sender]
            source = self._table.get(sender)
            if source is not None:
                source.skipped_until = now + self.penalty
        none_answered = bool(late) and not self._waiting and not self._batch_answered
        return len(late), none_answered

    def purge(self, now: float) -> None:
        horizon = now - self.memory
        while self._table and next(iter(self._table.values())).heard < horizon:
            self._table.popitem(last=False)

    def ranked(self, now: float, ours: int) -> list[int]:
        """Neighbours to name, best first: heard within the memory, holding more than
        ``ours`` by their digest, not skipped; only those that answered lately, if any
        did; the largest totals first."""
        horizon = now - self.memory
        table = self._table
        chosen = [
            s for s, src in table.items()
            if src.heard >= horizon and src.total > ours and src.skipped_until <= now
            and 0 < s <= U32_MAX
        ]
        answering = [s for s in chosen if table[s].answered >= horizon]
        return sorted(answering or chosen, key=lambda s: (-table[s].total, -table[s].heard, s))
