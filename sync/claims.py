"""Claims: seqs a neighbour said it pruned (GONE), which no origin signed.

A GONE frame is not signed: any member, or a stolen node, can send one under any sender
id for any seqs. So a claim never makes a seq known (vector.py): it only pauses asking for
the seqs claimed until its time is up, and counts in the vector's hash meanwhile, so that
a node that never saw the pruned records (wiped, or new) compares equal with the nodes that
pruned them instead of unequal for ever. A record that arrives for a claimed seq is new as
any other, and the claim on it is dropped. Bounded: a few runs per origin and a fixed
number of origins, those due to end soonest giving way first; each claim is forgotten
when its time is up (``expire``), and asked about again then. A claim renewed for an
origin soon after its last one ended (the seqs were asked for again, and again reported
pruned) lasts twice as long, up to 2**MAX_DOUBLINGS times: a node that never saw records
pruned everywhere asks about them less and less often, not once an hour for ever. Repair
takes a claim only in answer to a request for the origin (repair.py), which any neighbour
that holds the records answers too: a forged claim cannot hide records a neighbour holds.
"""

from __future__ import annotations

from collections.abc import Iterable

Run = tuple[int, int]

# Runs claimed per origin, and in all: a GONE frame carries at most 38 ranges, and what a
# neighbour pruned is a few long runs (an origin's records expire roughly in seq order).
MAX_RUNS_PER_ORIGIN = 64
MAX_RUNS = 4096
MAX_ORIGINS = 1024
MAX_DOUBLINGS = 4


def merge_runs(*lists: Iterable[Run]) -> list[Run]:
    """The union of sorted or unsorted (first, last) runs, as maximal runs, ascending."""
    out: list[Run] = []
    for first, last in sorted(r for runs in lists for r in runs):
        if out and first <= out[-1][1] + 1:
            if last > out[-1][1]:
                out[-1] = (out[-1][0], last)
        else:
            out.append((first, last))
    return out


def subtract_runs(runs: Iterable[Run], minus: Iterable[Run]) -> list[Run]:
    """``runs`` without the seqs in ``minus`` (both ascending and disjoint), in one pass."""
    cut = list(minus)
    out: list[Run] = []
    j = 0
    for first, last in runs:
        while j < len(cut) and cut[j][1] < first:
            j += 1
        start = first
        k = j
        while k < len(cut) and cut[k][0] <= last and start <= last:
            a, b = cut[k]
            if a > start:
                out.append((start, a - 1))
            start = max(start, b + 1)
            k += 1
        if start <= last:
            out.append((start, last))
    return out


class Claims:
    def __init__(self) -> None:
        self._runs: dict[int, list[Run]] = {}  # origin -> claimed runs, ascending
        # origin -> (until, doublings, span): all of an origin's claims end together
        self._live: dict[int, tuple[float, int, float]] = {}
        # origin -> (doublings, when its claims ended, their span): to tell a renewal
        self._ended: dict[int, tuple[int, float, float]] = {}
        self._count = 0  # runs claimed, over all origins

    def __len__(self) -> int:
        return self._count

    def until(self, origin: int) -> float | None:
        live = self._live.get(origin)
        return None if live is None else live[0]

    def add(self, origin: int, first: int, last: int, now: float, pause: float) -> None:
        """Claim ``first..last`` of ``origin`` for ``pause`` seconds, doubled for each
        renewal in a row (a claim soon after the origin's last one ended, see above)."""
        if last < first:
            return
        if origin not in self._live:
            doublings = 0
            ended = self._ended.pop(origin, None)
            if ended is not None and now < ended[1] + ended[2]:
                doublings = min(ended[0] + 1, MAX_DOUBLINGS)
            span = pause * (1 << doublings)
            if len(self._live) >= MAX_ORIGINS:
                self._forget(min(self._live, key=lambda o: self._live[o][0]))
            self._live[origin] = (now + span, doublings, span)
            self._runs[origin] = []
        self._set(origin, merge_runs(self._runs[origin], [(first, last)]))
        while self._count > MAX_RUNS:
            # The claims due to end soonest give way first (never the one just made).
            self._forget(min((o for o in self._live if o != origin),
                             key=lambda o: self._live[o][0]))

    def _set(self, origin: int, runs: list[Run]) -> None:
        runs = runs[:MAX_RUNS_PER_ORIGIN]
        self._count += len(runs) - len(self._runs.get(origin, ()))
        if runs:
            self._runs[origin] = runs
        else:
            self._forget(origin)

    def _forget(self, origin: int) -> None:
        self._count -= len(self._runs.pop(origin, ()))
        self._live.pop(origin, None)

    def runs(self, origin: int) -> list[Run]:
        return self._runs.get(origin, [])

    def drop(self, origin: int, first: int, last: int) -> bool:
        """Forget claims on ``first..last`` of ``origin`` (records arrived for them);
        True when there were some."""
        runs = self._runs.get(origin)
        if not runs:
            return False
        left = subtract_runs(runs, [(first, last)])
        if left == runs:
            return False
        self._set(origin, left)
        return True

    def expire(self, now: float) -> set[int]:
        """Forget the claims whose time is up; returns the origins that had some."""
        for origin in [o for o, e in self._ended.items() if now >= e[1] + e[2]]:
            del self._ended[origin]
        changed = {o for o, live in self._live.items() if live[0] <= now}
        for origin in changed:
            _, doublings, span = self._live[origin]
            self._forget(origin)
            self._ended[origin] = (doublings, now, span)
        return changed
