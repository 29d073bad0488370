"""Direct messages sealed with the radios' own keys (Meshtastic PKI, firmware 2.5+), faked.

Every Meshtastic node has a Curve25519 key pair; its public key travels in its NodeInfo,
and each node keeps the keys it has learnt in its node DB. The firmware seals a packet
with PKI (instead of the channel key) when it goes to one node, is not a routing, node
info, position or traceroute packet, and the sender holds the receiver's public key
(``Router::send``). The receiver opens it only with the key it holds for the sender and its
own private key, and then hands it to its client with ``pki_encrypted`` set and
``public_key`` holding that sender key (``Router::perhapsDecode``). So a packet that
arrives PKI-encrypted proves that whoever sent it holds the private key of the public key
the receiver has for that node number; a packet with a made-up "from" cannot open.

The fake does no cryptography: like the channel key of an AirFrame, the sender's public
key and the key it sealed for travel beside the clear Data, and a receiver takes the
packet only when both agree with what it holds. Keys are 32 bytes derived from the node
number unless given, so a test (or a neighbourhood set up in advance) knows a fake radio's
public key before the radio exists. A test teaches a device a key with
``device.pki.learn(node, key)``, as a NodeInfo heard on air would; its client pins one with
an AdminMessage ``add_contact`` addressed to the device itself, which replaces what the
device held and is not replaced by what it hears (``NodeDB::addFromContact``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from google.protobuf.message import DecodeError
from meshtastic.protobuf import admin_pb2, mesh_pb2, portnums_pb2

from meshaid.hardware.fake_radio.air import AirFrame

KEY_BYTES = 32
# Ports the firmware never seals with PKI (they must be readable by every node).
_CLEAR_PORTS = frozenset({
    portnums_pb2.PortNum.ROUTING_APP,
    portnums_pb2.PortNum.NODEINFO_APP,
    portnums_pb2.PortNum.POSITION_APP,
    portnums_pb2.PortNum.TRACEROUTE_APP,
})


def fake_public_key(node_num: int) -> bytes:
    """The public key a fake radio has unless it is given one."""
    return hashlib.sha256(b"meshaid fake radio key" + node_num.to_bytes(4, "big")).digest()


class PkiKeys:
    """One fake device's key and the keys of other nodes it has learnt (its node DB)."""

    def __init__(self, node_num: int, public_key: bytes | None = None) -> None:
        key = fake_public_key(node_num) if public_key is None else bytes(public_key)
        if len(key) != KEY_BYTES:
            raise ValueError(f"a public key is {KEY_BYTES} bytes, not {len(key)}")
        self.public_key = key
        self.known: dict[int, bytes] = {}
        self.pinned: set[int] = set()  # keys the client gave as verified

    def learn(self, node_num: int, public_key: bytes) -> None:
        """Keep ``node_num``'s key; the firmware never replaces a key it holds."""
        if len(public_key) != KEY_BYTES:
            raise ValueError(f"a public key is {KEY_BYTES} bytes, not {len(public_key)}")
        self.known.setdefault(node_num, bytes(public_key))

    def take_admin(self, packet: mesh_pb2.MeshPacket, own: int) -> bool:
        """Whether ``packet`` from the client is an admin message to this device (then
        taken here: an ``add_contact`` with a 32-byte key pins it; anything else is
        ignored, as a fake has no settings to change)."""
        if packet.to != own or packet.decoded.portnum != portnums_pb2.PortNum.ADMIN_APP:
            return False
        try:
            admin = admin_pb2.AdminMessage.FromString(packet.decoded.payload)
        except DecodeError:
            return True
        contact = admin.add_contact
        if admin.HasField("add_contact") and len(contact.user.public_key) == KEY_BYTES:
            self.known[contact.node_num] = bytes(contact.user.public_key)
            self.pinned.add(contact.node_num)
        return True

    def seal(self, dest: int, portnum: int, broadcast: bool) -> tuple[bytes, bytes]:
        """An AirFrame's ``pki``: (this node's key, the receiver's key) when the firmware
        seals the packet with PKI, else empty (it goes on the channel key)."""
        if broadcast or portnum in _CLEAR_PORTS or dest not in self.known:
            return (b"", b"")
        return (self.public_key, self.known[dest])

    def channel(
        self, frame: AirFrame, by_channel: Callable[[int, bytes], int | None]
    ) -> tuple[int | None, bytes]:
        """The channel index ``frame`` decodes on here (None: it does not) and the sender
        key to report with it (b"" unless it was opened with PKI). A sealed frame opens
        only when it was sealed for this node's key by the key held for its sender."""
        sender_key, sealed_for = frame.pki
        if not sealed_for:
            return by_channel(frame.channel_hash, frame.channel_key), b""
        held = self.known.get(frame.sender)
        if sealed_for != self.public_key or held is None or held != sender_key:
            return None, b""
        return 0, held
