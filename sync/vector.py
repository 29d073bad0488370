"""Which records a node counts as held, per origin: a version vector with gaps.

A seq is *known* when the node holds a record the origin signed for it, pruned it after
expiry, or saw it arrive expired. Only signed records make a seq known: a neighbour's
word (a digest, a GONE) never does, so no unsigned claim can make a node stop asking
for, storing or relaying a record. Known seqs are never requested again. An origin's
known seqs are almost always "1..upto", so each is stored as ``upto`` plus the few runs
known above the first gap.

Seqs a neighbour reported pruned (GONE) are *claims* (claims.py): they pause asking for a
while and count in the hash, so that a node that never saw the pruned records agrees with
the nodes that pruned them, but they are never known, never in the total and never
reported on.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left, bisect_right
from collections.abc import Iterator

from meshaid.protocol.frames import HASH_BYTES, U32_MAX
from meshaid.sync.claims import Claims, merge_runs

# Runs above an origin's first gap. Each is opened by a record the origin signed with a
# seq beyond one it has not (yet) been seen to sign; beyond this many (an origin signing
# scattered seqs on purpose), the lowest gap is given up as known, so memory and the work
# per frame stay bounded. A node catching up a whole store holds scattered seqs for a
# while: far fewer than this per origin.
MAX_GAPS = 1024


class KnownSeqs:
    """The known seqs of one origin: ``1..upto``, and disjoint runs above ``upto + 1``."""

    __slots__ = ("_ends", "_extra", "_starts", "upto")

    def __init__(self) -> None:
        self.upto = 0  # every seq 1..upto is known
        self._starts: list[int] = []  # runs above the first gap, ascending, never touching
        self._ends: list[int] = []
        self._extra = 0  # seqs in those runs

    def __contains__(self, seq: int) -> bool:
        if seq <= self.upto:
            return True
        i = bisect_right(self._starts, seq) - 1
        return i >= 0 and seq <= self._ends[i]

    @property
    def highest(self) -> int:
        return self._ends[-1] if self._ends else self.upto

    @property
    def count(self) -> int:
        return self.upto + self._extra

    @property
    def gaps(self) -> int:
        """Gaps below the highest known seq (one below each run above ``upto``)."""
        return len(self._starts)

    def add(self, seq: int) -> bool:
        """Count ``seq`` as known; False when it already was."""
        return self.add_range(seq, seq) > 0

    def add_range(self, first: int, last: int) -> int:
        """Count ``first..last`` as known; returns how many were new (gaps given up
        included). Linear in the runs held, whatever the length of the range."""
        first = max(first, self.upto + 1)
        if last < first:
            return 0
        before = self.count
        starts, ends = self._starts, self._ends
        # Runs that overlap or touch first..last merge with it.
        i = bisect_left(ends, first - 1)
        j = bisect_right(starts, last + 1)
        if i < j:
            first, last = min(first, starts[i]), max(last, ends[j - 1])
            self._extra -= sum(e - s + 1 for s, e in zip(starts[i:j], ends[i:j], strict=True))
        starts[i:j] = [first]
        ends[i:j] = [last]
        self._extra += last - first + 1
        if starts[0] == self.upto + 1:
            self._absorb_first()
        while len(starts) > MAX_GAPS:
            self._absorb_first()  # the lowest gap is given up (see MAX_GAPS)
        return self.count - before

    def remove(self, seq: int) -> bool:
        """Count ``seq`` as unknown again; False when it was not known."""
        if seq not in self:
            return False
        starts, ends = self._starts, self._ends
        if seq <= self.upto:
            if seq < self.upto:
                starts.insert(0, seq + 1)
                ends.insert(0, self.upto)
                self._extra += self.upto - seq
            self.upto = seq - 1
            return True
        i = bisect_right(starts, seq) - 1
        first, last = starts[i], ends[i]
        if first == last:
            del starts[i]
            del ends[i]
        elif seq == first:
            starts[i] = seq + 1
        elif seq == last:
            ends[i] = seq - 1
        else:
            ends[i] = seq - 1
            starts.insert(i + 1, seq + 1)
            ends.insert(i + 1, last)
        self._extra -= 1
        return True

    def _absorb_first(self) -> None:
        self._extra -= self._ends[0] - self._starts[0] + 1
        self.upto = self._ends[0]
        del self._starts[0]
        del self._ends[0]

    def missing(self, through: int) -> list[tuple[int, int]]:
        """Unknown seqs in 1..through as (first, last) runs, lowest first."""
        runs: list[tuple[int, int]] = []
        start = self.upto + 1
        for s, e in zip(self._starts, self._ends, strict=True):
            if s > through:
                break
            if s > start:
                runs.append((start, s - 1))
            start = e + 1
        if start <= through:
            runs.append((start, through))
        return runs

    def known_runs(self) -> Iterator[tuple[int, int]]:
        """Known seqs as (first, last) runs, lowest first."""
        if self.upto:
            yield (1, self.upto)
        yield from zip(self._starts, self._ends, strict=True)


class VersionVector:
    """Known seqs of every origin, with a short hash that two nodes compare."""

    def __init__(self) -> None:
        self._origins: dict[int, KnownSeqs] = {}
        self._total = 0
        self.claims = Claims()
        # The hash is the XOR of one hash per origin, so a change to one origin costs
        # one small hash, not a pass over the whole vector.
        self._origin_hash: dict[int, int] = {}
        self._dirty: set[int] = set()
        self._xor = 0
        self._sorted: list[int] | None = None

    def __contains__(self, origin: int) -> bool:
        return origin in self._origins

    def __len__(self) -> int:
        return len(self._origins)

    def knows(self, origin: int, seq: int) -> bool:
        known = self._origins.get(origin)
        return known is not None and seq in known

    def seqs(self, origin: int) -> KnownSeqs | None:
        return self._origins.get(origin)

    def highest(self, origin: int) -> int:
        known = self._origins.get(origin)
        return known.highest if known is not None else 0

    @property
    def total(self) -> int:
        """How many seqs are known, over all origins (claims not counted)."""
        return self._total

    def origins(self) -> list[int]:
        """Known origins in ascending order (cached)."""
        if self._sorted is None:
            self._sorted = sorted(self._origins)
        return self._sorted

    def _seqs_for(self, origin: int) -> KnownSeqs:
        known = self._origins.get(origin)
        if known is None:
            known = self._origins[origin] = KnownSeqs()
            self._sorted = None
        return known

    def add(self, origin: int, seq: int) -> bool:
        return self.add_range(origin, seq, seq) > 0

    def add_range(self, origin: int, first: int, last: int) -> int:
        if last < first:
            return 0
        added = self._seqs_for(origin).add_range(first, min(last, U32_MAX))
        if added:
            self._total += added
            self._dirty.add(origin)
            self.claims.drop(origin, first, last)  # a signed record makes a claim moot
        return added

    def remove(self, origin: int, seq: int) -> bool:
        """A held record was dropped before its time (limits.py): its seq is unknown again."""
        known = self._origins.get(origin)
        if known is None or not known.remove(seq):
            return False
        self._total -= 1
        self._dirty.add(origin)
        return True

    def claim(self, origin: int, first: int, last: int, now: float, pause: float) -> None:
        """A neighbour says it pruned these seqs: a claim for a while (claims.py)."""
        self.claims.add(origin, first, last, now, pause)
        self._dirty.add(origin)

    def expire_claims(self, now: float) -> set[int]:
        """Forget claims whose time is up; returns their origins."""
        changed = self.claims.expire(now)
        self._dirty |= changed
        return changed

    def digest_hash(self) -> bytes:
        """XOR over origins of SHA-256(origin, its known and claimed runs), first bytes:
        equal iff the vectors are, but for a 2**-32 chance."""
        for origin in self._dirty:
            known = self._origins.get(origin)
            runs = list(known.known_runs()) if known is not None else []
            claimed = self.claims.runs(origin)
            if claimed:
                runs = merge_runs(runs, claimed)
            value = 0
            if runs:
                h = hashlib.sha256(origin.to_bytes(4, "big"))
                for first, last in runs:
                    h.update(first.to_bytes(4, "big") + last.to_bytes(4, "big"))
                value = int.from_bytes(h.digest()[:HASH_BYTES], "big")
            self._xor ^= self._origin_hash.get(origin, 0) ^ value
            self._origin_hash[origin] = value
        self._dirty.clear()
        return self._xor.to_bytes(HASH_BYTES, "big")
