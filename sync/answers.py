"""Answers: giving neighbours what they lack, and telling them what we pruned.

Owns answering requests (only when named, or when nobody is: each named answerer its
share of the records, in turns), answering unasked a digest that shows its sender a few
records behind, and the GONE frames that report seqs asked for that we pruned.

Requests and digests are not signed and their sender ids are made up at will, so what
one can draw is bounded: answering any one requester (by sender id) may use at most
``requester_share`` of the bulk cap in a rolling hour, unasked answers ``unasked_share``
of it and ``unasked_per_digest`` records per digest, and one request at most
``answer_limit`` records. GONE reports only seqs this node pruned itself, as runs.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator

from meshaid.protocol import frames
from meshaid.protocol.frames import GoneFrame, RequestFrame, SeqRange
from meshaid.protocol.record import RecordId, SignedRecord
from meshaid.sync.budget import AirtimeBudget, SenderBudgets, Share
from meshaid.sync.claims import Run, merge_runs, subtract_runs
from meshaid.sync.context import FULL_FRAME_AIRTIME, Context, turn_stride
from meshaid.sync.outbox import Reason
from meshaid.sync.planning import Draft
from meshaid.sync.relaying import Relaying
from meshaid.sync.repair import Repair

HOUR = 3600.0
# Pruned runs waiting to be reported in GONE frames, per origin and in all: a few frames.
MAX_GONE_RUNS = 16
MAX_GONE_ORIGINS = 32


class Answers:
    def __init__(self, ctx: Context, relaying: Relaying, repair: Repair) -> None:
        cfg = ctx.config
        self._ctx = ctx
        self._relaying = relaying
        self._repair = repair
        # Seqs asked for that we pruned, to report in a GONE frame: origin -> runs.
        self._gone_out: dict[int, list[Run]] = {}
        self.gone_due: float | None = None
        bulk = ctx.budget.cap(Share.BULK)
        self._requesters = SenderBudgets(cfg.requester_share * bulk, HOUR, cfg.sender_memory_max)
        self._unasked_cap = cfg.unasked_share * bulk
        self._unasked = AirtimeBudget(max(self._unasked_cap, 1e-9), 0.0)

    # ----------------------------------------------------------------- requests

    def on_request(self, frame: RequestFrame, sender: int, now: float) -> None:
        ctx = self._ctx
        cfg = ctx.config
        self._repair.overheard_request(frame, now)
        for rng in frame.ranges:
            # The requester lacks these: relays of them that pruning skipped go now.
            self._relaying.make_good(rng.origin, rng.first, rng.last, now)
        share: tuple[int, int] | None = None
        if frame.answerers and ctx.node_id is not None:
            if ctx.node_id not in frame.answerers:
                return  # others were asked
            share = (frame.answerers.index(ctx.node_id), len(frame.answerers))
            # Named: each answerer has its turn, see _answer_turns.
            due = now + share[0] * cfg.answer_turn
        else:
            due = now + ctx.contend(cfg.answer_slot, now)
        if ctx.budget.available_at(now, FULL_FRAME_AIRTIME, Share.BULK) > due + (
            cfg.answer_ttl / 2
        ):
            # Our share for answers is spent for a while: promising records we could not
            # send soon would only hold up the requester, whose retry names others.
            ctx.stats.requests_declined += 1
            return
        allowance = self._requesters.left(sender, now)
        if allowance < FULL_FRAME_AIRTIME:
            ctx.stats.requests_limited += 1
            return
        listed = {rng.origin for rng in frame.ranges}
        held: list[tuple[int, int]] = []
        gone = False
        for rng in frame.ranges:
            gone |= self._answer(rng.origin, rng.first, rng.last, now, due, share, held)
        if frame.complete:
            for origin in ctx.holdings.origins():
                if origin not in listed:
                    gone |= self._answer(origin, 1, None, now, due, share, held)
        # The most useful first, and no more than one exchange's worth: the requester asks
        # again for the rest, so no neighbour builds a backlog it would send for hours.
        found = self._best(cfg.answer_limit, held)
        affordable = self._within(found, allowance)
        if len(affordable) < len(found):
            ctx.stats.requests_limited += 1
            found = affordable
        self._requesters.spend(sender, self._cost(found), now)
        if share is None:
            for rec in found:
                self._relaying.queue(rec, Reason.ANSWER, now, due)
        else:
            for rec, turn in zip(found, self._answer_turns(now, share), strict=False):
                self._relaying.queue(rec, Reason.ANSWER, now, turn)
        if found or gone:
            ctx.stats.requests_answered += 1

    def _best(self, limit: int, held: list[tuple[int, int]]) -> list[SignedRecord]:
        """The ``limit`` held records of ``held`` (origin, seq) that send first, as
        records. Ranked from their summaries: a request for a whole board ranks every
        record held, and makes only those it sends (sync/held_records.py)."""
        ctx = self._ctx
        best = heapq.nsmallest(limit, held, key=lambda rid: ctx.rank_held(*rid))
        records = (ctx.holdings.get(RecordId(*rid)) for rid in best)
        return [rec for rec in records if rec is not None]

    def _cost(self, records: list[SignedRecord]) -> float:
        return self._ctx.frames_airtime(frames.record_item_size(len(r.raw)) for r in records)

    def _within(self, records: list[SignedRecord], allowance: float) -> list[SignedRecord]:
        """The first of ``records`` whose frames fit ``allowance`` seconds of airtime."""
        if self._cost(records) <= allowance:
            return records
        kept: list[SignedRecord] = []
        for rec in records:
            if self._cost([*kept, rec]) > allowance:
                break
            kept.append(rec)
        return kept

    def _answer_turns(self, now: float, share: tuple[int, int]) -> Iterator[float]:
        """When each of our records answering a request that named ``share[1]`` answerers
        goes: the answerers take turns in the order the request named them, one frame each
        per turn, so their answers follow one another at the requester instead of
        colliding there (the answerers of a node catching up are often hidden from one
        another, and listen-before-talk cannot keep them apart)."""
        index, count = share
        stride = turn_stride(self._ctx.config, count)
        first = now + index * self._ctx.config.answer_turn
        step = 0
        while True:
            yield first + step * stride
            step += 1

    # ----------------------------------------------------------------- unasked

    def unasked_due(self, total: int, now: float) -> tuple[float, bool]:
        """Hearing a digest of a sender that holds ``total`` records and lacks some of
        ours: when answers to it go, and whether this node is one of those answering."""
        ctx = self._ctx
        # Everything one frame makes us answer becomes ready at once, so it leaves in
        # priority order.
        due = now + ctx.contend(ctx.config.answer_slot, now)
        # Unasked, only a few of the neighbours answer (hidden from one another, all of
        # them would collide); the sender's own request covers the rest.
        chance = ctx.config.unasked_answerers / max(ctx.neighbour_count(now), 1)
        # Nor to a node holding less than half of what we hold: it is catching up a whole
        # store and its requests name who answers, in turns; unasked answers collided with
        # those turns (a wiped node's neighbours queued 770 records unasked in the simulator).
        answering = 2 * total >= ctx.vector.total and ctx.rng.random() < chance
        return due, answering

    def answer_unasked(
        self, sender: int, behind: list[tuple[int, int]], now: float, due: float
    ) -> None:
        """A digest from ``sender`` listed these (origin, seq), behind us: send what
        follows. A few records only: this is for a missed push, not a catch-up (that one
        the sender asks for, naming who answers)."""
        ctx = self._ctx
        cfg = ctx.config
        allowance = min(
            self._requesters.left(sender, now), self._unasked_cap - self._unasked.used(now)
        )
        if allowance < FULL_FRAME_AIRTIME:
            ctx.stats.unasked_limited += 1
            return
        held: list[tuple[int, int]] = []
        for origin, seq in behind:
            self._answer(origin, seq + 1, seq + cfg.unasked_records, now, due, found=held)
        found = self._best(cfg.unasked_per_digest, held)
        affordable = self._within(found, allowance)
        if len(affordable) < len(found):
            ctx.stats.unasked_limited += 1
            found = affordable
        cost = self._cost(found)
        self._requesters.spend(sender, cost, now)
        if cost > 0:
            self._unasked.spend(now, cost)
        for rec in found:
            self._relaying.queue(rec, Reason.ANSWER, now, due)

    def _answer(
        self,
        origin: int,
        first: int,
        last: int | None,
        now: float,
        due: float,
        share: tuple[int, int] | None = None,
        found: list[tuple[int, int]] | None = None,
    ) -> bool:
        """Add to ``found`` (or queue) what we hold of ``origin`` in first..last, and
        report what we pruned; with ``share`` (index, answerers), only the records that
        fall to us, and the pruned runs whose first seq does. True when some of it was
        pruned (and goes in a GONE frame). Linear in what we hold of the origin."""
        seqs = self._ctx.vector.seqs(origin)
        if seqs is None:
            return False
        top = seqs.highest if last is None else min(last, seqs.highest)
        if top < first:
            return False
        by_seq = self._ctx.holdings.of_origin(origin)
        held: list[Run] = []
        for seq in by_seq:
            if first <= seq <= top:
                held.append((seq, seq))
                if _mine(origin, seq, share):
                    if found is None:
                        self._relaying.queue(by_seq[seq], Reason.ANSWER, now, due)
                    else:
                        found.append((origin, seq))
        known = [
            (max(a, first), min(b, top)) for a, b in seqs.known_runs() if b >= first and a <= top
        ]
        pruned = [r for r in subtract_runs(known, sorted(held)) if _mine(origin, r[0], share)]
        if not pruned:
            return False
        outgoing = self._gone_out
        if origin not in outgoing and len(outgoing) >= MAX_GONE_ORIGINS:
            return False
        runs = merge_runs(outgoing.get(origin, ()), pruned)[:MAX_GONE_RUNS]
        outgoing[origin] = runs
        if self.gone_due is None:
            self.gone_due = due
        return True

    # ----------------------------------------------------------------- GONE

    def on_gone(self, frame: GoneFrame, sender: int, now: float) -> None:
        heard = [(rng.origin, rng.first, rng.first + rng.length - 1) for rng in frame.ranges]
        for origin, first, last in heard:
            ours = self._gone_out.get(origin)
            if ours:
                # A neighbour reported these already: our report would repeat it.
                left = subtract_runs(ours, [(first, last)])
                if left:
                    self._gone_out[origin] = left
                else:
                    del self._gone_out[origin]
        if self._repair.learn_gone(frame, now):
            self._repair.heard_answer(sender, now)

    def build_gone(self, now: float) -> Draft | None:
        if self.gone_due is None or self.gone_due > now:
            return None
        mtu = self._ctx.config.mtu
        ranges: list[SeqRange] = []
        size = 1
        for origin in sorted(self._gone_out):
            for a, b in self._gone_out[origin]:
                rng = SeqRange(origin, a, b - a + 1)
                if size + frames.range_size(rng) > mtu:
                    break
                ranges.append(rng)
                size += frames.range_size(rng)
        if not ranges:
            self.gone_due = None
            return None

        def commit(_airtime: float) -> None:
            for rng in ranges:
                ours = self._gone_out.get(rng.origin)
                if ours is not None:
                    left = subtract_runs(ours, [(rng.first, rng.first + rng.length - 1)])
                    if left:
                        self._gone_out[rng.origin] = left
                    else:
                        del self._gone_out[rng.origin]
            gap = self._ctx.config.answer_gap
            self.gone_due = now + self._ctx.draw(gap) if self._gone_out else None

        return Draft(frames.encode(GoneFrame(tuple(ranges))), "gone", commit, Share.BULK)


def _mine(origin: int, seq: int, share: tuple[int, int] | None) -> bool:
    return share is None or frames.answer_share(origin, seq, share[1]) == share[0]
