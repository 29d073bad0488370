"""Which records a node counts as held, per origin: a version vector with gaps.

A seq is *known* when the node stores the record, pruned it after expiry, or was told by
a neighbour that it was pruned (GONE). Known seqs are never requested again. An origin's
known seqs are almost always "1..upto", so each is stored as ``upto`` plus the few seqs
known above the first gap.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from meshaid.protocol.frames import HASH_BYTES, U32_MAX


class KnownSeqs:
    """The known seqs of one origin."""

    __slots__ = ("extras", "upto")

    def __init__(self) -> None:
        self.upto = 0  # every seq 1..upto is known
        self.extras: set[int] = set()  # known seqs above upto + 1

    def __contains__(self, seq: int) -> bool:
        return seq <= self.upto or seq in self.extras

    @property
    def highest(self) -> int:
        return max(self.extras) if self.extras else self.upto

    @property
    def count(self) -> int:
        return self.upto + len(self.extras)

    def add(self, seq: int) -> bool:
        """Count ``seq`` as known; False when it already was."""
        if seq in self:
            return False
        if seq == self.upto + 1:
            self.upto = seq
            self._absorb()
        else:
            self.extras.add(seq)
        return True

    def add_range(self, first: int, last: int) -> int:
        """Count ``first..last`` as known; returns how many were new.

        Cheap for a run that joins ``upto``; a run above a gap costs one set entry per seq,
        so callers clip runs that come from the air.
        """
        if last < first:
            return 0
        before = self.count
        if first <= self.upto + 1:
            self.upto = max(self.upto, last)
            self.extras = {s for s in self.extras if s > self.upto}
            self._absorb()
        else:
            self.extras.update(s for s in range(first, last + 1))
        return self.count - before

    def _absorb(self) -> None:
        while self.upto + 1 in self.extras:
            self.upto += 1
            self.extras.remove(self.upto)

    def missing(self, through: int) -> list[tuple[int, int]]:
        """Unknown seqs in 1..through as (first, last) runs, lowest first."""
        runs: list[tuple[int, int]] = []
        start = self.upto + 1
        for seq in sorted(self.extras):
            if seq > through:
                break
            if seq > start:
                runs.append((start, seq - 1))
            start = seq + 1
        if start <= through:
            runs.append((start, through))
        return runs

    def known_runs(self) -> Iterator[tuple[int, int]]:
        """Known seqs as (first, last) runs, lowest first."""
        if self.upto:
            yield (1, self.upto)
        run_start = run_end = 0
        for seq in sorted(self.extras):
            if run_end and seq == run_end + 1:
                run_end = seq
                continue
            if run_end:
                yield (run_start, run_end)
            run_start = run_end = seq
        if run_end:
            yield (run_start, run_end)


class VersionVector:
    """Known seqs of every origin, with a short hash that two nodes compare."""

    def __init__(self) -> None:
        self._origins: dict[int, KnownSeqs] = {}
        self._total = 0
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
        """How many seqs are known, over all origins."""
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
        if not self._seqs_for(origin).add(seq):
            return False
        self._total += 1
        self._dirty.add(origin)
        return True

    def add_range(self, origin: int, first: int, last: int) -> int:
        if last < first:
            return 0
        added = self._seqs_for(origin).add_range(first, min(last, U32_MAX))
        if added:
            self._total += added
            self._dirty.add(origin)
        return added

    def digest_hash(self) -> bytes:
        """XOR over origins of SHA-256(origin, its known runs), first bytes: equal iff the
        vectors are, but for a 2**-32 chance."""
        for origin in self._dirty:
            h = hashlib.sha256(origin.to_bytes(4, "big"))
            for first, last in self._origins[origin].known_runs():
                h.update(first.to_bytes(4, "big") + last.to_bytes(4, "big"))
            value = int.from_bytes(h.digest()[:HASH_BYTES], "big")
            self._xor ^= self._origin_hash.get(origin, 0) ^ value
            self._origin_hash[origin] = value
        self._dirty.clear()
        return self._xor.to_bytes(HASH_BYTES, "big")
