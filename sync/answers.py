"""Answers: giving neighbours what they lack, and telling them what we pruned.

Owns answering requests (only when named, or when nobody is: each named answerer its
share of the records, in turns), answering unasked a digest that shows its sender a few
records behind, and the GONE frames that report seqs asked for that we pruned.
"""

from __future__ import annotations

from collections.abc import Iterator

from meshaid.protocol import frames
from meshaid.protocol.frames import GoneFrame, RequestFrame, SeqRange
from meshaid.protocol.record import SignedRecord
from meshaid.sync.budget import Share
from meshaid.sync.context import FULL_FRAME_AIRTIME, Context, turn_stride
from meshaid.sync.outbox import Reason
from meshaid.sync.planning import Draft
from meshaid.sync.relaying import Relaying
from meshaid.sync.repair import Repair


class Answers:
    def __init__(self, ctx: Context, relaying: Relaying, repair: Repair) -> None:
        self._ctx = ctx
        self._relaying = relaying
        self._repair = repair
        # Seqs asked for that we pruned, to report in a GONE frame: origin -> seqs.
        self._gone_out: dict[int, set[int]] = {}
        self.gone_due: float | None = None

    # ----------------------------------------------------------------- requests

    def on_request(self, frame: RequestFrame, _sender: int, now: float) -> None:
        ctx = self._ctx
        cfg = ctx.config
        self._repair.overheard_request(frame, now)
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
        listed = {rng.origin for rng in frame.ranges}
        found: list[SignedRecord] = []
        gone = False
        for rng in frame.ranges:
            gone |= self._answer(rng.origin, rng.first, rng.last, now, due, share, found)
        if frame.complete:
            for origin in ctx.holdings.origins():
                if origin not in listed:
                    gone |= self._answer(origin, 1, None, now, due, share, found)
        # The most useful first, and no more than one exchange's worth: the requester asks
        # again for the rest, so no neighbour builds a backlog it would send for hours.
        found.sort(key=ctx.rank)
        found = found[: cfg.answer_limit]
        if share is None:
            for rec in found:
                self._relaying.queue(rec, Reason.ANSWER, now, due)
        else:
            for rec, turn in zip(found, self._answer_turns(now, share), strict=False):
                self._relaying.queue(rec, Reason.ANSWER, now, turn)
        if found or gone:
            ctx.stats.requests_answered += 1

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

    def answer_unasked(self, origin: int, seq: int, now: float, due: float) -> None:
        """A digest listed ``origin`` at ``seq``, behind us: send what follows."""
        # A few records only: this is for a missed push, not a catch-up (that one the
        # sender asks for, naming who answers).
        self._answer(origin, seq + 1, seq + self._ctx.config.unasked_records, now, due)

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
        seqs = self._ctx.vector.seqs(origin)
        if seqs is None:
            return False
        top = seqs.highest if last is None else min(last, seqs.highest)
        if top < first:
            return False
        by_seq = self._ctx.holdings.of_origin(origin)
        for seq, rec in by_seq.items():
            if first <= seq <= top and _mine(origin, seq, share):
                if found is None:
                    self._relaying.queue(rec, Reason.ANSWER, now, due)
                else:
                    found.append(rec)
        gone: set[int] | None = None
        for run_first, run_last in seqs.known_runs():
            for seq in range(max(run_first, first), min(run_last, top) + 1):
                if seq not in by_seq and _mine(origin, seq, share):
                    if gone is None:
                        gone = self._gone_out.setdefault(origin, set())
                    gone.add(seq)
        if gone and self.gone_due is None:
            self.gone_due = due
        return bool(gone)

    # ----------------------------------------------------------------- GONE

    def on_gone(self, frame: GoneFrame, _sender: int, now: float) -> None:
        for rng in frame.ranges:
            last = rng.first + rng.length - 1
            ours = self._gone_out.get(rng.origin)
            if ours:
                # A neighbour reported these already: our report would repeat it.
                ours.difference_update([s for s in ours if rng.first <= s <= last])
                if not ours:
                    del self._gone_out[rng.origin]
        self._repair.learn_gone(frame, now)

    def build_gone(self, now: float) -> Draft | None:
        if self.gone_due is None or self.gone_due > now:
            return None
        mtu = self._ctx.config.mtu
        ranges: list[SeqRange] = []
        size = 1
        for origin in sorted(self._gone_out):
            for a, b in _runs(sorted(self._gone_out[origin])):
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
                    ours.difference_update(range(rng.first, rng.first + rng.length))
                    if not ours:
                        del self._gone_out[rng.origin]
            gap = self._ctx.config.answer_gap
            self.gone_due = now + self._ctx.draw(gap) if self._gone_out else None

        return Draft(frames.encode(GoneFrame(tuple(ranges))), "gone", commit, Share.BULK)


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
