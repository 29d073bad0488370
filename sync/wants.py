"""What a node lacks: seqs it knows exist but does not hold, and when it asked for them.

A node learns that a seq exists from a neighbour's digest, a record with a higher seq
(a gap), or a request it overhears. It asks for what it lacks; when a request for an
origin goes out (its own or a neighbour's, whose answer it will hear too), it waits
``retry`` after the request or after the last record of that origin, whichever is later,
before asking again, doubling with each unanswered request up to ``retry_cap``.
"""

from __future__ import annotations

from meshaid.protocol.frames import SeqRange

from .vector import VersionVector

# How far beyond what we hold a neighbour's claim about an origin is believed: bounds the
# memory and work a forged digest or GONE can cause. Far above an origin's yearly output.
MAX_LEAD = 4096
# Gap runs per origin put in one request; more are folded into one open range.
MAX_RUNS_PER_ORIGIN = 8


class Wants:
    def __init__(self, vector: VersionVector, retry: float, retry_cap: float) -> None:
        self.vector = vector
        self.retry_base = retry
        self.retry_cap = retry_cap
        self.wanting: set[int] = set()  # origins with something missing
        self._target: dict[int, int] = {}  # origin -> highest seq known to exist
        self._asked: dict[int, float] = {}
        self._progress: dict[int, float] = {}
        self._attempts: dict[int, int] = {}

    def highest_existing(self, origin: int) -> int:
        """The highest seq of ``origin`` we know exists, held or not."""
        return max(self._target.get(origin, 0), self.vector.highest(origin))

    def missing(self, origin: int) -> list[tuple[int, int]]:
        """Unknown seqs of ``origin`` up to the highest known to exist, as (first, last)."""
        through = self._target.get(origin, 0)
        seqs = self.vector.seqs(origin)
        if seqs is None:
            return [(1, through)] if through else []
        return seqs.missing(max(through, seqs.highest))

    def exists(self, origin: int, seq: int) -> bool:
        """A neighbour holds ``seq`` of ``origin``; True when we now lack something new."""
        seq = min(seq, self.vector.highest(origin) + MAX_LEAD)
        if seq <= self._target.get(origin, 0):
            return False
        self._target[origin] = seq
        return self.update(origin)

    def progressed(self, origin: int, now: float) -> bool:
        """Something of ``origin`` arrived (a record or a GONE). The retry waits for quiet
        after it; the backoff itself stays until the gap is filled: ending it on every
        answer had a catching-up node ask every 30 s, faster than its neighbours' budgets
        could answer (seen in the mesh simulator: its own budget went on requests).
        True when something of the origin is still missing."""
        self._progress[origin] = now
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

    def covered(self, origins: set[int], now: float) -> None:
        """A request for a whole vector (ours or a neighbour's) covers these origins."""
        for origin in origins:
            self._asked[origin] = now

    def attempts(self, origin: int) -> int:
        return self._attempts.get(origin, 0)

    def eligible_at(self, origin: int) -> float:
        """When ``origin``'s gaps may be asked for: at once, unless a request for them went
        out (ours or a neighbour's); then after the retry time without an answer."""
        asked = self._asked.get(origin)
        if asked is None:
            return float("-inf")
        return max(asked, self._progress.get(origin, asked)) + self.retry(origin)

    def retry(self, origin: int) -> float:
        """Wait before asking again: the base time after the first request, doubling with
        each unanswered one, up to the cap."""
        doublings = max(self._attempts.get(origin, 0) - 1, 0)
        return min(self.retry_base * (1 << min(doublings, 16)), self.retry_cap)

    def ranges(self, origin: int) -> list[SeqRange]:
        """What a request asks of ``origin``: the unknown runs, the last one left open
        (there may be more by now)."""
        through = self.highest_existing(origin)
        runs = self.missing(origin)
        if len(runs) > MAX_RUNS_PER_ORIGIN:
            runs = [(runs[0][0], through)]  # asks for some held ones again; rare
        return [SeqRange(origin, a, 0 if b >= through else b - a + 1) for a, b in runs]

    def vector_ranges(self, origin: int, exact: bool) -> list[SeqRange]:
        """All we lack of ``origin``, for a request that carries our whole vector: every
        gap (``exact``) or everything from the first unknown seq, always ending open."""
        runs = self.ranges(origin)
        if not exact and runs:
            runs = [SeqRange(origin, runs[0].first, 0)]
        if not runs or runs[-1].length:
            runs.append(SeqRange(origin, self.highest_existing(origin) + 1, 0))
        return runs
