"""The periods the committee reports on: the last 7 or 30 days ending now.

A period is a rolling window of whole minutes on the board's clock (on-air minutes,
meshaid.protocol.timebase), not a calendar week or month, so that a report made on any
day covers the same length of time; the period before is the same length just before.
"""

from __future__ import annotations

from dataclasses import dataclass

MINUTES_PER_DAY = 24 * 60
PERIOD_DAYS = {"week": 7, "month": 30}


@dataclass(frozen=True)
class Period:
    """Minutes ``start`` (included) to ``end`` (excluded), and what it is called."""

    name: str  # "week" or "month"
    start: int
    end: int

    @classmethod
    def ending(cls, name: str, now: int) -> Period:
        """The ``name`` ("week" or "month") that ends at minute ``now`` (included)."""
        if name not in PERIOD_DAYS:
            raise ValueError(f"unknown period {name!r}; valid: {', '.join(PERIOD_DAYS)}")
        return cls(name, now + 1 - PERIOD_DAYS[name] * MINUTES_PER_DAY, now + 1)

    @property
    def days(self) -> int:
        return (self.end - self.start) // MINUTES_PER_DAY

    @property
    def length(self) -> int:
        return self.end - self.start

    def before(self) -> Period:
        """The period of the same length just before this one."""
        return Period(self.name, self.start - self.length, self.start)

    def ahead(self) -> Period:
        """The period of the same length just after this one (what is scheduled)."""
        return Period(self.name, self.end, self.end + self.length)
