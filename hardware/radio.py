"""The one interface the daemon uses to reach the air, whatever carries the frames.

A radio sends opaque payloads (our port-256 bytes) to everyone in range or to one node,
and hands every frame it receives to one callback. The Meshtastic radio over serial or
TCP, and the simulated LoRa mesh (meshaid.hardware.sim.lorasim), both implement it; tests and
the simulator pass one in, the way httpx takes a transport.

Nothing here knows about records or gossip: the radio moves bytes, the protocol decides
what to say.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

BROADCAST: int | None = None
BROADCAST_NUM = 0xFFFF_FFFF  # the node number Meshtastic writes in "to" for a broadcast


class RadioError(Exception):
    """Root of meshaid.hardware errors: the radio cannot do what was asked."""


@dataclass(frozen=True)
class Received:
    """One frame heard on air, as the radio reports it."""

    payload: bytes
    sender: int  # node number of the node that made the frame (Meshtastic "from")
    rssi: float  # dBm, of the last hop
    snr: float  # dB, of the last hop
    channel: int  # channel index the frame came in on
    dest: int | None  # None: a broadcast; else the node number it was addressed to
    hops: int = 0  # relays on the way; 0 when heard from the sender directly


ReceiveCallback = Callable[[Received], None]


@runtime_checkable
class Radio(Protocol):
    """What the daemon may ask of a radio."""

    @property
    def node_id(self) -> int:
        """This radio's node number."""

    @property
    def mtu(self) -> int:
        """The largest payload ``send`` accepts, in bytes."""

    @property
    def connected(self) -> bool:
        """False while the radio is unplugged, rebooting or switched off."""

    def send(
        self, payload: bytes, dest: int | None = BROADCAST, *, hop_limit: int | None = None
    ) -> None:
        """Queue ``payload`` for the air: to everyone (``dest`` None) or to one node.

        ``hop_limit`` is how many times the mesh may relay the frame (0: neighbours only);
        None uses the radio's configured default. Raises RadioError when the payload is over
        ``mtu`` or the radio is not connected. Frames the radio later refuses (duty cycle,
        full queue) are dropped and counted by the radio, as the firmware does.
        """

    def on_receive(self, callback: ReceiveCallback) -> None:
        """Call ``callback`` with every frame received from now on (replaces any earlier one)."""
