"""Slowing down when the channel is busy, as the firmware itself does.

Meshtastic firmware (airtime.h) holds back its own optional traffic once the channel
utilisation it measured over the last minute reaches 25 % ("polite"), and skips sending
at 40 %. The daemon reads the same figure from the radio's device metrics and keeps to
the same manners, so that the board's gossip never pushes a shared channel over the
edge: at 25 % it sends at most one frame every BUSY_GAP seconds, at 40 % none until the
channel calms down. The engine keeps what was not sent; digests repair the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

POLITE_UTILISATION = 25.0
MAX_UTILISATION = 40.0
BUSY_GAP = 20.0  # seconds between frames on a busy channel


@dataclass
class ChannelManners:
    """Says whether a frame may go out now, given the channel utilisation last reported."""

    next_allowed: float = 0.0

    def may_send(self, utilisation: float | None, now: float) -> bool:
        if utilisation is None or utilisation < POLITE_UTILISATION:
            return True
        if utilisation >= MAX_UTILISATION:
            return False
        return now >= self.next_allowed

    def sent(self, utilisation: float | None, now: float) -> None:
        if utilisation is not None and utilisation >= POLITE_UTILISATION:
            self.next_allowed = now + BUSY_GAP

    def wait(self, utilisation: float | None, now: float) -> float | None:
        """Seconds until sending may resume, or None when it may go on now."""
        if self.may_send(utilisation, now):
            return None
        if utilisation is not None and utilisation >= MAX_UTILISATION:
            return BUSY_GAP  # look again when the radio may have reported a calmer minute
        return self.next_allowed - now
