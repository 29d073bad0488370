"""The one interface a node uses to reach the air, whatever carries the frames.

A radio sends opaque payloads (our port-256 bytes) to everyone in range or to one node,
sends and receives residents' direct text messages, says whether it is connected and has
room for another frame, and reports what it measures of the channel. The Meshtastic radio
over serial or TCP (meshaid.hardware.meshtastic_radio), the simulated LoRa mesh
(meshaid.hardware.sim.lorasim) and the in-memory radio for tests
(meshaid.hardware.memory_radio) implement it; the daemon's pump takes any of them, the way
httpx takes a transport.

Nothing here knows about records or gossip: the radio moves bytes, the protocol decides
what to say.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

BROADCAST: int | None = None
BROADCAST_NUM = 0xFFFF_FFFF  # the node number Meshtastic writes in "to" for a broadcast


class RadioError(Exception):
    """Root of meshaid.hardware errors: the radio cannot do what was asked."""


class RadioAddressError(RadioError, ValueError):
    """A destination, hop limit, channel or radio address that cannot be used."""


class RadioNotConnectedError(RadioError):
    """The radio is unplugged, rebooting, switched off or closed."""


class PayloadTooLargeError(RadioError, ValueError):
    """A payload or text over what one frame carries."""


class RadioQueueFullError(RadioError):
    """The radio's send queue has no room; try again when it has drained."""


PKI_KEY_BYTES = 32  # a Meshtastic node's Curve25519 public key


def checked_pins(keys: Mapping[int, bytes]) -> dict[int, bytes]:
    """``keys`` for ``Radio.pin_keys`` as a new dict; RadioAddressError for a node number
    no radio has or a key that is not 32 bytes."""
    out: dict[int, bytes] = {}
    for node, key in keys.items():
        if not 0 < node < BROADCAST_NUM:
            raise RadioAddressError(f"{node:#x} is not a radio's node number")
        if len(key) != PKI_KEY_BYTES:
            raise RadioAddressError(f"the key pinned for !{node:08x} is {len(key)} bytes, "
                                    f"not {PKI_KEY_BYTES}")
        out[node] = bytes(key)
    return out


@dataclass(frozen=True)
class Received:
    """One frame (or text) heard on air, as the radio reports it."""

    payload: bytes
    sender: int  # node number of the node that made the frame (Meshtastic "from")
    rssi: float  # dBm, of the last hop
    snr: float  # dB, of the last hop
    channel: int  # channel index the frame came in on
    dest: int | None  # None: a broadcast; else the node number it was addressed to
    hops: int = 0  # relays on the way; 0 when heard from the sender directly
    # A direct text the radio decrypted with the sender's public key (Meshtastic PKI,
    # firmware 2.5+): only then does ``sender`` say who wrote it, and ``public_key`` is
    # the key the radio holds for that sender. Anyone can put any number in "from" of a
    # plain (channel-key) message.
    pki_encrypted: bool = False
    public_key: bytes = b""


@dataclass(frozen=True)
class RadioStatus:
    """A change of the radio: connection, or room for frames again."""

    connected: bool
    text: str


@dataclass(frozen=True)
class RadioMetrics:
    """The radio's own view of the channel, in percent (None until it reported one)."""

    channel_utilisation: float | None = None  # all traffic heard, last minute
    own_airtime_share: float | None = None  # own transmissions, last hour


@dataclass(frozen=True)
class RadioInfo:
    """The radio as it described itself (for a Meshtastic device: at the config handshake)."""

    node_num: int
    long_name: str
    short_name: str
    firmware_version: str  # "" when the firmware sent no metadata
    region: str  # e.g. "EU_868"
    modem_preset: str  # e.g. "LONG_FAST"
    hop_limit: int
    channel_index: int
    channel_name: str
    channel_key: str  # "none", "default", "simple" or "private"

    @property
    def uses_default_key(self) -> bool:
        """The gossip channel is encrypted with the public default key (``AQ==``)."""
        return self.channel_key == "default"

    @property
    def channel_is_public(self) -> bool:
        """Anyone can read the gossip channel: no key, the default key, or a simple key."""
        return self.channel_key != "private"


ReceiveCallback = Callable[[Received], None]
StatusCallback = Callable[[RadioStatus], None]


@runtime_checkable
class Radio(Protocol):
    """What a node may ask of a radio."""

    @property
    def node_id(self) -> int:
        """This radio's node number (0 until a Meshtastic radio first connected)."""

    @property
    def mtu(self) -> int:
        """The largest payload ``send`` accepts, in bytes."""

    @property
    def text_mtu(self) -> int:
        """The largest text ``send_text`` accepts, in UTF-8 bytes."""

    @property
    def connected(self) -> bool:
        """False while the radio is unplugged, rebooting or switched off."""

    @property
    def status(self) -> str:
        """Why the radio is (not) connected, in a few words."""

    @property
    def address(self) -> str:
        """Where the radio is: a device path, host:port, or a simulated node."""

    @property
    def info(self) -> RadioInfo | None:
        """What the radio said about itself (None before it said)."""

    @property
    def metrics(self) -> RadioMetrics:
        """The radio's latest channel measurements."""

    @property
    def pending(self) -> int:
        """Frames and texts handed to ``send``/``send_text`` and not yet gone."""

    def ready(self) -> bool:
        """Whether the radio has room for another gossip frame now.

        The pump keeps frames in the engine until this is true, so the engine can still
        cancel a relay it overhears meanwhile. Each radio says when its own queue is clear
        (the simulated one: no frame of its own waiting or on air)."""

    def send(
        self, payload: bytes, dest: int | None = BROADCAST, *, hop_limit: int | None = None
    ) -> None:
        """Queue ``payload`` for the air: to everyone (``dest`` None) or to one node.

        ``hop_limit`` is how many times the mesh may relay the frame (0: neighbours only);
        None uses the radio's configured default. Raises PayloadTooLargeError over ``mtu``,
        RadioAddressError for a bad destination or hop limit, RadioNotConnectedError when the
        radio is not connected, RadioQueueFullError when its queue is full. Frames the radio
        later refuses (duty cycle) are retried or dropped and counted by the radio.
        """

    def send_text(self, text: str, dest: int) -> None:
        """Queue a direct text message to one radio (a resident's phone). Errors as ``send``."""

    def pin_keys(self, keys: Mapping[int, bytes]) -> None:
        """Hold these radios' public keys (node number -> 32-byte Meshtastic key) as
        verified, replacing what was pinned before.

        A Meshtastic radio opens a PKI-encrypted direct message only from a node whose key
        it holds, and seals its replies with it; a key it was given this way is not
        replaced by one a NodeInfo heard on air claims. The Meshtastic radio gives them to
        the device again after every reconnection (it may have been reset). Radios with
        no node DB (the simulated mesh, the in-memory radio) only keep them.
        """

    def on_receive(self, callback: ReceiveCallback) -> None:
        """Call ``callback`` with every gossip frame received (replaces any earlier one)."""

    def on_text(self, callback: ReceiveCallback) -> None:
        """Call ``callback`` with every text message received, payload as UTF-8 bytes."""

    def on_status(self, callback: StatusCallback) -> None:
        """Call ``callback`` when ``connected`` or ``status`` change, or when ``ready`` may
        have become true again: the pump then looks again."""
