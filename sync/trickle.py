"""The Trickle timer of RFC 6206, as a pure state machine driven by ``now``.

Rules (numbers as in RFC 6206 section 4.2):
  1-2. an interval of length I starts with counter c = 0 and a random t in [I/2, I);
  3.   each consistent transmission heard adds 1 to c;
  4.   at t, transmit if c < k;
  5.   when the interval ends, I doubles, capped at Imax, and a new interval starts;
  6.   an inconsistent transmission (or an event such as new data) resets I to Imin and
       starts a new interval, unless I already is Imin.
Imin and Imax are in seconds here (not a count of doublings).

Beyond the RFC, ``announce`` inserts one short interval and then resumes the interval it
interrupted, for events that need one prompt transmission rather than a new sequence of
doublings.
"""

from __future__ import annotations

import random

from meshaid.protocol.errors import UsageError


class Trickle:
    def __init__(self, imin: float, imax: float, k: int, rng: random.Random) -> None:
        if not 0 < imin <= imax:
            raise UsageError("Trickle needs 0 < Imin <= Imax")
        if k < 1:
            raise UsageError("Trickle redundancy constant k must be at least 1")
        self.imin = imin
        self.imax = imax
        self.k = k
        self._rng = rng
        self.interval = imin
        self.counter = 0
        self._start = 0.0
        self._t = 0.0
        self._fired = True
        self._running = False
        # After an announcement: the interval to go back to when the short one ends.
        self._resume: float | None = None

    @property
    def running(self) -> bool:
        return self._running

    @property
    def interval_start(self) -> float:
        return self._start

    def start(self, now: float, interval: float | None = None) -> None:
        """Start (or restart) with the given interval, Imin by default."""
        self.interval = min(max(interval or self.imin, self.imin), self.imax)
        self._resume = None
        self._running = True
        self._begin(now)

    def _begin(self, start: float) -> None:
        self.counter = 0
        self._start = start
        self._t = start + self._rng.uniform(self.interval / 2, self.interval)
        self._fired = False

    def next_deadline(self) -> float | None:
        if not self._running:
            return None
        return self._start + self.interval if self._fired else self._t

    def advance(self, now: float) -> bool:
        """Let time pass up to ``now``; True when a transmission is due (rule 4)."""
        if not self._running:
            return False
        transmit = False
        while True:
            if not self._fired and now >= self._t:
                self._fired = True
                transmit = transmit or self.counter < self.k
            end = self._start + self.interval
            if now < end:
                return transmit
            if self._resume is not None:
                self.interval, self._resume = self._resume, None
            else:
                self.interval = min(self.interval * 2, self.imax)
            # A driver that comes back after a long pause starts afresh rather than
            # replaying every interval it missed.
            self._begin(end if now < end + self.imax else now)

    def hear_consistent(self) -> None:
        self.counter += 1

    def hear_inconsistent(self, now: float, interval: float | None = None) -> None:
        """Rule 6; also what new data does. A protocol may reset to a longer interval than
        Imin for events that need less haste (``interval``, at least Imin)."""
        target = self.imin if interval is None else min(max(interval, self.imin), self.imax)
        if not self._running:
            self.start(now, target)
        elif self.interval > target:
            self.interval = target
            self._resume = None
            self._begin(now)
        elif self._resume is not None and self.interval == target:
            # Inside an announcement of the same length: keep it, but double afterwards.
            self._resume = None

    def announce(self, now: float, interval: float) -> None:
        """One interval of ``interval`` seconds (at least Imin) starting now, then back to the
        interval this one interrupted instead of doubling up from the short one. Nothing
        changes when the current interval is no longer."""
        target = min(max(interval, self.imin), self.imax)
        if not self._running:
            self.start(now, target)
            return
        if self.interval <= target:
            return
        resume = self.interval if self._resume is None else self._resume
        self.interval = target
        self._begin(now)
        self._resume = resume
