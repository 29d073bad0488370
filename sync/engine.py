"""The sync engine: spreads signed records over a lossy broadcast link within an airtime budget.

One state machine per node, pure: frames and ``now`` in, frames and events out (see
sync/api.py). What it does, after DESIGN.md section 4:

* every record is numbered by its origin, so a node's holdings are a version vector
  (holdings.py, vector.py); a seq pruned after expiry, or reported pruned by a neighbour
  (GONE), still counts as held and is never asked for again;
* a record created here is pushed at once; a record new to us that arrived in a PUSH is
  relayed after a random delay unless neighbours were heard relaying it, or the copies
  heard reached every neighbour we know of, by the neighbour lists that digests carry
  (neighbours.py);
* digests (a 4-byte hash of the vector, its size, and some origins' highest seqs) are
  timed by Trickle: an idle, consistent neighbourhood sends about one short frame an hour;
  a new record is announced by one digest from its creator and from a few of the nodes
  that heard it, within a minute, and then the long interval goes on;
* a node that learns it lacks records (wants.py) broadcasts a request for the ranges,
  naming the neighbours that should answer, each a share of the records, one frame each
  in turn; the others stay quiet, so answers neither repeat nor collide, and one
  broadcast answer repairs every neighbour that missed the same records;
* a digest that shows its sender behind is answered unasked by a couple of neighbours,
  unless the sender is catching up a whole store;
* while a neighbour is far behind (a healed partition), records we get by repair are
  passed on as pushes, so they spread like new ones instead of by requests at every hop;
* random delays are contention windows sized to the neighbourhood, so the first of n
  candidates fires within about one frame's time and the others hear it in theirs;
* records are verified with the origin's key before being accepted or relayed;
* every frame is charged its LoRa airtime against a rolling-hour budget, with shares
  reserved for alerts and kept from answers to neighbours catching up.

Clock rules: ``now`` is the driver's monotonic seconds and drives timers only. Wall time
(on-air minutes) is used only to prune expired records, and only when the driver passes it
to ``prune``; ordering and merging never look at time.
"""

from __future__ import annotations

import random
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass

from meshaid.protocol import fragment, frames
from meshaid.protocol.airtime import airtime_seconds
from meshaid.protocol.errors import DecodeError, UsageError
from meshaid.protocol.frames import (
    DigestEntry,
    DigestFrame,
    FragmentFrame,
    FrameType,
    GoneFrame,
    RecordsFrame,
    RequestFrame,
    SeqRange,
)
from meshaid.protocol.record import RecordId, SignedRecord
from meshaid.sync.api import Event, FrameDropped, KeyLookup, Outgoing, PeerSeen, RecordsAccepted
from meshaid.sync.budget import AirtimeBudget, Share
from meshaid.sync.config import Span, SyncConfig
from meshaid.sync.holdings import Holdings
from meshaid.sync.neighbours import NeighbourTable
from meshaid.sync.outbox import Item, Outbox, Reason
from meshaid.sync.priority import Rank, is_alert, send_rank
from meshaid.sync.stats import SyncStats
from meshaid.sync.trickle import Trickle
from meshaid.sync.verify import VerifyCache
from meshaid.sync.wants import Wants

# A request with this many ranges comes from a node catching up: it names more answerers.
MANY_RANGES = 4
# Queued records looked at to fill a frame after the first.
FILL_LOOKAHEAD = 8
# Airtime of a full frame: what an answer is assumed to need when deciding to take it on.
FULL_FRAME_AIRTIME = airtime_seconds(frames.MAX_FRAME_BYTES)
# Weight of each new record in the moving share of records that came by repair.
MISSED_WEIGHT = 0.05
# A frame ready to go: payload, airtime, type name for the stats.
_Planned = tuple[bytes, float, str]


class SyncEngine:
    """A node's gossip state machine. See the module docstring and sync/api.py."""

    def __init__(
        self,
        keys: KeyLookup,
        rng: random.Random,
        config: SyncConfig | None = None,
        *,
        airtime: Callable[[int], float] | None = None,
        verify_cache: VerifyCache | None = None,
        node_id: int | None = None,
    ) -> None:
        self.config = config or SyncConfig()
        cfg = self.config
        # This node's radio id, to recognise requests that name it as an answerer; without
        # it the node answers every request it can.
        self.node_id = node_id
        self._keys = keys
        self._rng = rng
        preset = cfg.preset
        self._airtime = airtime or (lambda size: airtime_seconds(size, preset))
        self._cache = verify_cache or VerifyCache(cfg.verify_cache_entries)
        self.stats = SyncStats()
        self._reassembler = fragment.Reassembler(
            max_messages=cfg.reassembly_max_messages,
            max_bytes=cfg.reassembly_max_bytes,
            max_message_bytes=min(cfg.reassembly_max_bytes, 255 * (cfg.mtu - 1)),
            timeout=cfg.reassembly_timeout,
        )
        self.stats.reassembly = self._reassembler.stats
        self._budget = AirtimeBudget(cfg.budget_seconds, cfg.alert_reserve, cfg.bulk_share)
        self._trickle = Trickle(cfg.trickle_imin, cfg.trickle_imax, cfg.trickle_k, rng)
        self._outbox = Outbox()
        self._events: list[Event] = []

        self._holdings = Holdings(cfg.prune_margin_minutes)
        self._vector = self._holdings.vector
        self._wants = Wants(self._vector, cfg.request_retry, cfg.trickle_imax)
        self._request_due: float | None = None
        self._complete_due: float | None = None
        self._last_complete = float("-inf")
        # Our last request that named answerers for a catch-up (a whole vector or many
        # gaps), and when its answerers will have had all their turns.
        self._last_bulk = float("-inf")
        self._bulk_until = float("-inf")

        # What we owe others.
        self._gone_out: dict[int, set[int]] = {}
        self._gone_due: float | None = None
        self._answer_not_before = float("-inf")
        self._planned: deque[_Planned] = deque()  # fragments of one message, in order
        self._msg_id = rng.randrange(fragment.MSG_ID_MODULUS)

        # Digest contents.
        self._digest_pending = False
        self._recent: OrderedDict[int, float] = OrderedDict()  # origin -> last change
        self._window_until = float("-inf")
        self._rotation = 0

        # Neighbours whose digests we heard: sender -> (when, their total), to pick answerers.
        self._sources: dict[int, tuple[float, int]] = {}
        # Neighbours whose last digest showed them far behind us: sender -> when heard.
        self._behind: dict[int, float] = {}
        self._complete_attempts = 0
        self._last_answered = float("-inf")  # a new record last came in an ANSWER frame
        self._mismatch_reset_at = float("-inf")
        # Neighbours heard lately, for the contention windows: sender -> last heard.
        self._neighbours: dict[int, float] = {}
        self._neighbours_counted_at = float("-inf")
        # Who hears whom, for relay pruning; our list as last advertised, and when.
        self._table = NeighbourTable(cfg.neighbour_table_memory)
        self._advertised: tuple[int, ...] | None = None
        self._advertised_at = float("-inf")
        self._missed = 0.0  # share of new records that came by repair (moving average)
        self._pushed_at = float("-inf")  # a record was last pushed here or heard pushed

        self._now = float("-inf")
        self._blocked_until: float | None = None
        self._started = False
        self._started_at = float("-inf")
        self._deadline: float | None = None
        self._deadline_known = False

    # ----------------------------------------------------------------- loading, reading

    def load(
        self,
        records: Iterable[SignedRecord],
        *,
        known: Mapping[int, Iterable[tuple[int, int]]] | None = None,
        first_seen: Mapping[RecordId, int] | None = None,
    ) -> None:
        """Take what the store holds, before the first frame: records, and seq runs
        ``known`` as held (pruned records, see ``known_runs``), with the wall minute
        each record was first seen, when the store kept it."""
        self._holdings.load(records, known, first_seen)
        self._deadline_known = False

    def known_runs(self) -> dict[int, list[tuple[int, int]]]:
        """Every origin's known seqs as (first, last) runs, for the store to keep."""
        return self._holdings.known_runs()

    def records(self) -> Iterator[SignedRecord]:
        return iter(self._holdings)

    def holds(self, rid: RecordId) -> bool:
        return self._holdings.get(rid) is not None

    def vector_hash(self) -> bytes:
        return self._vector.digest_hash()

    @property
    def known_total(self) -> int:
        return self._vector.total

    # ----------------------------------------------------------------- GossipProtocol

    def add_local(self, record: SignedRecord, now: float) -> None:
        self._advance(now)
        rid = record.record_id
        held = self._holdings.get(rid)
        if held is not None:
            if held.raw != record.raw:
                raise UsageError(f"seq {rid.seq} of origin {rid.origin:08x} is already used")
            return
        self._holdings.store(record, self._holdings.wall)
        self._pushed_at = now
        self._changed(rid.origin, now, is_alert(record.body))
        self._queue(record, Reason.PUSH, now)

    def receive(self, payload: bytes, sender: int, now: float) -> None:
        self._advance(now)
        try:
            frame = frames.decode(payload)
        except DecodeError:
            self._drop(sender, "malformed")
            return
        self._events.append(PeerSeen(sender, now))
        self._neighbours[sender] = now
        self._table.heard(sender, now)
        self._dispatch(frame, sender, now, nested=False)

    def poll_transmit(self, now: float) -> Outgoing | None:
        self._advance(now)
        planned = self._next_frame(now)
        if planned is None:
            return None
        payload, airtime, kind = planned
        self._budget.spend(now, airtime)
        self.stats.frames_sent[kind] += 1
        self.stats.bytes_sent[kind] += len(payload)
        self.stats.airtime_sent[kind] += airtime
        self._blocked_until = None
        return Outgoing(payload)

    def next_deadline(self) -> float | None:
        if not self._started:
            return 0.0  # not started yet: call handle_timer now, whatever the clock says
        # Drivers ask again and again between events; nothing changes in between (every
        # entry point that changes state goes through _advance, which clears this).
        if self._deadline_known:
            return self._deadline
        self._deadline = self._compute_deadline()
        self._deadline_known = True
        return self._deadline

    def _compute_deadline(self) -> float | None:
        now = self._now
        times = [
            t for t in (self._trickle.next_deadline(), self._outbox.next_due()) if t is not None
        ]
        timers = [
            t for t in (self._request_due, self._complete_due, self._gone_due) if t is not None
        ]
        times += [t for t in timers if t > now]
        ready = bool(self._planned) or self._digest_pending or any(t <= now for t in timers)
        top = self._outbox.peek()
        if top is not None:
            if self._paced(top, now):
                times.append(self._answer_not_before)
            else:
                ready = True
        if ready:
            blocked = self._blocked_until
            times.append(blocked if blocked is not None and blocked > now else now)
        return min(times) if times else None

    def handle_timer(self, now: float) -> None:
        self._advance(now)

    def drain_events(self) -> list[Event]:
        events, self._events = self._events, []
        return events

    # ----------------------------------------------------------------- pruning

    def prune(self, wall_minutes: int) -> list[RecordId]:
        """Forget records whose entry expired more than the margin ago; give the driver's
        wall clock in on-air minutes. Pruned seqs stay known: nobody is asked for them."""
        self._deadline_known = False
        pruned = [rec.record_id for rec in self._holdings.prune(wall_minutes)]
        for rid in pruned:
            self._outbox.cancel(rid)
        self.stats.records_pruned += len(pruned)
        return pruned

    # ----------------------------------------------------------------- storing

    def _changed(self, origin: int, now: float, alert: bool, news: bool = True) -> None:
        """New seqs of ``origin`` are known; ``news``: Trickle's "new data" event (RFC 6206
        rule 6). A new alert resets Trickle to Imin; other news is announced by one digest
        within ``trickle_reset``, after which the interval it interrupted goes on."""
        self._recent[origin] = now
        self._recent.move_to_end(origin)
        while len(self._recent) > max(self.config.digest_recent_entries, 1) * 4:
            self._recent.popitem(last=False)
        if news and alert:
            self._trickle.hear_inconsistent(now)
        elif news:
            self._trickle.announce(now, self.config.trickle_reset)

    def _announces(self, now: float) -> bool:
        """Whether this node is one of the few in its neighbourhood to announce a pushed
        record it received (see SyncConfig.news_announcers)."""
        chance = self.config.news_announcers / max(self._neighbour_count(now), 1)
        return self._rng.random() < chance

    def _rank(self, rec: SignedRecord) -> Rank:
        local = rec.body.zone_id in self.config.local_zones
        return send_rank(rec.body, self._holdings.is_newest(rec), local)

    def _queue(
        self,
        rec: SignedRecord,
        reason: Reason,
        now: float,
        due: float | None = None,
        sender: int | None = None,
    ) -> None:
        """Queue ``rec``; a relay of a copy heard from ``sender`` is pruned when every
        neighbour of ours heard that copy (see _pruned)."""
        alert = is_alert(rec.body)
        cfg = self.config
        kept = False  # covered, but relayed all the same (see SyncConfig.covered_relayers)
        if (
            reason == Reason.RELAY
            and sender is not None
            and rec.record_id not in self._outbox
            and self._pruned((sender,), alert, now)
        ):
            share = cfg.covered_relayers / max(self._neighbour_count(now), 1)
            chance = min(share, cfg.missed_gain * self._missed)
            if self._table.others_reach_further((sender,), self.node_id, now):
                chance = 0.0
            if self._rng.random() >= chance:
                self.stats.relays_pruned += 1
                return
            kept = True
        if due is None and reason == Reason.PUSH:
            due = now
        elif due is None and reason == Reason.RELAY and kept:
            # Only about covered_relayers neighbours contend for this one: a short window,
            # so that it goes before the neighbourhood's digests make the nodes that
            # missed the push ask for it.
            due = now + self._rng.uniform(0.0, cfg.relay_slot * max(cfg.covered_relayers, 2.0))
        elif due is None and reason == Reason.RELAY:
            due = now + self._contend(cfg.alert_relay_slot if alert else cfg.relay_slot, now)
        elif due is None:
            due = now + self._contend(cfg.answer_slot, now)
        if self._outbox.add(rec, reason, due, self._rank(rec), alert) and reason == Reason.RELAY:
            item = self._outbox.get(rec.record_id)
            if item is not None:
                item.heard = 1  # the copy that brought it
                item.prunable = not kept
                if sender is not None:
                    item.heard_from.add(sender)

    def _pruned(self, senders: Iterable[int], alert: bool, now: float) -> bool:
        """Whether a relay would reach no neighbour of ours that the copies heard from
        ``senders`` did not (self-pruning, see neighbours.py). Alerts keep their relays:
        they have minutes to arrive. Nor does a node prune before it has listened for a
        neighbour memory: a neighbour it has not heard yet would count as covered."""
        cfg = self.config
        if alert or not cfg.relay_pruning or now < self._started_at + cfg.neighbour_memory:
            return False
        return self._table.uncovered(senders, self.node_id, now) == 0

    def _draw(self, span: Span) -> float:
        return self._rng.uniform(span[0], span[1])

    def _contend(self, slot: float, now: float) -> float:
        """A delay in a contention window of one slot per neighbour (see SyncConfig)."""
        return self._rng.uniform(0.0, slot * max(self._neighbour_count(now), 2))

    def _neighbour_count(self, now: float) -> int:
        """Distinct senders heard within the neighbour memory (recounted once a minute)."""
        if now >= self._neighbours_counted_at + 60.0:
            horizon = now - self.config.neighbour_memory
            self._neighbours = {n: t for n, t in self._neighbours.items() if t >= horizon}
            self._neighbours_counted_at = now
        return len(self._neighbours)

    # ----------------------------------------------------------------- receiving

    def _drop(self, sender: int, reason: str) -> None:
        self.stats.dropped[reason] += 1
        self._events.append(FrameDropped(sender, reason))

    def _dispatch(self, frame: frames.Frame, sender: int, now: float, nested: bool) -> None:
        if isinstance(frame, RecordsFrame):
            self.stats.frames_received["push" if frame.relay else "answer"] += 1
            self._on_records(frame, sender, now)
        elif isinstance(frame, DigestFrame):
            self.stats.frames_received["digest"] += 1
            self._on_digest(frame, sender, now)
        elif isinstance(frame, RequestFrame):
            self.stats.frames_received["request"] += 1
            self._on_request(frame, now)
        elif isinstance(frame, GoneFrame):
            self.stats.frames_received["gone"] += 1
            self._on_gone(frame, now)
        else:
            self.stats.frames_received["fragment"] += 1
            if nested:
                self._drop(sender, "nested_fragment")
                return
            self._on_fragment(frame, sender, now)

    def _on_fragment(self, frame: FragmentFrame, sender: int, now: float) -> None:
        payload = self._reassembler.add(sender, frame.fragment, now)
        if payload is None:
            return
        try:
            inner = frames.decode(payload)
        except DecodeError:
            self._drop(sender, "malformed")
            return
        self._dispatch(inner, sender, now, nested=True)

    def _on_records(self, frame: RecordsFrame, sender: int, now: float) -> None:
        if frame.relay:
            self._pushed_at = now
        accepted: list[SignedRecord] = []
        for raw in frame.records:
            rid = self._holdings.id_of(raw)
            if rid is not None:
                self._heard(rid, sender, now)
                self.stats.records_duplicate += 1
                continue
            try:
                rec = self._cache.decode(raw)
            except DecodeError:
                self._drop(sender, "bad_record")
                continue
            taken = self._take(rec, sender, now, relay=frame.relay)
            if taken is not None:
                accepted.append(taken)
        if accepted:
            self._events.append(RecordsAccepted(tuple(accepted)))

    def _heard(self, rid: RecordId, sender: int, now: float) -> None:
        """A copy of ``rid`` went on air from ``sender``: neighbours have it, ours need not
        go."""
        item = self._outbox.heard(rid)
        if item is None:
            return
        if item.reason == Reason.ANSWER:
            self._outbox.cancel(rid)
            self.stats.answers_suppressed += 1
        elif item.reason == Reason.RELAY and item.heard >= (
            self.config.alert_relay_suppress if item.alert else self.config.relay_suppress
        ):
            self._outbox.cancel(rid)
            self.stats.relays_suppressed += 1
        elif item.reason == Reason.RELAY and item.prunable:
            item.heard_from.add(sender)
            if self._pruned(item.heard_from, item.alert, now):
                self._outbox.cancel(rid)
                self.stats.relays_pruned += 1

    def _take(self, rec: SignedRecord, sender: int, now: float, relay: bool) -> SignedRecord | None:
        """Judge one record from the air; returns it when it is to be announced."""
        rid = rec.record_id
        self._heard(rid, sender, now)
        holdings = self._holdings
        held = holdings.get(rid)
        if held is not None and held.raw == rec.raw:
            self.stats.records_duplicate += 1
            return None
        # Known but not held: pruned here, or reported pruned by a neighbour. Take it back
        # only if our clock says it has not expired (a neighbour's report may have been
        # wrong); with no clock, leave it pruned.
        if (
            held is None
            and self._vector.knows(rid.origin, rid.seq)
            and (holdings.wall is None or holdings.expired(rec))
        ):
            self.stats.records_expired += 1
            return None
        if held is not None and holdings.is_evidence(rec):
            self.stats.records_duplicate += 1
            self._counter_equivocation(held, rec, now)
            return None
        key = self._keys(rid.origin)
        if key is None:
            self._drop(sender, "unknown_origin")
            return None
        if not self._cache.verify(rec, key):
            self._drop(sender, "bad_signature")
            return None
        if held is not None:
            # Same (origin, seq), other bytes: the origin signed two records (a node
            # reinstalled with its old key reuses seqs). Announce it so the store keeps
            # the evidence. Every node holds the one with the lower digest, the store's
            # rule, so the boards agree: take it and pass it on if it is this one, else
            # answer with ours, so the neighbours that sent the other learn which counts.
            self.stats.equivocations += 1
            if rec.digest < held.digest:
                self._outbox.cancel(rid)
                holdings.replace(rec)
                self._queue(rec, Reason.RELAY, now)
            else:
                holdings.add_evidence(rec)
                self._counter_equivocation(held, rec, now)
            return rec
        expired = holdings.expired(rec)
        if expired:
            # Counted as held, so nobody asks for it again; not kept.
            new_seq = self._vector.add(rid.origin, rid.seq)
            self.stats.records_expired += 1
        else:
            new_seq = holdings.store(rec, holdings.wall)
            self.stats.records_accepted += 1
            if not relay:
                self._last_answered = now
            # How often a new record reaches us by repair rather than by a push: about how
            # often a neighbour of a sender misses its push (see _queue's covered relays).
            self._missed += MISSED_WEIGHT * ((0.0 if relay else 1.0) - self._missed)
        self._note_exists(rid.origin, rid.seq, now)
        self._progressed(rid.origin, now, answered=not relay)
        if expired:
            return None
        if new_seq:
            # A pushed record is news the neighbourhood may have missed: a few of the nodes
            # that heard it announce it with a digest soon (all of them, for an alert). A
            # repair is not: we asked for it and neighbours heard the same answer; counting
            # repairs as news kept every digest interval at its shortest through a long
            # catch-up, and the digests ate the budget the answers needed (simulator).
            alert = is_alert(rec.body)
            self._changed(rid.origin, now, alert, news=relay and (alert or self._announces(now)))
            # A repair we did not ask for answered a neighbour that lacked what we lacked:
            # after a partition, the nodes beyond us lack it too, so it spreads like a
            # push (one relay per cluster) rather than by a request at every hop. So does
            # one we asked for while some neighbour is far behind us: after a partition
            # every node has asked, and hop-by-hop requests took more than 12 hours to
            # carry the other side's records across the simulator's mesh. What a node
            # catching up alone asked for (its neighbours all ahead) goes no further.
            if relay or self._wants.attempts(rid.origin) == 0 or self._neighbour_behind(now):
                self._queue(rec, Reason.RELAY, now, sender=sender)
        return rec

    def _counter_equivocation(self, held: SignedRecord, heard: SignedRecord, now: float) -> None:
        """``heard`` lost to ``held`` (lower digest) for its seq, yet a neighbour sent it:
        answer with ``held`` so the neighbourhood replaces it."""
        if held.digest < heard.digest:
            self._queue(held, Reason.ANSWER, now)

    def _neighbour_behind(self, now: float) -> bool:
        horizon = now - self.config.neighbour_memory
        return any(heard >= horizon for heard in self._behind.values())

    def _progressed(self, origin: int, now: float, answered: bool = True) -> None:
        if self._wants.progressed(origin, now, answered):
            self._request_soon(now)

    def _note_exists(self, origin: int, seq: int, now: float) -> None:
        """A neighbour holds ``seq`` of ``origin``: we want it too, unless we know it."""
        if self._keys(origin) is not None and self._wants.exists(origin, seq):
            self._request_soon(now)

    def _request_soon(self, now: float) -> None:
        soon = now + self._draw(self.config.request_delay)
        if self._request_due is None or self._request_due > soon:
            self._request_due = soon

    def _on_digest(self, frame: DigestFrame, sender: int, now: float) -> None:
        if frame.neighbours is not None:
            self._table.learn(sender, frame.neighbours)
        self._sources[sender] = (now, frame.total)
        if frame.total + self.config.flood_behind <= self._vector.total:
            self._behind[sender] = now
        else:
            self._behind.pop(sender, None)
        if frame.vector_hash == self._vector.digest_hash():
            self._trickle.hear_consistent()
            return
        explained = 0
        behind = 0  # seqs the sender lacks, on the origins it listed
        # Everything one frame makes us answer becomes ready at once, so it leaves in
        # priority order.
        due = now + self._contend(self.config.answer_slot, now)
        # Unasked, only a few of the neighbours answer (hidden from one another, all of
        # them would collide); the sender's own request covers the rest.
        chance = self.config.unasked_answerers / max(self._neighbour_count(now), 1)
        # Nor to a node holding less than half of what we hold: it is catching up a whole
        # store and its requests name who answers, in turns; unasked answers collided with
        # those turns (a wiped node's neighbours queued 770 records unasked in the simulator).
        answering = 2 * frame.total >= self._vector.total and self._rng.random() < chance
        for origin, seq in frame.entries:
            if self._keys(origin) is None:
                continue
            ours = self._vector.highest(origin)
            behind += max(ours - seq, 0)
            if seq > ours:
                self._note_exists(origin, seq, now)
                explained += seq - ours
            elif seq < ours and answering:
                # The sender is behind on this origin: answer now, no request needed.
                # A few records only: this is for a missed push, not a catch-up (that one
                # the sender asks for, naming who answers).
                last = seq + self.config.unasked_records
                self._answer(origin, seq + 1, last, now, due)
        if frame.total - explained > self._vector.total:
            # The sender holds more than the listed origins explain: ask with our whole vector.
            self._schedule_complete(now)
        if (explained or behind) and frame.total - explained + behind == self._vector.total:
            # The listed origins show the whole difference (a missed push, most often): a
            # request or an answer repairs it, and more digests would only repeat it. A
            # node far behind (wiped, or back after days) still makes its neighbours'
            # digests come sooner, to learn whom to ask.
            return
        if now >= self._mismatch_reset_at + self.config.mismatch_hold:
            # One reset per hold time: once a difference is found, requests repair it; more
            # digests would only repeat it (a long catch-up otherwise kept every node's
            # digests at the shortest interval).
            self._trickle.hear_inconsistent(now, self.config.trickle_reset)
            self._mismatch_reset_at = now
        # Our next digests list a rotating window of origins, so the difference is found.
        self._window_until = now + 2 * self.config.trickle_reset

    def _schedule_complete(self, now: float) -> None:
        if (
            self._complete_due is None
            and now >= self._last_complete + self.config.complete_retry
            and not self._bulk_in_progress(now)
        ):
            self._complete_due = now + self._draw(self.config.request_delay)

    def _bulk_quiet_at(self) -> float:
        """When answers to our last catch-up request (a whole vector, or many gaps with
        named answerers) count as finished: that long after the request or the last new
        record answered since (-inf: no such request). Pushes do not count: new posts keep
        coming whether or not anyone answers, and holding gap requests back for them
        delayed repairs (simulator)."""
        if self._last_bulk == float("-inf"):
            return float("-inf")
        quiet = max(self._last_answered, self._last_bulk) + self.config.bulk_idle
        # Answers to others' requests and unasked ones count as answered too: bounded by
        # the turns of our answerers, or they could hold our requests back for an hour
        # (a wiped node in the simulator asked 8 times in its first 5 hours back).
        return min(quiet, self._bulk_until)

    def _bulk_started(self, now: float, answerers: int, records: int | None = None) -> None:
        """A catch-up request went out, naming ``answerers``, for about ``records``
        records (None: a whole vector, as many as they will send)."""
        cfg = self.config
        count = max(answerers, 1)
        turns = cfg.answer_limit
        if records is not None:
            turns = min(turns, -(-records // count))
        self._last_bulk = now
        # Two spare turns each: answers are held back by a busy channel or budget.
        self._bulk_until = now + (turns + 2) * self._turn_stride(count)

    def _bulk_in_progress(self, now: float) -> bool:
        """Answers to our last catch-up request are still coming in: asking again now
        would only make neighbours send what is already on its way, and their answers
        would collide with the turns the named answerers take."""
        return now < self._bulk_quiet_at()

    def _on_request(self, frame: RequestFrame, now: float) -> None:
        listed: set[int] = set()
        for rng in frame.ranges:
            listed.add(rng.origin)
            if self._wants.overheard(rng.origin, rng.first, now):
                self.stats.requests_suppressed += 1
        if frame.complete:
            self._wants.covered(self._wants.wanting - listed, now)
            if self._complete_due is not None:
                self._complete_due = None
                self._last_complete = now
                self.stats.requests_suppressed += 1
        share: tuple[int, int] | None = None
        if frame.answerers and self.node_id is not None:
            if self.node_id not in frame.answerers:
                return  # others were asked
            share = (frame.answerers.index(self.node_id), len(frame.answerers))
            # Named: each answerer has its turn, see _answer_turns.
            due = now + share[0] * self.config.answer_turn
        else:
            due = now + self._contend(self.config.answer_slot, now)
        if self._budget.available_at(now, FULL_FRAME_AIRTIME, Share.BULK) > due + (
            self.config.answer_ttl / 2
        ):
            # Our share for answers is spent for a while: promising records we could not
            # send soon would only hold up the requester, whose retry names others.
            self.stats.requests_declined += 1
            return
        found: list[SignedRecord] = []
        gone = False
        for rng in frame.ranges:
            gone |= self._answer(rng.origin, rng.first, rng.last, now, due, share, found)
        if frame.complete:
            for origin in self._holdings.origins():
                if origin not in listed:
                    gone |= self._answer(origin, 1, None, now, due, share, found)
        # The most useful first, and no more than one exchange's worth: the requester asks
        # again for the rest, so no neighbour builds a backlog it would send for hours.
        found.sort(key=self._rank)
        found = found[: self.config.answer_limit]
        if share is None:
            for rec in found:
                self._queue(rec, Reason.ANSWER, now, due)
        else:
            for rec, turn in zip(found, self._answer_turns(now, share), strict=False):
                self._queue(rec, Reason.ANSWER, now, turn)
        if found or gone:
            self.stats.requests_answered += 1

    def _answer_turns(self, now: float, share: tuple[int, int]) -> Iterator[float]:
        """When each of our records answering a request that named ``share[1]`` answerers
        goes: the answerers take turns in the order the request named them, one frame each
        per turn, so their answers follow one another at the requester instead of
        colliding there (the answerers of a node catching up are often hidden from one
        another, and listen-before-talk cannot keep them apart)."""
        index, count = share
        stride = self._turn_stride(count)
        first = now + index * self.config.answer_turn
        step = 0
        while True:
            yield first + step * stride
            step += 1

    def _turn_stride(self, answerers: int) -> float:
        """Time between an answerer's turns when ``answerers`` take turns. Our own answer
        frames are paced by answer_gap too: a round must leave room for it."""
        cfg = self.config
        return max(answerers * cfg.answer_turn, cfg.answer_gap[1] + FULL_FRAME_AIRTIME)

    def _answer(
        self,
        origin: int,
        first: int,
        last: int | None,
        now: float,
        due: float,
        share: tuple[int, int] | None = None,
        found: list[SignedRecord] | None = None,
    ) -> bool:
        """Queue (or add to ``found``) what we hold of ``origin`` in first..last, and report
        what we pruned; with ``share`` (index, answerers), only the records that fall to us.
        True when some of it was pruned (and goes in a GONE frame)."""
        seqs = self._vector.seqs(origin)
        if seqs is None:
            return False
        top = seqs.highest if last is None else min(last, seqs.highest)
        if top < first:
            return False
        by_seq = self._holdings.of_origin(origin)
        for seq, rec in by_seq.items():
            if first <= seq <= top and _mine(origin, seq, share):
                if found is None:
                    self._queue(rec, Reason.ANSWER, now, due)
                else:
                    found.append(rec)
        gone: set[int] | None = None
        for run_first, run_last in seqs.known_runs():
            for seq in range(max(run_first, first), min(run_last, top) + 1):
                if seq not in by_seq and _mine(origin, seq, share):
                    if gone is None:
                        gone = self._gone_out.setdefault(origin, set())
                    gone.add(seq)
        if gone and self._gone_due is None:
            self._gone_due = due
        return bool(gone)

    def _on_gone(self, frame: GoneFrame, now: float) -> None:
        for rng in frame.ranges:
            origin = rng.origin
            last = rng.first + rng.length - 1
            ours = self._gone_out.get(origin)
            if ours:
                # A neighbour reported these already: our report would repeat it.
                ours.difference_update([s for s in ours if rng.first <= s <= last])
                if not ours:
                    del self._gone_out[origin]
            if self._keys(origin) is None:
                continue
            # Only seqs we know exist are marked: a forged GONE cannot inflate the vector.
            known_to_exist = self._wants.highest_existing(origin)
            added = self._vector.add_range(origin, rng.first, min(last, known_to_exist))
            if added:
                self.stats.gone_learned += added
                self._progressed(origin, now)

    # ----------------------------------------------------------------- timers

    def _advance(self, now: float) -> None:
        self._deadline_known = False
        if now > self._now:
            self._now = now
        if not self._started:
            self._started = True
            self._started_at = now
            if self._vector.total == 0:
                # A new or wiped node speaks up at once (Imin), so that neighbours answer
                # with their digests and it can ask them for everything.
                self._trickle.start(now)
                self._schedule_complete(now)
            else:
                self._trickle.start(now, self.config.trickle_reset)
        if self._trickle.advance(now):
            self._digest_pending = True
        self._outbox.promote(now)
        self._reassembler.expire(now)

    def _anything_due(self, now: float) -> bool:
        """A cheap test before building frames: most polls find nothing to send."""
        return (
            self._digest_pending
            or self._outbox.peek() is not None
            or any(t is not None and t <= now
                   for t in (self._request_due, self._complete_due, self._gone_due))
        )

    def _paced(self, item: Item, now: float) -> bool:
        return item.reason == Reason.ANSWER and not item.alert and now < self._answer_not_before

    # ----------------------------------------------------------------- sending

    def _next_frame(self, now: float) -> tuple[bytes, float, str] | None:
        """The most urgent frame that is due and fits the budget, if any."""
        if self._planned:
            return self._planned.popleft()
        if not self._anything_due(now):
            return None
        builders: tuple[Callable[[float], _Plan | None], ...] = (
            self._build_alerts,
            self._build_request,
            self._build_complete_request,
            self._build_records,
            self._build_gone,
            self._build_digest,
        )
        blocked: float | None = None
        for build in builders:
            plan = build(now)
            if plan is None:
                continue
            airtime = plan.airtime
            if not self._budget.allows(now, airtime, plan.share):
                free = self._budget.available_at(now, airtime, plan.share)
                blocked = free if blocked is None else min(blocked, free)
                self.stats.budget_blocked += 1
                plan.cancel()
                if plan.share == Share.BULK:
                    continue  # bulk has the smallest cap: an ordinary frame may still fit
                # Otherwise strict order: a frame that does not fit holds back those after
                # it, so a big frame is not starved by small ones; alerts have the largest
                # cap, so when one does not fit nothing else would.
                break
            plan.commit()
            if len(plan.frames) > 1:
                self._msg_id = (self._msg_id + 1) % fragment.MSG_ID_MODULUS
            self._planned.extend(plan.frames[1:])
            return plan.frames[0]
        self._blocked_until = blocked
        return None

    def _plan(
        self,
        payload: bytes,
        kind: str,
        commit: Callable[[], None],
        *,
        share: Share = Share.ORDINARY,
        cancel: Callable[[], None] | None = None,
    ) -> _Plan:
        """One frame, or the fragments of a payload longer than the MTU."""
        mtu = self.config.mtu
        if len(payload) <= mtu:
            planned = [(payload, self._airtime(len(payload)), kind)]
        else:
            head = bytes([frames.header(FrameType.FRAGMENT)])
            parts = fragment.split(payload, self._msg_id, mtu - 1)
            planned = [(head + part, self._airtime(len(part) + 1), "fragment") for part in parts]
        return _Plan(planned, share, commit, cancel or _nothing)

    def _build_alerts(self, now: float) -> _Plan | None:
        return self._build_records(now, alerts_only=True)

    def _build_records(self, now: float, alerts_only: bool = False) -> _Plan | None:
        top = self._outbox.peek()
        ttl = self.config.answer_ttl
        while top is not None and top.reason == Reason.ANSWER and top.due + ttl < now:
            # Waited too long (our budget was spent): the requester has asked others by now.
            self._outbox.pop()
            self.stats.answers_expired += 1
            top = self._outbox.peek()
        if top is None or (alerts_only and not top.alert) or self._paced(top, now):
            return None
        first = self._outbox.pop()
        assert first is not None
        items = [first]
        mtu = self.config.mtu
        size = 1 + frames.record_item_size(len(first.record.raw))
        if size <= mtu:
            set_aside: list[Item] = []
            for _ in range(FILL_LOOKAHEAD):
                if len(items) >= self.config.max_batch_records:
                    break
                nxt = self._outbox.pop()
                if nxt is None:
                    break
                extra = frames.record_item_size(len(nxt.record.raw))
                fits = size + extra <= mtu and nxt.relay == first.relay
                if fits and (nxt.alert or not first.alert) and not self._paced(nxt, now):
                    items.append(nxt)
                    size += extra
                else:
                    set_aside.append(nxt)
            for item in set_aside:
                self._outbox.restore(item)

        def commit() -> None:
            for item in items:
                self.stats.records_sent[item.reason.name.lower()] += 1
            if not first.relay and not first.alert:
                gap = self._draw(self.config.answer_gap)
                self._answer_not_before = now + gap + plan.airtime

        def cancel() -> None:
            for item in items:
                self._outbox.restore(item)

        payload = frames.encode(RecordsFrame(tuple(i.record.raw for i in items), first.relay))
        kind = "push" if first.relay else "answer"
        share = Share.ALERT if first.alert else Share.ORDINARY if first.relay else Share.BULK
        plan = self._plan(payload, kind, commit, share=share, cancel=cancel)
        return plan

    def _build_request(self, now: float) -> _Plan | None:
        if self._request_due is None or self._request_due > now:
            return None
        if self._bulk_in_progress(now):
            # Gaps are asked for once the bulk answers stop coming (computed as in the
            # test above, so the timer always lands after now).
            self._request_due = self._bulk_quiet_at()
            return None
        ranges: list[SeqRange] = []
        asked: list[int] = []
        # Room for the answerers' ids, should the request name them: without it a request
        # for many gaps went out in two fragments (lost whole when one of them is).
        size = 3 + frames.ORIGIN_BYTES * self.config.complete_answerers
        seqs = 0  # about how many records we ask for
        later: float | None = None
        for origin in sorted(self._wants.wanting):
            runs = self._wants.ranges(origin)
            if not runs:
                continue
            eligible = self._wants.eligible_at(origin)
            if eligible > now:
                later = eligible if later is None else min(later, eligible)
                continue
            need = sum(frames.range_size(r) for r in runs)
            if size + need > self.config.mtu:
                # One request in flight: the rest waits for the answers to this one.
                later = now + self.config.request_retry
                break
            ranges += runs
            size += need
            asked.append(origin)
            through = self._wants.highest_existing(origin)
            seqs += sum(r.length or max(through - r.first + 1, 1) for r in runs)
        if not ranges:
            self._request_due = later
            return None

        def commit() -> None:
            self._wants.asked(asked, now)
            # Look again when the first of these would be asked for again.
            retry = min(now + self._wants.retry(origin) for origin in asked)
            self._request_due = retry if later is None else min(later, retry)
            self.stats.requests_sent += 1
            if many and answerers:
                self._bulk_started(now, len(answerers), seqs)

        # A retry asks other neighbours than the attempt before.
        attempt = max(self._wants.attempts(origin) for origin in asked)
        # Many gaps (a node catching up) are shared out among more neighbours.
        many = len(ranges) >= MANY_RANGES
        count = self.config.complete_answerers if many else self.config.request_answerers
        answerers = self._answerers(now, attempt, count)
        frame = RequestFrame(tuple(ranges), answerers=answerers)
        return self._plan(frames.encode(frame), "request", commit)

    def _answerers(self, now: float, attempt: int, want: int) -> tuple[int, ...]:
        """Neighbours to name in a request: those whose digests showed more records than
        we hold, the most first. Each attempt names a different few, in a rotated order, so
        a record whose share fell to a node without it falls to another on the retry. None
        ahead of us (or naming turned off): anyone may answer."""
        horizon = now - self.config.source_memory
        ours = self._vector.total
        ranked = sorted(
            (
                s
                for s, (heard, total) in self._sources.items()
                if heard >= horizon and total > ours and 0 < s <= frames.U32_MAX
            ),
            key=lambda s: (-self._sources[s][1], -self._sources[s][0], s),
        )
        if not want or not ranked:
            return ()
        count = min(want, len(ranked))
        start = (attempt * count) % len(ranked)
        chosen = (ranked + ranked)[start : start + count]
        turn = attempt % count
        return tuple(chosen[turn:] + chosen[:turn])

    def _build_complete_request(self, now: float) -> _Plan | None:
        if self._complete_due is None or self._complete_due > now:
            return None
        want = self.config.complete_answerers
        answerers = self._answerers(now, self._complete_attempts, want)
        settling = now < self._started_at + 2 * self.config.trickle_reset
        if want and (not answerers or (len(answerers) < want and settling)):
            # Nobody to name yet, or just started and neighbours' digests still coming in:
            # asking everyone for everything would make every neighbour send the whole
            # store, asking one alone would be slow. Digests heard bring this back.
            self._complete_due = None
            return None
        ranges = self._vector_ranges(exact=True)
        frame = RequestFrame(tuple(ranges), complete=True, answerers=answerers)
        if len(frames.encode(frame)) > self.config.mtu:
            # One frame or nothing: a request in many fragments is lost whole when one of
            # them is. Gaps folded into "from the first missing" (answerers may repeat a
            # few records); still too long, and plain gap requests do the work.
            ranges = self._vector_ranges(exact=False)
            frame = RequestFrame(tuple(ranges), complete=True, answerers=answerers)
            if len(frames.encode(frame)) > self.config.mtu:
                self._complete_due = None
                self._last_complete = now
                return None

        def commit() -> None:
            self._complete_due = None
            self._last_complete = now
            self._bulk_started(now, len(answerers))
            self._complete_attempts += 1
            self._wants.covered(self._wants.wanting, now)
            self.stats.requests_sent += 1

        return self._plan(frames.encode(frame), "request", commit)

    def _vector_ranges(self, exact: bool) -> list[SeqRange]:
        """Our whole vector as the ranges we lack (see Wants.vector_ranges)."""
        ranges: list[SeqRange] = []
        for origin in self._vector.origins():
            if self._keys(origin) is not None:
                ranges += self._wants.vector_ranges(origin, exact)
        return ranges

    def _build_gone(self, now: float) -> _Plan | None:
        if self._gone_due is None or self._gone_due > now:
            return None
        ranges: list[SeqRange] = []
        size = 1
        for origin in sorted(self._gone_out):
            for a, b in _runs(sorted(self._gone_out[origin])):
                rng = SeqRange(origin, a, b - a + 1)
                if size + frames.range_size(rng) > self.config.mtu:
                    break
                ranges.append(rng)
                size += frames.range_size(rng)
        if not ranges:
            self._gone_due = None
            return None

        def commit() -> None:
            for rng in ranges:
                ours = self._gone_out.get(rng.origin)
                if ours is not None:
                    ours.difference_update(range(rng.first, rng.first + rng.length))
                    if not ours:
                        del self._gone_out[rng.origin]
            self._gone_due = now + self._draw(self.config.answer_gap) if self._gone_out else None

        return self._plan(
            frames.encode(GoneFrame(tuple(ranges))), "gone", commit, share=Share.BULK
        )

    def _build_digest(self, now: float) -> _Plan | None:
        if not self._digest_pending:
            return None
        frame, rotated = self._digest(now)

        def commit() -> None:
            self._digest_pending = False
            self._rotation = rotated
            if frame.neighbours is not None:
                self._advertised = frame.neighbours
                self._advertised_at = now

        return self._plan(frames.encode(frame), "digest", commit)

    def digest_frame(self, now: float) -> DigestFrame:
        """The digest this node would send at ``now``."""
        return self._digest(now)[0]

    def _digest(self, now: float) -> tuple[DigestFrame, int]:
        cfg = self.config
        entries: list[DigestEntry] = []
        listed: set[int] = set()
        size = frames.DIGEST_FIXED_MAX
        # Our neighbour list goes along when it changed since we last sent it, or has not
        # been sent for a while (receivers that missed it relay as if it did not exist);
        # only while records are being pushed: an idle neighbourhood has nothing to relay,
        # and the lists took its digests from 0.95 to 1.26 s an hour (simulator, idle).
        neighbours: tuple[int, ...] | None = None
        if cfg.relay_pruning and now < self._pushed_at + cfg.neighbour_memory:
            ours = self._table.advertised(now)
            stale = now >= self._advertised_at + cfg.neighbour_advert_interval
            if ours != self._advertised or stale:
                neighbours = ours
                size += frames.neighbours_size(len(ours))

        def add(origin: int) -> bool:
            nonlocal size
            entry = DigestEntry(origin, self._vector.highest(origin))
            if entry.seq == 0 or size + frames.digest_entry_size(entry) > cfg.mtu:
                return False
            entries.append(entry)
            listed.add(origin)
            size += frames.digest_entry_size(entry)
            return True

        for origin in reversed(self._recent):
            if len(entries) >= cfg.digest_recent_entries:
                break
            if self._recent[origin] + cfg.digest_recent_window < now:
                break
            add(origin)
        rotation = self._rotation
        if now < self._window_until:
            origins = self._vector.origins()
            for step in range(len(origins)):
                if len(entries) >= cfg.digest_max_entries:
                    break
                origin = origins[(self._rotation + step) % len(origins)]
                rotation = (self._rotation + step + 1) % len(origins)
                if origin not in listed and not add(origin):
                    break
        frame = DigestFrame(
            self._vector.digest_hash(), self._vector.total, tuple(entries), neighbours
        )
        return frame, rotation


@dataclass(slots=True)
class _Plan:
    """Frames ready to go, and what sending them changes in the engine's state."""

    frames: list[_Planned]
    share: Share
    commit: Callable[[], None]
    cancel: Callable[[], None]

    @property
    def airtime(self) -> float:
        total = 0.0
        for _, seconds, _ in self.frames:
            total += seconds
        return total


def _nothing() -> None:
    pass


def _mine(origin: int, seq: int, share: tuple[int, int] | None) -> bool:
    return share is None or frames.answer_share(origin, seq, share[1]) == share[0]


def _runs(seqs: list[int]) -> Iterator[tuple[int, int]]:
    """Sorted seqs as (first, last) runs."""
    start = prev = None
    for seq in seqs:
        if prev is not None and seq == prev + 1:
            prev = seq
            continue
        if start is not None and prev is not None:
            yield (start, prev)
        start = prev = seq
    if start is not None and prev is not None:
        yield (start, prev)
