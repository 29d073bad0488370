"""What the parts of the sync engine share, in one object that SyncEngine builds.

The node's holdings and outbox, its airtime budget, counters and events, the random
source (one for the whole engine: the order of its draws is part of the behaviour), and
the count of neighbours heard lately, which sizes every contention window.
"""

from __future__ import annotations

import random

from meshaid.protocol import frames
from meshaid.protocol.airtime import airtime_seconds
from meshaid.protocol.record import SignedRecord
from meshaid.sync.api import Event, FrameDropped, KeyLookup
from meshaid.sync.budget import AirtimeBudget
from meshaid.sync.config import Span, SyncConfig
from meshaid.sync.holdings import Holdings
from meshaid.sync.outbox import Outbox
from meshaid.sync.priority import Rank, send_rank
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
    ) -> None:
        self.config = config
        self.keys = keys
        self.rng = rng
        self.cache = cache
        # This node's radio id, to recognise requests that name it as an answerer; without
        # it the node answers every request it can.
        self.node_id = node_id
        self.stats = SyncStats()
        self.budget = AirtimeBudget(config.budget_seconds, config.alert_reserve, config.bulk_share)
        self.outbox = Outbox()
        self.events: list[Event] = []
        self.holdings = Holdings(config.prune_margin_minutes)
        self.vector = self.holdings.vector
        self.started_at = float("-inf")
        # Neighbours heard lately, for the contention windows: sender -> last heard.
        self._neighbours: dict[int, float] = {}
        self._counted_at = float("-inf")

    def drop(self, sender: int, reason: str) -> None:
        self.stats.dropped[reason] += 1
        self.events.append(FrameDropped(sender, reason))

    def heard(self, sender: int, now: float) -> None:
        self._neighbours[sender] = now

    def neighbour_count(self, now: float) -> int:
        """Distinct senders heard within the neighbour memory (recounted once a minute)."""
        if now >= self._counted_at + 60.0:
            horizon = now - self.config.neighbour_memory
            self._neighbours = {n: t for n, t in self._neighbours.items() if t >= horizon}
            self._counted_at = now
        return len(self._neighbours)

    def draw(self, span: Span) -> float:
        return self.rng.uniform(span[0], span[1])

    def contend(self, slot: float, now: float) -> float:
        """A delay in a contention window of one slot per neighbour (see SyncConfig)."""
        return self.rng.uniform(0.0, slot * max(self.neighbour_count(now), 2))

    def rank(self, rec: SignedRecord) -> Rank:
        local = rec.body.zone_id in self.config.local_zones
        return send_rank(rec.body, self.holdings.is_newest(rec), local)


def turn_stride(config: SyncConfig, answerers: int) -> float:
    """Time between an answerer's turns when ``answerers`` take turns. Our own answer
    frames are paced by answer_gap too: a round must leave room for it."""
    return max(answerers * config.answer_turn, config.answer_gap[1] + FULL_FRAME_AIRTIME)
