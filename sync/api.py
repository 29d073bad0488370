"""The interface every gossip protocol offers to whatever drives it.

A driver (the daemon's pump, or the simulator) owns the clock and the radio; the protocol
owns what to say and when. In the style of aioquic: bytes and ``now`` in, bytes out,
deadlines as data, events to drain. Nothing here reads a clock or touches a radio.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from meshaid.protocol.record import SignedRecord

BROADCAST: int | None = None

# Looks up an origin's Ed25519 public key; None when the origin is not known (yet).
KeyLookup = Callable[[int], bytes | None]
# (origin, seq) -> the key record seq of origin must verify with; None: refuse it (origin
# unknown, revoked past its last valid seq, or at or below its sequence floor).
Trust = Callable[[int, int], bytes | None]
# Whether a verified record's signer may change the entry it names.
Authorised = Callable[[SignedRecord], bool]


@dataclass(frozen=True)
class Outgoing:
    """One frame to put on air: to everyone in range (dest None), or to one node."""

    payload: bytes
    dest: int | None = BROADCAST


@dataclass(frozen=True)
class RecordsAccepted:
    """Records that arrived, verified, and are new to this node: store and merge them."""

    records: tuple[SignedRecord, ...]


@dataclass(frozen=True)
class PeerSeen:
    """A neighbour was heard (any valid frame)."""

    node: int
    now: float


@dataclass(frozen=True)
class FrameDropped:
    """A frame from the air was not valid; it was counted and ignored."""

    sender: int
    reason: str


Event = RecordsAccepted | PeerSeen | FrameDropped


class GossipProtocol(Protocol):
    """What a driver may call. ``now`` is seconds on the driver's monotonic clock."""

    def add_local(self, record: SignedRecord, now: float) -> None:
        """A record this node just created (already stored): spread it."""

    def receive(self, payload: bytes, sender: int, now: float) -> None:
        """A frame heard on air from ``sender``. Never raises on bad bytes."""

    def poll_transmit(self, now: float) -> Outgoing | None:
        """The next frame to send now, if any; call again until None."""

    def next_deadline(self) -> float | None:
        """When ``handle_timer`` should next be called; None when nothing is pending."""

    def handle_timer(self, now: float) -> None:
        """Let timers that are due fire."""

    def drain_events(self) -> list[Event]:
        """Events since the last call, oldest first."""
