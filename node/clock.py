"""The node's clock for on-air times.

Nodes are Raspberry Pis with no real-time clock: after a power cut one may boot in 1970
and run there until it reaches the internet, which during an outage may be never. Entries
are ordered by version, never by time, so a wrong clock only affects the times shown and
expiry; still, records stamped 1970 would look expired everywhere. So the minute a node
stamps is the largest of:

* the wall clock (the ``wall`` function, ``time.time`` by default);
* the high-water mark: the latest minute this node ever stamped, kept in the database;
* ``CLOCK_FLOOR``, a date before any meshaid node ran.

A node whose clock once ran ahead keeps stamping that later time until the real time
catches up; expiry on other nodes is protected against that by
meshaid.sync.lifetime.expires_at, which counts from when they first saw the entry.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from meshaid.protocol import timebase

# 2026-01-01T00:00Z in on-air minutes: no node could stamp an earlier time honestly.
CLOCK_FLOOR = timebase.to_minutes(datetime(2026, 1, 1, tzinfo=UTC).timestamp())

WallClock = Callable[[], float]


class NodeClock:
    """Turns a wall-clock function into clamped on-air minutes."""

    def __init__(self, wall: WallClock = time.time, floor: int = CLOCK_FLOOR) -> None:
        self._wall = wall
        self._floor = floor

    def wall_minute(self) -> int:
        return timebase.to_minutes(self._wall())

    def minute(self, high_water: int) -> int:
        """The on-air minute to use now, given the persisted high-water mark."""
        return max(self.wall_minute(), high_water, self._floor)
