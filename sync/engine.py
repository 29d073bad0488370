"""The sync engine: spreads signed records over a lossy broadcast link within an airtime budget.

One state machine per node, pure: frames and ``now`` in, frames and events out (see
sync/api.py). What it does, after DESIGN.md section 4:

* every record is numbered by its origin, so a node's holdings are a version vector
  (holdings.py, vector.py); a seq pruned after expiry still counts as held and is never
  asked for again; one a neighbour reports pruned (GONE, not signed) is only not asked for
  while that claim lasts (claims.py);
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
* records are verified with the origin's key before being accepted or relayed (the key
  the node's ``trust`` hook gives for that seq, when it gives one), and refused when their
  signer may not change the entry (``authorised``), they expired, or their origin went
  beyond its limits (limits.py);
* nothing a neighbour says without a signature (a digest, a GONE, a neighbour list, a
  request, its sender id) can make a node count a seq as held, stop relaying or storing a
  record its origin signed, or cost more than bounded, temporary work: see vector.py,
  claims.py, sources.py, relaying.py and answers.py for how each is bounded;
* every frame is charged its LoRa airtime against a rolling-hour budget, with shares
  reserved for alerts and kept from answers to neighbours catching up.

Clock rules: ``now`` is the driver's monotonic seconds and drives timers only. Wall time
(on-air minutes) is used only to prune expired records, and only when the driver passes it
to ``prune``; ordering and merging never look at time.

The engine is a facade over one part per job, sharing a Context (context.py): accepting
records (accepting.py), relaying and suppression (relaying.py), digests and Trickle
(digests.py), repair requests (repair.py), answers and GONE (answers.py), and turning all
that into frames within the budget (planning.py). It owns the driver API, the clock and
the dispatch of received frames.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TypeVar

from meshaid.protocol import fragment, frames
from meshaid.protocol.airtime import airtime_seconds
from meshaid.protocol.errors import DecodeError
from meshaid.protocol.frames import (
    DigestFrame,
    FragmentFrame,
    FrameType,
    GoneFrame,
    RecordsFrame,
    RequestFrame,
)
from meshaid.protocol.record import RecordId, SignedRecord
from meshaid.sync.accepting import Accepting
from meshaid.sync.answers import Answers
from meshaid.sync.api import Authorised, Event, KeyLookup, Outgoing, PeerSeen, Trust
from meshaid.sync.budget import Share
from meshaid.sync.config import SyncConfig
from meshaid.sync.context import Context
from meshaid.sync.digests import Digests
from meshaid.sync.holdings import Clock
from meshaid.sync.planning import Planner, RecordFrames
from meshaid.sync.relaying import Relaying
from meshaid.sync.repair import Repair
from meshaid.sync.stats import SyncStats
from meshaid.sync.verify import VerifyCache

_Handler = Callable[[frames.Frame, int, float], None]
_F = TypeVar("_F", RecordsFrame, DigestFrame, RequestFrame, GoneFrame, FragmentFrame)


def _expecting(cls: type[_F], handle: Callable[[_F, int, float], None]) -> _Handler:
    """``handle`` as a dispatch table entry, for the frame types ``decode`` gives ``cls``."""

    def run(frame: frames.Frame, sender: int, now: float) -> None:
        assert isinstance(frame, cls)
        handle(frame, sender, now)

    return run


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
        trust: Trust | None = None,
        authorised: Authorised | None = None,
    ) -> None:
        """``keys``: an origin's key; ``trust``, when given, is used instead: (origin, seq)
        -> the key that record must verify with, None to refuse it (revoked origins past
        their last valid seq, sequence floors). ``authorised``: whether a verified record's
        signer may change the entry it names (default: only the entry's owner)."""
        cfg = config or SyncConfig()
        preset = cfg.preset
        airtime_of = airtime or (lambda size: airtime_seconds(size, preset))
        cache = verify_cache or VerifyCache(cfg.verify_cache_entries)
        self._reassembler = fragment.Reassembler(
            max_messages=cfg.reassembly_max_messages,
            max_bytes=cfg.reassembly_max_bytes,
            max_message_bytes=min(cfg.reassembly_max_bytes, 255 * (cfg.mtu - 1)),
            timeout=cfg.reassembly_timeout,
            per_sender=cfg.reassembly_per_sender,
        )
        ctx = self._ctx = Context(
            cfg, keys, rng, cache, node_id, trust=trust, authorised=authorised, airtime=airtime_of
        )
        ctx.stats.reassembly = self._reassembler.stats

        self._relaying = Relaying(ctx)
        self._repair = Repair(ctx)
        self._answers = Answers(ctx, self._relaying, self._repair)
        self._digests = Digests(ctx, self._relaying, self._repair, self._answers)
        self._accepting = Accepting(ctx, self._relaying, self._repair, self._digests)
        records = RecordFrames(ctx)
        # Priority order: see Planner for how the budget holds back those after one.
        builders = (
            records.build_alerts,
            self._repair.build_request,
            self._repair.build_complete_request,
            records.build,
            self._answers.build_gone,
            self._digests.build,
        )
        self._planner = Planner(ctx, airtime_of, records, builders)

        records_handler = _expecting(RecordsFrame, self._accepting.on_records)
        digest_handler = _expecting(DigestFrame, self._digests.on_digest)
        self._handlers: dict[FrameType, tuple[str, _Handler]] = {
            FrameType.PUSH: ("push", records_handler),
            FrameType.ANSWER: ("answer", records_handler),
            FrameType.FRAGMENT: ("fragment", _expecting(FragmentFrame, self._on_fragment)),
            FrameType.DIGEST: ("digest", digest_handler),
            FrameType.NEIGHBOURS: ("digest", digest_handler),
            FrameType.REQUEST: ("request", _expecting(RequestFrame, self._answers.on_request)),
            FrameType.GONE: ("gone", _expecting(GoneFrame, self._answers.on_gone)),
        }
        # Inside a reassembled message: a fragment there is dropped.
        self._inner = {**self._handlers, FrameType.FRAGMENT: ("fragment", self._nested)}

        self._now = float("-inf")
        self._started = False
        self._deadline: float | None = None
        self._deadline_known = False

    @property
    def node_id(self) -> int | None:
        """This node's radio id, as given when the engine was built."""
        return self._ctx.node_id

    @property
    def config(self) -> SyncConfig:
        return self._ctx.config

    @property
    def stats(self) -> SyncStats:
        return self._ctx.stats

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
        self._ctx.holdings.load(records, known, first_seen)
        self._ctx.holdings.take_dropped()  # beyond their origin's limits (limits.py)
        self._deadline_known = False

    def known_runs(self) -> dict[int, list[tuple[int, int]]]:
        """Every origin's known seqs as (first, last) runs, for the store to keep."""
        return self._ctx.holdings.known_runs()

    def records(self) -> Iterator[SignedRecord]:
        return iter(self._ctx.holdings)

    def holds(self, rid: RecordId) -> bool:
        return self._ctx.holdings.get(rid) is not None

    def vector_hash(self) -> bytes:
        return self._ctx.vector.digest_hash()

    @property
    def known_total(self) -> int:
        return self._ctx.vector.total

    @property
    def clock_ahead(self) -> bool:
        """Whether this node's wall clock seems years ahead of every origin it hears (see
        sync/holdings.py); the store may pass it to lifetime.expires_at likewise."""
        return self._ctx.holdings.clock == Clock.AHEAD

    def digest_frame(self, now: float) -> DigestFrame:
        """The digest this node would send at ``now``."""
        return self._digests.frame(now)

    # ----------------------------------------------------------------- GossipProtocol

    def add_local(self, record: SignedRecord, now: float) -> None:
        self._advance(now)
        self._accepting.add_local(record, now)

    def receive(self, payload: bytes, sender: int, now: float) -> None:
        self._advance(now)
        try:
            frame = frames.decode(payload)
        except DecodeError:
            self._ctx.drop(sender, "malformed")
            return
        self._ctx.events.append(PeerSeen(sender, now))
        self._ctx.heard(sender, now)
        self._relaying.heard_from(sender, now)
        self._dispatch(self._handlers, frames.frame_type(payload), frame, sender, now)

    def poll_transmit(self, now: float) -> Outgoing | None:
        self._advance(now)
        payload = self._planner.poll(now, self._timers())
        return None if payload is None else Outgoing(payload)

    def trust_changed(self, now: float) -> None:
        """The driver's trust hook now trusts more (a new roster version is in force):
        take the records it refused lately (the last few are kept for this), and ask the
        neighbourhood again, soon, for the rest."""
        self._advance(now)
        self._accepting.trust_changed(now)
        self._digests.trust_changed(now)

    def may_spend(self, seconds: float, now: float) -> bool:
        """Whether ``seconds`` of airtime outside gossip (a reply to a resident's phone) fit
        the budget's ordinary share now: such frames never eat into the alert reserve."""
        return self._ctx.budget.allows(now, seconds, Share.ORDINARY)

    def spend(self, seconds: float, now: float) -> None:
        """Charge airtime the node spent outside gossip to the same budget, so that
        everything it transmits counts (DESIGN.md: the duty-cycle limit is the radio's)."""
        self._advance(now)
        self._ctx.budget.spend(now, seconds)

    def next_deadline(self) -> float | None:
        if not self._started:
            return 0.0  # not started yet: call handle_timer now, whatever the clock says
        # Drivers ask again and again between events; nothing changes in between (every
        # entry point that changes state goes through _advance, which clears this).
        if self._deadline_known:
            return self._deadline
        wakeups = [t for t in (self._digests.wakeup(), self._repair.wakeup()) if t is not None]
        self._deadline = self._planner.deadline(
            self._now, self._timers(), min(wakeups) if wakeups else None
        )
        self._deadline_known = True
        return self._deadline

    def handle_timer(self, now: float) -> None:
        self._advance(now)

    def drain_events(self) -> list[Event]:
        events, self._ctx.events = self._ctx.events, []
        return events

    # ----------------------------------------------------------------- pruning

    def prune(self, wall_minutes: int) -> list[RecordId]:
        """Forget records whose entry expired more than the margin ago; give the driver's
        wall clock in on-air minutes. Pruned seqs stay known: nobody is asked for them."""
        self._deadline_known = False
        pruned = self._ctx.holdings.prune(wall_minutes)
        for rid in pruned:
            self._ctx.outbox.cancel(rid)
        self.stats.records_pruned += len(pruned)
        return pruned

    # ----------------------------------------------------------------- internals

    def _dispatch(
        self,
        table: Mapping[FrameType, tuple[str, _Handler]],
        kind: FrameType,
        frame: frames.Frame,
        sender: int,
        now: float,
    ) -> None:
        name, handle = table[kind]
        self.stats.frames_received[name] += 1
        handle(frame, sender, now)

    def _on_fragment(self, frame: FragmentFrame, sender: int, now: float) -> None:
        decoded: list[frames.Frame] = []

        def accept(payload: bytes) -> bool:
            # A whole message that is junk (a forged fragment in it) is not taken, so the
            # real fragment, heard later, still completes the real one (fragment.py).
            try:
                inner = frames.decode(payload)
            except DecodeError:
                return False
            if isinstance(inner, RecordsFrame) and not self._genuine(inner):
                return False
            decoded.append(inner)
            return True

        rejected = self._reassembler.stats.rejected
        payload = self._reassembler.add(sender, frame.fragment, now, accept)
        if self._reassembler.stats.rejected > rejected:
            self._ctx.drop(sender, "malformed")
        if payload is None:
            return
        self._dispatch(self._inner, frames.frame_type(payload), decoded[-1], sender, now)

    def _genuine(self, frame: RecordsFrame) -> bool:
        """Every record in ``frame`` decodes and, where we know its key, verifies."""
        ctx = self._ctx
        for raw in frame.records:
            if ctx.holdings.id_of(raw) is not None:
                continue
            try:
                rec = ctx.cache.decode(raw)
            except DecodeError:
                return False
            key = ctx.key_for(rec.body.origin, rec.body.seq)
            if key is not None and not ctx.cache.verify(rec, key):
                return False
        return True

    def _nested(self, _frame: frames.Frame, sender: int, _now: float) -> None:
        self._ctx.drop(sender, "nested_fragment")

    def _timers(self) -> tuple[float | None, ...]:
        """When each part's next scheduled frame falls due (see Planner.poll)."""
        return (*self._repair.timers(), self._answers.gone_due, self._digests.due)

    def _advance(self, now: float) -> None:
        self._deadline_known = False
        if now > self._now:
            self._now = now
        if not self._started:
            self._started = True
            self._ctx.started_at = now
            empty = self._ctx.vector.total == 0
            self._digests.start(now, empty)
            if empty:
                self._repair.schedule_complete(now)
            else:
                self._repair.start(now)
        self._digests.advance(now)
        self._repair.tick(now)
        self._ctx.outbox.promote(now)
        self._reassembler.expire(now)
