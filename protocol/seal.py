"""Gossip frames sealed with the neighbourhood's epoch key: private and authenticated.

Meshtastic's channel encryption has no authentication and its default key is public, so
every gossip frame is sealed again by us (XChaCha20-Poly1305, libsodium's IETF AEAD):

    0xE1 | epoch (2 bytes) | key id (2 bytes) | nonce (24 bytes) | ciphertext | tag (16 bytes)

The first five bytes are the associated data: a receiver knows at once which key to try,
and an outsider who changes them breaks the tag. The nonce is random (the caller passes
24 random bytes): a counter could repeat after an SD card is restored from a backup, and a
repeated nonce under XChaCha20 gives away both frames. 45 bytes of overhead per frame.
"""

from __future__ import annotations

import hashlib

from nacl.bindings import (
    crypto_aead_xchacha20poly1305_ietf_decrypt,
    crypto_aead_xchacha20poly1305_ietf_encrypt,
)
from nacl.exceptions import CryptoError

from meshaid.protocol.errors import DecodeError, UsageError

MARKER = 0xE1
KEY_BYTES = 32
NONCE_BYTES = 24
TAG_BYTES = 16
HEADER_BYTES = 1 + 2 + 2 + NONCE_BYTES
OVERHEAD = HEADER_BYTES + TAG_BYTES
MAX_EPOCH = 0xFFFF


def key_id(key: bytes) -> bytes:
    """Two bytes that name a key in frame headers (not secret: a hash of the key)."""
    return hashlib.blake2b(key, digest_size=2, person=b"meshaid-epoch").digest()


def seal(key: bytes, epoch: int, nonce: bytes, payload: bytes) -> bytes:
    if len(key) != KEY_BYTES or len(nonce) != NONCE_BYTES:
        raise UsageError("an epoch key is 32 bytes and a nonce 24")
    if not 0 < epoch <= MAX_EPOCH:
        raise UsageError(f"epoch must be 1..{MAX_EPOCH}")
    ad = bytes([MARKER]) + epoch.to_bytes(2, "big") + key_id(key)
    return ad + nonce + crypto_aead_xchacha20poly1305_ietf_encrypt(payload, ad, nonce, key)


def header(frame: bytes) -> tuple[int, bytes]:
    """(epoch, key id) of a sealed frame; DecodeError when it is not one."""
    if len(frame) < OVERHEAD or frame[0] != MARKER:
        raise DecodeError("not a sealed frame")
    return int.from_bytes(frame[1:3], "big"), frame[3:5]


def open_sealed(key: bytes, frame: bytes) -> bytes:
    """The payload, or DecodeError when the frame was not sealed with ``key`` or was altered."""
    header(frame)
    ad, nonce = frame[:5], frame[5:HEADER_BYTES]
    try:
        return bytes(crypto_aead_xchacha20poly1305_ietf_decrypt(
            frame[HEADER_BYTES:], ad, nonce, key))
    except CryptoError as exc:
        raise DecodeError("the frame does not open with this key") from exc
