"""What carries frames between fake radios: the ``Air`` interface and a simple local bus.

A fake device hands each frame it transmits to its Air; the Air decides who hears it,
when, and how well, and calls ``hear`` on each receiver. ``LocalAir`` is the simplest
answer: every radio that joined hears every frame of every other one, at once. A LoRa
mesh simulator (flooding, loss, collisions, airtime) can stand in for it by implementing
the same three methods.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Protocol

BROADCAST_NUM = 0xFFFF_FFFF


@dataclass(frozen=True)
class AirFrame:
    """One LoRa frame as a Meshtastic node puts it on air.

    The header fields are those the firmware sends in clear (``PacketHeader``). ``data``
    is the serialized ``Data`` protobuf that real radios encrypt with the channel key; the
    fake keeps it clear and carries the expanded key beside it, so that a receiver decodes
    the frame only when it holds the same key, as AES-CTR would allow.
    """

    sender: int
    dest: int
    packet_id: int
    hop_limit: int
    hop_start: int
    want_ack: bool
    channel_hash: int
    channel_key: bytes
    region: int  # Config.LoRaConfig.RegionCode: radios on other regions or presets
    modem_preset: int  # cannot hear each other at all
    data: bytes
    # A direct message sealed with PKI (meshaid.hardware.fake_radio.pki): the sender's
    # public key and the receiver's key it was sealed for; empty on the channel key.
    pki: tuple[bytes, bytes] = (b"", b"")

    @property
    def phy_payload_len(self) -> int:
        """Bytes on air: the 16-byte clear header and the (encrypted) Data."""
        return 16 + len(self.data)


class Receiver(Protocol):
    """A radio an Air can deliver to."""

    @property
    def node_num(self) -> int: ...

    def hear(self, frame: AirFrame, rssi: float, snr: float) -> None: ...


class Air(Protocol):
    """The medium fake radios share."""

    def join(self, radio: Receiver) -> None: ...

    def leave(self, radio: Receiver) -> None: ...

    def transmit(self, frame: AirFrame) -> None: ...


class LocalAir:
    """Every joined radio hears every other one directly, with fixed signal figures."""

    def __init__(self, rssi: float = -70.0, snr: float = 8.0) -> None:
        self.rssi = rssi
        self.snr = snr
        self._radios: list[Receiver] = []
        self._lock = threading.Lock()
        self.frames = 0

    def join(self, radio: Receiver) -> None:
        with self._lock:
            if radio not in self._radios:
                self._radios.append(radio)

    def leave(self, radio: Receiver) -> None:
        with self._lock:
            if radio in self._radios:
                self._radios.remove(radio)

    def transmit(self, frame: AirFrame) -> None:
        with self._lock:
            listeners = [r for r in self._radios if r.node_num != frame.sender]
            self.frames += 1
        # Deliver outside the lock: a receiver may answer (an ACK) from inside hear().
        for radio in listeners:
            radio.hear(frame, self.rssi, self.snr)
