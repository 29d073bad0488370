"""Relaying: when each record goes into the outbox, and when a copy heard takes it out.

Every record queued goes through ``queue``: one created here goes at once; one new to us
that came in a PUSH is relayed after a random delay in a contention window, unless the
copy that brought it already reached every neighbour of ours (self-pruning, see
neighbours.py); answers wait in the answer window. While it waits, copies heard on air
suppress it (``heard``). Also kept here: who hears whom, and the neighbour list our
digests carry so that the neighbours can prune their relays.

Neighbour lists are not signed: a forged one can make us skip relays. A relay skipped by
pruning is therefore owed for a while (``owed_relay_window``): when a neighbour asks for
it, or its digest shows it lacks it, it goes after all as a push, so that it spreads on
from there as the relay would have (``make_good``).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable

from meshaid.protocol.record import RecordId, SignedRecord
from meshaid.sync.context import Context
from meshaid.sync.neighbours import NeighbourTable
from meshaid.sync.outbox import Reason

# Weight of each new record in the moving share of records that came by repair.
MISSED_WEIGHT = 0.05
# Relays skipped by pruning remembered at once (see make_good): a few minutes' pushes.
MAX_OWED = 128


class Relaying:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        self._table = NeighbourTable(ctx.config.neighbour_table_memory)
        # Our neighbour list as last advertised, and when.
        self._advertised: tuple[int, ...] | None = None
        self._advertised_at = float("-inf")
        self._missed = 0.0  # share of new records that came by repair (moving average)
        self._pushed_at = float("-inf")  # a record was last pushed here or heard pushed
        # Relays skipped by pruning, oldest first: record id -> (record, until when owed).
        self._owed: OrderedDict[RecordId, tuple[SignedRecord, float]] = OrderedDict()
        self._owed_origins: dict[int, int] = {}  # origin -> owed relays of it

    # ----------------------------------------------------------------- the neighbourhood

    def heard_from(self, sender: int, now: float) -> None:
        self._table.heard(sender, now, self._ctx.config.sender_memory_max)

    def learn_list(self, sender: int, neighbours: tuple[int, ...]) -> None:
        self._table.learn(sender, neighbours)

    def pushed(self, now: float) -> None:
        """A record was pushed here, or a PUSH frame heard."""
        self._pushed_at = now

    def arrived(self, relay: bool) -> None:
        """A new record was stored, from a push (``relay``) or by repair."""
        # How often a new record reaches us by repair rather than by a push: about how
        # often a neighbour of a sender misses its push (see queue's covered relays).
        self._missed += MISSED_WEIGHT * ((0.0 if relay else 1.0) - self._missed)

    def list_to_carry(self, now: float) -> tuple[int, ...] | None:
        """Our neighbour list, when the next digest should carry it: it changed since we
        last sent it, or has not been sent for a while (receivers that missed it relay as
        if it did not exist); only while records are being pushed: an idle neighbourhood
        has nothing to relay, and the lists took its digests from 0.95 to 1.26 s an hour
        (simulator, idle)."""
        cfg = self._ctx.config
        if cfg.relay_pruning and now < self._pushed_at + cfg.neighbour_memory:
            ours = self._table.advertised(now)
            stale = now >= self._advertised_at + cfg.neighbour_advert_interval
            if ours != self._advertised or stale:
                return ours
        return None

    def carried(self, neighbours: tuple[int, ...], now: float) -> None:
        """A digest carrying our list ``neighbours`` went out."""
        self._advertised = neighbours
        self._advertised_at = now

    # ----------------------------------------------------------------- the outbox

    def queue(
        self,
        rec: SignedRecord,
        reason: Reason,
        now: float,
        due: float | None = None,
        sender: int | None = None,
        keep: bool = False,
    ) -> None:
        """Queue ``rec``; a relay of a copy heard from ``sender`` is pruned when every
        neighbour of ours heard that copy (see _pruned), unless ``keep``."""
        ctx = self._ctx
        outbox = ctx.outbox
        alert = ctx.is_alert(rec)
        cfg = ctx.config
        kept = False  # covered, but relayed all the same (see SyncConfig.covered_relayers)
        if (
            reason == Reason.RELAY
            and sender is not None
            and not keep
            and rec.record_id not in outbox
            and self._pruned((sender,), alert, now)
        ):
            share = cfg.covered_relayers / max(ctx.neighbour_count(now), 1)
            chance = min(share, cfg.missed_gain * self._missed)
            if self._table.others_reach_further((sender,), ctx.node_id, now):
                chance = 0.0
            if ctx.rng.random() >= chance:
                ctx.stats.relays_pruned += 1
                self._owe(rec, now)
                return
            kept = True
        if due is None and reason == Reason.PUSH:
            due = now
        elif due is None and reason == Reason.RELAY and kept:
            # Only about covered_relayers neighbours contend for this one: a short window,
            # so that it goes before the neighbourhood's digests make the nodes that
            # missed the push ask for it.
            due = now + ctx.rng.uniform(0.0, cfg.relay_slot * max(cfg.covered_relayers, 2.0))
        elif due is None and reason == Reason.RELAY:
            due = now + ctx.contend(cfg.alert_relay_slot if alert else cfg.relay_slot, now)
        elif due is None:
            due = now + ctx.contend(cfg.answer_slot, now)
        if outbox.add(rec, reason, due, ctx.rank(rec), alert) and reason == Reason.RELAY:
            self._forget(rec.record_id)
            item = outbox.get(rec.record_id)
            if item is not None:
                # The copy that brought it (for one owed: any copy heard means the neighbour
                # that lacked it has it now, or soon will from whoever sent that copy).
                item.heard = 1
                item.prunable = not (kept or keep)
                if sender is not None:
                    item.heard_from.add(sender)

    def heard(self, rid: RecordId, sender: int, now: float) -> None:
        """A copy of ``rid`` went on air from ``sender``: neighbours have it, ours need not
        go."""
        ctx = self._ctx
        item = ctx.outbox.heard(rid)
        if item is None:
            return
        cfg = ctx.config
        if item.reason == Reason.ANSWER:
            ctx.outbox.cancel(rid)
            ctx.stats.answers_suppressed += 1
        elif item.reason == Reason.RELAY and item.heard >= (
            cfg.alert_relay_suppress if item.alert else cfg.relay_suppress
        ):
            ctx.outbox.cancel(rid)
            ctx.stats.relays_suppressed += 1
        elif item.reason == Reason.RELAY and item.prunable:
            item.heard_from.add(sender)
            if self._pruned(item.heard_from, item.alert, now):
                ctx.outbox.cancel(rid)
                ctx.stats.relays_pruned += 1
                self._owe(item.record, now)

    # ----------------------------------------------------------------- owed relays

    def _owe(self, rec: SignedRecord, now: float) -> None:
        rid = rec.record_id
        if rid in self._owed:
            return
        self._owed[rid] = (rec, now + self._ctx.config.owed_relay_window)
        self._owed_origins[rid.origin] = self._owed_origins.get(rid.origin, 0) + 1
        while len(self._owed) > MAX_OWED:
            self._forget(next(iter(self._owed)))

    def _forget(self, rid: RecordId) -> None:
        if self._owed.pop(rid, None) is None:
            return
        left = self._owed_origins[rid.origin] - 1
        if left:
            self._owed_origins[rid.origin] = left
        else:
            del self._owed_origins[rid.origin]

    def make_good(self, origin: int, first: int, last: int | None, now: float) -> None:
        """A neighbour lacks seqs ``first..last`` of ``origin`` (it asked for them, or its
        digest shows it behind): relays of them we skipped by pruning go after all, as
        pushes that nothing prunes, so they spread on from there."""
        owed = self._owed
        while owed:
            rid = next(iter(owed))
            if owed[rid][1] > now:
                break
            self._forget(rid)
        if origin not in self._owed_origins:
            return
        for rid in [r for r in owed if r.origin == origin]:
            if rid.seq >= first and (last is None or rid.seq <= last):
                rec = owed[rid][0]
                self._forget(rid)
                if self._ctx.holdings.get(rid) is rec:
                    self._ctx.stats.relays_made_good += 1
                    self.queue(rec, Reason.RELAY, now, keep=True)

    def _pruned(self, senders: Iterable[int], alert: bool, now: float) -> bool:
        """Whether a relay would reach no neighbour of ours that the copies heard from
        ``senders`` did not (self-pruning, see neighbours.py). Alerts keep their relays:
        they have minutes to arrive. Nor does a node prune before it has listened for a
        neighbour memory: a neighbour it has not heard yet would count as covered."""
        cfg = self._ctx.config
        if alert or not cfg.relay_pruning or now < self._ctx.started_at + cfg.neighbour_memory:
            return False
        return self._table.uncovered(senders, self._ctx.node_id, now) == 0
