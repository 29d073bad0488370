"""What the parts of the sync engine share, in one object that SyncEngine builds.

The node's holdings and outbox, its airtime budget, counters and events, the random
source (one for the whole engine: the order of its draws is part of the behaviour), whom
to trust (keys, or the node's trust hook, and who may change which entry), and the count
of neighbours heard lately, which sizes every contention window.
"""

from __future__ import annotations

import random
from collections import OrderedDict
from collections.abc import Callable, Iterable

from meshaid.protocol import frames
from meshaid.protocol.airtime import airtime_seconds
from meshaid.protocol.record import SignedRecord
from meshaid.sync.api import Authorised, Event, FrameDropped, KeyLookup, Trust
from meshaid.sync.authority import owner_only
from meshaid.sync.budget import AirtimeBudget
from meshaid.sync.config import Span, SyncConfig
from meshaid.sync.holdings import Holdings
from meshaid.sync.limits import LimitConfig
from meshaid.sync.outbox import Outbox
from meshaid.sync.priority import Rank, is_alert, send_rank
from meshaid.sync.stats import SyncStats
from meshaid.sync.verify import VerifyCache

# Airtime of a full frame: what an answer is assumed to need when deciding to take it on.
FULL_FRAME_AIRTIME = airtime_seconds(frames.MAX_FRAME_BYTES)


class Context:
    def __init__(
        self,
        config: SyncConfig,
        keys: KeyLookup,
        rng: random.Random,
        cache: VerifyCache,
        node_id: int | None,
        *,
        trust: Trust | None = None,
        authorised: Authorised | None = None,
        airtime: Callable[[int], float] | None = None,
    ) -> None:
        self.config = config
        self.keys = keys
        self.trust = trust
        self.authorised = authorised or owner_only
        self.airtime = airtime or (lambda size: airtime_seconds(size, config.preset))
        self.rng = rng
        self.cache = cache
        # This node's radio id, to recognise requests that name it as an answerer; without
        # it the node answers every request it can.
        self.node_id = node_id
        self.stats = SyncStats()
        self.budget = AirtimeBudget(config.budget_seconds, config.alert_reserve, config.bulk_share)
        self.outbox = Outbox()
        self.events: list[Event] = []
        limits = LimitConfig(
            config.rate_per_hour, config.rate_burst, config.alert_rate_per_hour,
            config.alert_burst, config.max_live_entries, config.max_control_records,
            config.max_entry_records,
        )
        self.holdings = Holdings(config.prune_margin_minutes, limits)
        self.vector = self.holdings.vector
        self.started_at = float("-inf")
        # Neighbours heard lately, for the contention windows: sender -> last heard, the
        # least recently heard first.
        self._neighbours: OrderedDict[int, float] = OrderedDict()
        self._counted_at = float("-inf")

    def key_for(self, origin: int, seq: int) -> bytes | None:
        """The key record ``seq`` of ``origin`` must verify with; None: refused."""
        if self.trust is not None:
            return self.trust(origin, seq)
        return self.keys(origin)

    def trusts(self, origin: int, seq: int) -> bool:
        """Whether a record ``seq`` of ``origin`` could be accepted: claims about others
        (digests, GONE) are not even looked at."""
        return self.key_for(origin, max(seq, 1)) is not None

    def drop(self, sender: int, reason: str) -> None:
        self.stats.dropped[reason] += 1
        self.events.append(FrameDropped(sender, reason))

    def heard(self, sender: int, now: float) -> None:
        neighbours = self._neighbours
        neighbours[sender] = now
        neighbours.move_to_end(sender)
        if len(neighbours) > self.config.sender_memory_max:
            neighbours.popitem(last=False)

    def neighbour_count(self, now: float) -> int:
        """Distinct senders heard within the neighbour memory (recounted once a minute),
        at most ``contention_neighbours_max``: ids are easily made up."""
        if now >= self._counted_at + 60.0:
            horizon = now - self.config.neighbour_memory
            neighbours = self._neighbours
            while neighbours and next(iter(neighbours.values())) < horizon:
                neighbours.popitem(last=False)
            self._counted_at = now
        return min(len(self._neighbours), self.config.contention_neighbours_max)

    def frames_airtime(self, sizes: Iterable[int]) -> float:
        """About the airtime RECORDS frames carrying items of these sizes take, packed in
        order as the planner packs them (fragments for an item longer than a frame)."""
        mtu = self.config.mtu
        total = 0.0
        size = 0
        for item in sizes:
            if size and size + item <= mtu:
                size += item
                continue
            if size:
                total += self.airtime(size)
            size = 1 + item
            while size > mtu:  # fragments: one header byte and the fragment's own four
                total += self.airtime(mtu)
                size -= mtu - 5
        if size:
            total += self.airtime(size)
        return total

    def draw(self, span: Span) -> float:
        return self.rng.uniform(span[0], span[1])

    def contend(self, slot: float, now: float) -> float:
        """A delay in a contention window of one slot per neighbour (see SyncConfig)."""
        return self.rng.uniform(0.0, slot * max(self.neighbour_count(now), 2))

    def rank(self, rec: SignedRecord) -> Rank:
        local = rec.body.zone_id in self.config.local_zones
        demoted = self.holdings.limits.demoted(rec.record_id)
        return send_rank(rec.body, self.holdings.is_newest(rec), local, demoted)

    def rank_held(self, origin: int, seq: int) -> Rank:
        """``rank`` of the held record (origin, seq), from its summary (last: not held)."""
        rank = self.holdings.rank_of(origin, seq, self.config.local_zones)
        return _NOT_HELD if rank is None else rank

    def is_alert(self, rec: SignedRecord) -> bool:
        """Sent with alert precedence: an alert within its origin's alert bucket, or a
        control record (see limits.py)."""
        return is_alert(rec.body) and not self.holdings.limits.demoted(rec.record_id)


_NOT_HELD: Rank = (99, 99, 99, 0, 0, 0)


def turn_stride(config: SyncConfig, answerers: int) -> float:
    """Time between an answerer's turns when ``answerers`` take turns. Our own answer
    frames are paced by answer_gap too: a round must leave room for it."""
    return max(answerers * config.answer_turn, config.answer_gap[1] + FULL_FRAME_AIRTIME)
