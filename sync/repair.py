"""Repair: asking for what we lack, and whom to ask.

Owns what this node wants (wants.py) and its two requests: one for the gaps it knows of,
and one carrying its whole vector when a neighbour holds more than its digest explains
(a new or wiped node). A request names the neighbours that should answer, those whose
digests showed the most records, a different few on each retry, skipping those that did
not answer in their turns (sources.py). A request that names answerers for a catch-up
holds further requests back until its answers stop coming. A neighbour's request that
covers what we lack counts as ours: its answers reach us too. A neighbour's GONE pauses
asking for the seqs it names, for a while (claims.py): it is not signed.

Gaps the store's own seqs show are wanted from the start; an unanswered request is asked
again after what an answer needs among the neighbours heard, doubling up to a cap; what a
neighbour asked for and we get by repair is passed on (wants.Overheard); and our requests
keep within their share of the hour, so that they never use up the budget our
neighbours' answers need (each neighbour's requests take from its own budget too).
"""

from __future__ import annotations

from collections import OrderedDict

from meshaid.protocol import frames
from meshaid.protocol.frames import GoneFrame, RequestFrame, SeqRange
from meshaid.sync.budget import AirtimeBudget
from meshaid.sync.context import FULL_FRAME_AIRTIME, Context, turn_stride
from meshaid.sync.planning import Draft
from meshaid.sync.sources import Sources
from meshaid.sync.wants import MAX_LEAD, Overheard, Wants

# A request with this many ranges comes from a node catching up: it names more answerers.
MANY_RANGES = 4


class Repair:
    def __init__(self, ctx: Context) -> None:
        cfg = ctx.config
        self._ctx = ctx
        self._wants = Wants(ctx.vector, cfg.request_retry, cfg.request_retry_cap)
        self.request_due: float | None = None
        self.complete_due: float | None = None
        self._last_complete = float("-inf")
        self._complete_attempts = 0
        # Our last request that named answerers for a catch-up (a whole vector or many
        # gaps), and when its answerers will have had all their turns.
        self._last_bulk = float("-inf")
        self._bulk_until = float("-inf")
        self._last_answered = float("-inf")  # a new record last came in an ANSWER frame
        self._bulk_complete = False  # that request carried our whole vector
        # Neighbours whose digests we heard, to pick answerers from.
        self._sources = Sources(cfg.source_memory, cfg.answerer_penalty, cfg.sender_memory_max)
        # Neighbours whose last digest showed them far behind us: sender -> when heard,
        # the least recently heard first.
        self._behind: OrderedDict[int, float] = OrderedDict()
        self._housekept = float("-inf")
        self._asked_all = float("-inf")  # a request for a whole vector went out or was heard
        # Our requests' airtime in the last hour, within their share (SyncConfig).
        self._spent = AirtimeBudget(max(cfg.request_share * cfg.budget_seconds, 1e-9), 0.0)
        # What neighbours asked for lately: passed on when it reaches us by repair.
        self._overheard = Overheard(cfg.answer_ttl, cfg.sender_memory_max)

    # ----------------------------------------------------------------- housekeeping

    def tick(self, now: float) -> None:
        """Skip named answerers whose turns ended in silence; once a minute, forget what
        digests said exists of origins nothing came of, and senders not heard for long."""
        ctx = self._ctx
        self._wants.retry_base = self._retry_base(now)
        skipped, none_answered = self._sources.tick(now)
        if skipped:
            ctx.stats.answerers_skipped += skipped
        if none_answered:
            # Nobody we named answered (made-up ids, or all gone quiet): ask again soon,
            # naming others, rather than wait out the catch-up's turns and the retry.
            self._bulk_until = min(self._bulk_until, now)
            if self._bulk_complete:
                self._last_complete = float("-inf")
                self.schedule_complete(now)
            else:
                self._request_soon(now)
        if now < self._housekept + 60.0:
            return
        self._housekept = now
        cfg = ctx.config
        self._wants.expire(now, cfg.claim_memory)
        for origin in ctx.vector.expire_claims(now):
            self._wants.update(origin)
            if self._wants.missing(origin):
                self._request_soon(now)
        self._sources.purge(now)
        self._overheard.expire(now)
        horizon = now - cfg.neighbour_memory
        while self._behind and next(iter(self._behind.values())) < horizon:
            self._behind.popitem(last=False)

    def wakeup(self) -> float | None:
        """When ``tick`` must run: the end of a named answerer's turns."""
        return self._sources.wakeup()

    def start(self, now: float) -> None:
        """The engine's first call: the gaps in what the store held (seqs missing below an
        origin's highest, which the vector shows by itself) are wanted from now on. Before
        this, such a gap was asked for only once a record of its origin arrived, or a
        digest made us ask with our whole vector: two engines with one seq missing in the
        middle took 124-187 s to repair it, waiting on each other's digests."""
        vector = self._ctx.vector
        for origin in vector.origins():
            seqs = vector.seqs(origin)
            if seqs is None:
                continue
            gaps = seqs.missing(seqs.highest)
            if gaps and self._ctx.trusts(origin, gaps[0][0]) and self._wants.update(origin):
                self._request_soon(now)

    # ----------------------------------------------------------------- what we learn

    def note_exists(self, origin: int, seq: int, now: float) -> None:
        """A neighbour holds ``seq`` of ``origin``: we want it too, unless we know it."""
        if self._ctx.trusts(origin, seq) and self._wants.exists(origin, seq, now):
            self._request_soon(now)

    def progressed(self, origin: int, now: float, answered: bool = True) -> None:
        """Something of ``origin`` arrived: by an answer (``answered``) or a push."""
        if self._wants.progressed(origin, now, answered):
            self._request_soon(now)

    def answered(self, now: float) -> None:
        """A record new to us came in an ANSWER frame."""
        self._last_answered = now

    def asked_for(self, origin: int) -> bool:
        """We asked for ``origin`` since it was last complete."""
        return self._wants.attempts(origin) != 0

    def neighbour_asked(self, origin: int, seq: int, now: float) -> bool:
        """A neighbour asked for ``seq`` of ``origin`` lately (its own request)."""
        return self._overheard.wanted(origin, seq, now)

    def heard_digest(self, sender: int, total: int, now: float, same: bool = False) -> None:
        """A digest from ``sender`` said it holds ``total``; ``same``: its hash is ours
        (then it is not behind, whatever its total: claims count in the hash only)."""
        self._sources.heard_digest(sender, total, now)
        behind = self._behind
        if not same and total + self._ctx.config.flood_behind <= self._ctx.vector.total:
            behind[sender] = now
            behind.move_to_end(sender)
            while len(behind) > self._ctx.config.sender_memory_max:
                behind.popitem(last=False)
        else:
            behind.pop(sender, None)

    def heard_answer(self, sender: int, now: float) -> None:
        """``sender`` sent an ANSWER or a GONE frame: it answers when named."""
        self._sources.answered(sender, now)

    def neighbour_behind(self, now: float) -> bool:
        """Some neighbour's last digest showed it far behind us (a healed partition)."""
        horizon = now - self._ctx.config.neighbour_memory
        return any(heard >= horizon for heard in self._behind.values())

    def overheard_request(self, frame: RequestFrame, now: float) -> None:
        """A neighbour's request: what it asks for that we lack, we need not ask for."""
        stats = self._ctx.stats
        listed: set[int] = set()
        for rng in frame.ranges:
            listed.add(rng.origin)
            self._overheard.heard(rng.origin, rng.first, rng.last, now)
            if self._wants.overheard(rng.origin, rng.first, now):
                stats.requests_suppressed += 1
        if frame.complete:
            self._asked_all = now
            self._wants.covered(self._wants.wanting - listed, now)
            if self.complete_due is not None:
                self.complete_due = None
                self._last_complete = now
                stats.requests_suppressed += 1

    def learn_gone(self, frame: GoneFrame, now: float) -> int:
        """A neighbour says it pruned these seqs. It is not signed, so they are never
        counted as held: asking for those we lack pauses for a while (claims.py), only
        in answer to a request for the origin lately (which any neighbour holding the
        records answers too), and only where signed records do not show them too new to
        have been pruned. Returns how many seqs it claimed."""
        ctx = self._ctx
        cfg = ctx.config
        lately = now - cfg.answer_ttl
        total = 0
        for rng in frame.ranges:
            origin = rng.origin
            if not ctx.trusts(origin, rng.first):
                continue
            asked = max(self._wants.asked_at(origin), self._asked_all)
            if asked < lately or not ctx.holdings.gone_plausible(origin, rng.first):
                ctx.stats.gone_refused += 1
                continue
            # Only seqs we know exist, and lack: a forged GONE cannot reach far ahead.
            last = min(rng.first + rng.length - 1, self._wants.highest_existing(origin),
                       ctx.vector.highest(origin) + MAX_LEAD)
            claimed = 0
            for first, end in self._wants.missing(origin):
                a, b = max(first, rng.first), min(end, last)
                if a <= b:
                    ctx.vector.claim(origin, a, b, now, cfg.gone_pause)
                    claimed += b - a + 1
            if claimed:
                ctx.stats.gone_learned += claimed
                total += claimed
                self.progressed(origin, now)
        return total

    def schedule_complete(self, now: float) -> None:
        """Ask with our whole vector soon, unless we did lately or a catch-up is on."""
        if (
            self.complete_due is None
            and now >= self._last_complete + self._ctx.config.complete_retry
            and not self._bulk_in_progress(now)
        ):
            self.complete_due = now + self._ctx.draw(self._ctx.config.request_delay)

    def timers(self) -> tuple[float | None, float | None]:
        """When each of our requests falls due."""
        return (self.request_due, self.complete_due)

    def _request_soon(self, now: float) -> None:
        soon = now + self._ctx.draw(self._ctx.config.request_delay)
        if self.request_due is None or self.request_due > soon:
            self.request_due = soon

    # ----------------------------------------------------------------- catch-up

    def _bulk_quiet_at(self) -> float:
        """When answers to our last catch-up request (a whole vector, or many gaps with
        named answerers) count as finished: that long after the request or the last new
        record answered since (-inf: no such request). Pushes do not count: new posts keep
        coming whether or not anyone answers, and holding gap requests back for them
        delayed repairs (simulator)."""
        if self._last_bulk == float("-inf"):
            return float("-inf")
        quiet = max(self._last_answered, self._last_bulk) + self._ctx.config.bulk_idle
        # Answers to others' requests and unasked ones count as answered too: bounded by
        # the turns of our answerers, or they could hold our requests back for an hour
        # (a wiped node in the simulator asked 8 times in its first 5 hours back).
        return min(quiet, self._bulk_until)

    def _bulk_started(
        self,
        now: float,
        answerers: tuple[int, ...],
        records: int | None = None,
        complete: bool = False,
    ) -> None:
        """A catch-up request went out, naming ``answerers``, for about ``records``
        records (None: a whole vector, as many as they will send)."""
        cfg = self._ctx.config
        count = max(len(answerers), 1)
        turns = cfg.answer_limit
        if records is not None:
            turns = min(turns, -(-records // count))
        self._last_bulk = now
        self._bulk_complete = complete
        stride = turn_stride(cfg, count)
        # Two spare turns each: answers are held back by a busy channel or budget.
        self._bulk_until = now + (turns + 2) * stride
        if answerers:
            # An answerer that sent nothing in its first two turns (one frame lost is
            # likely, two much less) is skipped from then on (sources.py).
            ends = [now + i * cfg.answer_turn + 2 * stride + FULL_FRAME_AIRTIME
                    for i in range(len(answerers))]
            self._sources.named(answerers, ends)

    def _bulk_in_progress(self, now: float) -> bool:
        """Answers to our last catch-up request are still coming in: asking again now
        would only make neighbours send what is already on its way, and their answers
        would collide with the turns the named answerers take."""
        return now < self._bulk_quiet_at()

    # ----------------------------------------------------------------- requests

    def build_request(self, now: float) -> Draft | None:
        if self.request_due is None or self.request_due > now:
            return None
        if self._bulk_in_progress(now):
            # Gaps are asked for once the bulk answers stop coming (computed as in the
            # test above, so the timer always lands after now).
            self.request_due = self._bulk_quiet_at()
            return None
        cfg = self._ctx.config
        wants = self._wants
        ranges: list[SeqRange] = []
        asked: list[int] = []
        # Room for the answerers' ids, should the request name them: without it a request
        # for many gaps went out in two fragments (lost whole when one of them is).
        size = 3 + frames.ORIGIN_BYTES * cfg.complete_answerers
        seqs = 0  # about how many records we ask for
        later: float | None = None
        for origin in sorted(wants.wanting):
            runs = wants.ranges(origin)
            if not runs:
                continue
            eligible = wants.eligible_at(origin)
            if eligible > now:
                later = eligible if later is None else min(later, eligible)
                continue
            need = sum(frames.range_size(r) for r in runs)
            if size + need > cfg.mtu:
                # One request in flight: the rest waits for the answers to this one.
                later = now + cfg.request_retry
                break
            ranges += runs
            size += need
            asked.append(origin)
            through = wants.highest_existing(origin)
            seqs += sum(r.length or max(through - r.first + 1, 1) for r in runs)
        if not ranges:
            self.request_due = later
            return None

        def commit(airtime: float) -> None:
            self._spent.spend(now, airtime)
            wants.asked(asked, now)
            # Look again when the first of these would be asked for again.
            retry = min(now + wants.retry(origin) for origin in asked)
            self.request_due = retry if later is None else min(later, retry)
            self._ctx.stats.requests_sent += 1
            if many and answerers:
                self._bulk_started(now, answerers, seqs)

        # A retry asks other neighbours than the attempt before.
        attempt = max(wants.attempts(origin) for origin in asked)
        # Many gaps (a node catching up) are shared out among more neighbours.
        many = len(ranges) >= MANY_RANGES
        count = cfg.complete_answerers if many else cfg.request_answerers
        answerers = self._answerers(now, attempt, count)
        payload = frames.encode(RequestFrame(tuple(ranges), answerers=answerers))
        free = self._share_free_at(now, payload)
        if free > now:
            self.request_due = free
            return None
        return Draft(payload, "request", commit)

    def _share_free_at(self, now: float, payload: bytes) -> float:
        """When a request of this size fits our requests' share of the hour."""
        return self._spent.available_at(now, self._ctx.airtime(len(payload)))

    def _retry_base(self, now: float) -> float:
        """How long an answer to a request that names nobody takes at most: the longest
        contention delay among the neighbours heard, our answerer's pacing and two frames
        (at most ``request_retry``). A fixed 30 s made each lost request or answer cost
        half a minute where few neighbours contend (a line of four daemons: 13 s)."""
        ctx = self._ctx
        cfg = ctx.config
        window = cfg.answer_slot * max(ctx.neighbour_count(now), 2)
        return min(cfg.request_retry, window + cfg.answer_gap[1] + 2 * FULL_FRAME_AIRTIME)

    def build_complete_request(self, now: float) -> Draft | None:
        if self.complete_due is None or self.complete_due > now:
            return None
        cfg = self._ctx.config
        want = cfg.complete_answerers
        answerers = self._answerers(now, self._complete_attempts, want)
        settled = self._ctx.started_at + 2 * cfg.trickle_reset
        if want and not answerers:
            # Nobody to name yet: asking everyone for everything would make every
            # neighbour send the whole store. Digests heard bring this back.
            self.complete_due = None
            return None
        if want and len(answerers) < want and now < settled:
            # Just started, and neighbours' digests are still coming in: asking the one or
            # two heard so far alone would be slow. Once they are in, ask those there are
            # (dropped here, it waited for a digest heard after the settling time, which
            # Trickle could put minutes away).
            self.complete_due = settled
            return None
        ranges = self._vector_ranges(exact=True)
        frame = RequestFrame(tuple(ranges), complete=True, answerers=answerers)
        if len(frames.encode(frame)) > cfg.mtu:
            # One frame or nothing: a request in many fragments is lost whole when one of
            # them is. Gaps folded into "from the first missing" (answerers may repeat a
            # few records); still too long, and plain gap requests do the work.
            ranges = self._vector_ranges(exact=False)
            frame = RequestFrame(tuple(ranges), complete=True, answerers=answerers)
            if len(frames.encode(frame)) > cfg.mtu:
                self.complete_due = None
                self._last_complete = now
                return None

        free = self._share_free_at(now, frames.encode(frame))
        if free > now:
            self.complete_due = free
            return None

        def commit(airtime: float) -> None:
            self._spent.spend(now, airtime)
            self.complete_due = None
            self._last_complete = now
            self._bulk_started(now, answerers, complete=True)
            self._complete_attempts += 1
            self._asked_all = now
            self._wants.covered(self._wants.wanting, now)
            self._ctx.stats.requests_sent += 1

        return Draft(frames.encode(frame), "request", commit)

    def _answerers(self, now: float, attempt: int, want: int) -> tuple[int, ...]:
        """Neighbours to name in a request: those whose digests showed more records than
        we hold, those that answered us lately first, then the most (sources.py). Each
        attempt names a different few, in a rotated order, so a record whose share fell to
        a node without it falls to another on the retry. None ahead of us (or naming turned
        off): anyone may answer."""
        if not want:
            return ()
        ranked = self._sources.ranked(now, self._ctx.vector.total)
        if not ranked:
            return ()
        count = min(want, len(ranked))
        start = (attempt * count) % len(ranked)
        chosen = (ranked + ranked)[start : start + count]
        turn = attempt % count
        return tuple(chosen[turn:] + chosen[:turn])

    def _vector_ranges(self, exact: bool) -> list[SeqRange]:
        """Our whole vector as the ranges we lack (see Wants.vector_ranges)."""
        ranges: list[SeqRange] = []
        vector = self._ctx.vector
        for origin in vector.origins():
            if self._ctx.trusts(origin, vector.highest(origin) + 1):
                ranges += self._wants.vector_ranges(origin, exact)
        return ranges
