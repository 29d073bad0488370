"""Keys and invites as text people can read aloud, type, or paste: prefix, data, checksum.

``mk1-...`` is a node's public key, ``mi1-...`` an invite. The data is written in
Crockford's base32 (0-9 A-Z without I L O U, the alphabet of entry codes) in groups of
four, followed by four checksum characters (20 bits of BLAKE2b over prefix and data), so a
misread or mistyped character is caught rather than producing another valid key. Reading
accepts any case, O for 0, I or L for 1, and any spaces or dashes between groups.
"""

from __future__ import annotations

import hashlib

from meshaid.protocol.errors import DecodeError, UsageError

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECK_CHARS = 4
GROUP = 4
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
_TYPOS = str.maketrans({"O": "0", "I": "1", "L": "1"})

KEY_PREFIX = "mk1"
INVITE_PREFIX = "mi1"


def _b32(data: bytes) -> str:
    bits = int.from_bytes(data, "big") if data else 0
    count = (len(data) * 8 + 4) // 5
    bits <<= count * 5 - len(data) * 8
    return "".join(ALPHABET[(bits >> (5 * (count - 1 - i))) & 31] for i in range(count))


def _unb32(text: str, size: int) -> bytes:
    count = len(text)
    value = 0
    for ch in text:
        value = (value << 5) | _VALUE[ch]
    spare = count * 5 - size * 8
    if spare < 0 or spare >= 5 or value & ((1 << spare) - 1):
        raise DecodeError("the text has the wrong length for its data")
    return (value >> spare).to_bytes(size, "big")


def _check(prefix: str, data: bytes) -> str:
    digest = hashlib.blake2b(prefix.encode("ascii") + data, digest_size=4).digest()
    return _b32(digest)[:CHECK_CHARS]


def encode(prefix: str, data: bytes) -> str:
    """``prefix-XXXX-XXXX-...-CCCC``: the data in groups, then the checksum."""
    if not prefix or "-" in prefix:
        raise UsageError("a key text prefix is a short word without dashes")
    body = _b32(data)
    groups = [body[i:i + GROUP] for i in range(0, len(body), GROUP)]
    return "-".join([prefix, *groups, _check(prefix, data)])


def decode(prefix: str, text: str) -> bytes:
    """The data of a text made by ``encode``; DecodeError saying what is wrong."""
    cleaned = "".join(text.split()).replace("-", "").upper().translate(_TYPOS)
    if not cleaned.startswith(prefix.upper().translate(_TYPOS)):
        raise DecodeError(f"this is not a {_what(prefix)} (it should start with {prefix}-)")
    chars = cleaned[len(prefix):]
    bad = sorted({ch for ch in chars if ch not in _VALUE})
    if bad:
        raise DecodeError(f"the {_what(prefix)} has characters that cannot be in one: "
                          f"{''.join(bad)}")
    if len(chars) <= CHECK_CHARS:
        raise DecodeError(f"the {_what(prefix)} is too short")
    body, check = chars[:-CHECK_CHARS], chars[-CHECK_CHARS:]
    size = len(body) * 5 // 8
    data = _unb32(body, size)
    if _check(prefix, data) != check:
        raise DecodeError(f"the {_what(prefix)} does not check out: a character is wrong or "
                          "missing; copy it again")
    return data


def _what(prefix: str) -> str:
    return {KEY_PREFIX: "node key", INVITE_PREFIX: "invite"}.get(prefix, "key text")
