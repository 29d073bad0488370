"""Channel keys and hashes as the firmware derives them (src/mesh/Channels.cpp)."""

from __future__ import annotations

from meshtastic.util import DEFAULT_KEY


def expand_psk(psk: bytes) -> bytes:
    """The AES key a channel PSK stands for; b"" means no encryption.

    One-byte PSKs are shorthands: 0 is no encryption, 1 the public default key, and
    2..10 ("simple1".."simple9") the default key with its last byte raised by PSK-1
    (``Channels::getKey``).
    """
    if len(psk) == 0 or psk == b"\x00":
        return b""
    if len(psk) == 1:
        default = bytes(DEFAULT_KEY)
        return default[:-1] + bytes([(default[-1] + psk[0] - 1) & 0xFF])
    return bytes(psk)


def channel_hash_of(name: str, psk: bytes) -> int:
    """The one-byte channel hash of the clear header: name bytes XOR key bytes
    (``Channels::generateHash``)."""
    return _xor(name.encode("utf-8")) ^ _xor(expand_psk(psk))


def _xor(data: bytes) -> int:
    result = 0
    for byte in data:
        result ^= byte
    return result
