"""What a node lacks: seqs it knows exist but does not hold, and when it asked for them.

A node learns that a seq exists from a neighbour's digest, a record with a higher seq
(a gap), or a request it overhears. It asks for what it lacks; when a request for an
origin goes out (its own or a neighbour's, whose answer it will hear too), it waits
``retry`` after the request or after the last record of that origin, whichever is later,
before asking again, doubling with each request that brought nothing, up to ``retry_cap``.

A digest is not signed: what it says exists beyond the seqs we know is a claim. It is
believed at most MAX_LEAD seqs ahead, and forgotten when nothing of it arrived for the
claim memory (``expire``); the next digest that lists the origin tells us again. Seqs a
neighbour reported pruned are not asked for while that claim lasts (claims.py).
"""

from __future__ import annotations

from collections import OrderedDict

from meshaid.protocol.frames import SeqRange
from meshaid.sync.claims import subtract_runs
from meshaid.sync.vector import VersionVector

# How far beyond what we hold a neighbour's claim about an origin is believed: bounds the
# memory and work a forged digest can cause. Far above an origin's yearly output.
MAX_LEAD = 4096
# Gap runs per origin put in one request; those beyond wait for the next request.
MAX_RUNS_PER_ORIGIN = 8


class Wants:
    def __init__(self, vector: VersionVector, retry: float, retry_cap: float) -> None:
        self.vector = vector
        # The first wait before asking again, and the gap between pushes that makes them a
        # flood; repair sets it to what an answer needs in the neighbourhood heard.
        self.retry_base = retry
        self.retry_cap = retry_cap
        self.wanting: set[int] = set()  # origins with something missing
        self._target: dict[int, int] = {}  # origin -> highest seq known to exist
        # When a digest last raised an origin's target beyond the seqs we know.
        self._claimed_at: dict[int, float] = {}
        self._asked: dict[int, float] = {}
        self._progress: dict[int, float] = {}
        self._attempts: dict[int, int] = {}
        # Our requests for an origin since a record of it last arrived: the backoff.
        self._unanswered: dict[int, int] = {}
        # Records of an origin arriving in pushes one after another: origin -> (last, run).
        self._pushed: dict[int, tuple[float, int]] = {}

    def highest_existing(self, origin: int) -> int:
        """The highest seq of ``origin`` we know exists, held or not."""
        return max(self._target.get(origin, 0), self.vector.highest(origin))

    def missing(self, origin: int) -> list[tuple[int, int]]:
        """Unknown seqs of ``origin`` up to the highest known to exist, as (first, last),
        but for those a neighbour's claim says were pruned (paused, see claims.py)."""
        through = self._target.get(origin, 0)
        seqs = self.vector.seqs(origin)
        if seqs is None:
            runs = [(1, through)] if through else []
        else:
            runs = seqs.missing(max(through, seqs.highest))
        claimed = self.vector.claims.runs(origin)
        return subtract_runs(runs, claimed) if claimed and runs else runs

    def exists(self, origin: int, seq: int, now: float = 0.0) -> bool:
        """A neighbour holds ``seq`` of ``origin``; True when we now lack something new."""
        highest = self.vector.highest(origin)
        seq = min(seq, highest + MAX_LEAD)
        if seq <= self._target.get(origin, 0):
            return False
        self._target[origin] = seq
        if seq > highest:
            self._claimed_at[origin] = now
        return self.update(origin)

    def expire(self, now: float, memory: float) -> None:
        """Forget what digests said exists beyond the seqs we know, for origins of which
        nothing came for ``memory`` seconds (a forged digest's claim, or records nobody
        near us holds); a later digest that lists the origin tells us again."""
        for origin, at in list(self._claimed_at.items()):
            if max(at, self._progress.get(origin, at)) + memory > now:
                continue
            del self._claimed_at[origin]
            if self._target.get(origin, 0) > self.vector.highest(origin):
                self._target[origin] = self.vector.highest(origin)
                self.update(origin)

    def progressed(self, origin: int, now: float, answered: bool = True) -> bool:
        """Something of ``origin`` arrived (a record or a GONE). The retry waits for quiet
        after it. When it came as an answer (``answered``; a push arrives whether we ask
        or not), the backoff starts again from the base time: requests for the origin
        are being answered. Kept until the gap was filled, the backoff reached an hour
        on nodes that had asked through a busy hour (every neighbour declining), and
        they waited that long between requests once answers could flow again: in the
        simulator's healed partition, the copies still missing at the end were all known
        to exist, most held by a neighbour, and waiting out such a backoff. Ending it on
        a push as well had every node ask every 30 s while the other side's records
        flooded in (requests took 2,154 s of the 4,674 s on air in the second hour after
        the heal).
        True when something of the origin is still missing."""
        self._progress[origin] = now
        if answered:
            self._unanswered.pop(origin, None)
        else:
            last, run = self._pushed.get(origin, (float("-inf"), 0))
            self._pushed[origin] = (now, run + 1 if now < last + self.retry_base else 1)
        return self.update(origin)

    def update(self, origin: int) -> bool:
        """Recheck ``origin``; True when something of it is missing."""
        if self.missing(origin):
            self.wanting.add(origin)
            return True
        if origin in self.wanting:
            self.wanting.discard(origin)
            # Complete: the next gap of this origin is asked for without waiting.
            self._asked.pop(origin, None)
            self._attempts.pop(origin, None)
            self._unanswered.pop(origin, None)
            self._pushed.pop(origin, None)
        return False

    def overheard(self, origin: int, first: int, now: float) -> bool:
        """A neighbour asked for ``origin`` from ``first``: if that covers what we lack, its
        answer will reach us too, so we count it as our own request. True if it did."""
        missing = self.missing(origin)
        if missing and missing[0][0] >= first:
            self._asked[origin] = now
            return True
        return False

    def asked(self, origins: list[int], now: float) -> None:
        """We asked for these origins (a request went out)."""
        for origin in origins:
            self._asked[origin] = now
            self._attempts[origin] = self._attempts.get(origin, 0) + 1
            self._unanswered[origin] = self._unanswered.get(origin, 0) + 1

    def covered(self, origins: set[int], now: float) -> None:
        """A request for a whole vector (ours or a neighbour's) covers these origins."""
        for origin in origins:
            self._asked[origin] = now

    def asked_at(self, origin: int) -> float:
        """When a request for ``origin`` (ours, or one overheard that covers ours) last
        went out since it was last complete."""
        return self._asked.get(origin, float("-inf"))

    def attempts(self, origin: int) -> int:
        """Our requests for ``origin`` since it was last complete."""
        return self._attempts.get(origin, 0)

    def eligible_at(self, origin: int) -> float:
        """When ``origin``'s gaps may be asked for: at once, unless a request for them went
        out (ours or a neighbour's), then after the retry time without an answer, or
        its records are arriving in pushes one after another, then once they pause."""
        flood = float("-inf")
        last, run = self._pushed.get(origin, (flood, 0))
        if run >= 2:
            # Its records are being pushed to us one after another (a healed partition's
            # records flooding in): what we lack of it is probably on its way. Asking at
            # once, in the simulator's healed partition, left 2,279 copies missing 8 h
            # after the heal (1,265 with this wait) and cost 3,300 s more airtime.
            flood = last + self.retry_base
        asked = self._asked.get(origin)
        if asked is None:
            return flood
        return max(asked, self._progress.get(origin, asked)) + self.retry(origin)

    def retry(self, origin: int) -> float:
        """Wait before asking again: the base time after the first two requests, doubling
        with each further one that brought nothing, up to the cap. On a link losing one
        frame in ten, a request and its answer both arrive four times in five: doubling
        from the first failure made two losses in a row cost a minute or more (the demo's
        line of four daemons missed its two minutes in one run of five that way)."""
        doublings = max(self._unanswered.get(origin, 0) - 2, 0)
        return min(self.retry_base * (1 << min(doublings, 16)), self.retry_cap)

    def ranges(self, origin: int) -> list[SeqRange]:
        """What a request asks of ``origin``: the first unknown runs, the last one left
        open when it reaches the highest seq known to exist (there may be more by now).
        Runs beyond the first few are asked for next time: folding them into one open
        range made answerers resend what we held. A node catching up holds scattered
        seqs (each answerer sends its share, the most useful first, and some are lost):
        of the records answered to the simulator's wiped node, 64 % were repeats; 13 %
        once this and the answerers' turns (engine) were in."""
        through = self.highest_existing(origin)
        runs = self.missing(origin)[:MAX_RUNS_PER_ORIGIN]
        return [SeqRange(origin, a, 0 if b >= through else b - a + 1) for a, b in runs]

    def vector_ranges(self, origin: int, exact: bool) -> list[SeqRange]:
        """All we lack of ``origin``, for a request that carries our whole vector: the
        first gaps (``exact``, see ``ranges``) or everything from the first unknown seq,
        always ending open."""
        runs = self.ranges(origin)
        if not exact and runs:
            runs = [SeqRange(origin, runs[0].first, 0)]
        if not runs or runs[-1].length:
            runs.append(SeqRange(origin, self.highest_existing(origin) + 1, 0))
        return runs


# Origins whose requests by neighbours are remembered (``Overheard``), least recent out.
MAX_OVERHEARD = 256


class Overheard:
    """What neighbours asked for lately, per origin as one span (first, last; None: open):
    a record of it that we get by repair is passed on, since the asker may not hear the
    node that answered us (in a line of nodes, each hop used to wait for its own request
    and retry). Requests are not signed: the most a forged one does is make us pass on
    once a record we took anyway, as a push does; the table is bounded and forgets."""

    def __init__(self, memory: float, cap: int = MAX_OVERHEARD) -> None:
        self.memory = memory
        self.cap = cap
        self._spans: OrderedDict[int, tuple[int, int | None, float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._spans)

    def heard(self, origin: int, first: int, last: int | None, now: float) -> None:
        old = self._spans.get(origin)
        if old is not None and old[2] + self.memory > now:
            first = min(first, old[0])
            last = None if last is None or old[1] is None else max(last, old[1])
        self._spans[origin] = (first, last, now)
        self._spans.move_to_end(origin)
        while len(self._spans) > self.cap:
            self._spans.popitem(last=False)

    def wanted(self, origin: int, seq: int, now: float) -> bool:
        """A neighbour asked for ``seq`` of ``origin`` within the memory."""
        span = self._spans.get(origin)
        if span is None:
            return False
        first, last, at = span
        return at + self.memory > now and first <= seq and (last is None or seq <= last)

    def expire(self, now: float) -> None:
        horizon = now - self.memory
        while self._spans and next(iter(self._spans.values()))[2] <= horizon:
            self._spans.popitem(last=False)
