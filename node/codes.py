"""Short human codes for entries, the same on every node.

An entry's code is SHA-256 of its id (origin and seq, 4 bytes each, big-endian) written in
Crockford's base32 (0-9 A-Z without I L O U): 13 characters, of which the board shows the
first 4, or as many more as it takes to tell apart entries that share a prefix. People
reading codes aloud or typing them on a phone confuse O with 0 and I or L with 1, so
lookups accept either, in any case, and any longer prefix.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from meshaid.node.errors import InputError
from meshaid.protocol.record import EntryId

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 13  # 65 bits
SHORT_LENGTH = 4
_TYPOS = str.maketrans({"O": "0", "I": "1", "L": "1"})
# Every two characters of the alphabet, indexed by their 10 bits: a board of 100,000
# entries computes a code for each, so this is a hot path.
_PAIRS = tuple(a + b for a in ALPHABET for b in ALPHABET)


def entry_code(eid: EntryId) -> str:
    """The full code of an entry: the first 65 bits of the digest, 5 bits a character, most
    significant first (one character, then six pairs)."""
    digest = hashlib.sha256(eid.origin.to_bytes(4, "big") + eid.seq.to_bytes(4, "big")).digest()
    bits = int.from_bytes(digest[:9], "big") >> (72 - 5 * CODE_LENGTH)
    pairs = _PAIRS
    return (ALPHABET[bits >> 60] + pairs[(bits >> 50) & 1023] + pairs[(bits >> 40) & 1023]
            + pairs[(bits >> 30) & 1023] + pairs[(bits >> 20) & 1023]
            + pairs[(bits >> 10) & 1023] + pairs[bits & 1023])


def normalise(given: str) -> str:
    """A code as typed, made canonical; InputError when it cannot be a code."""
    code = "".join(given.split()).replace("-", "").upper().translate(_TYPOS)
    if not code:
        raise InputError("give an entry code, e.g. 7QKM")
    bad = sorted({ch for ch in code if ch not in ALPHABET})
    if bad or len(code) > CODE_LENGTH:
        raise InputError(
            f"{given!r} is not an entry code (codes use 0-9 and A-Z without I, L, O, U)"
        )
    if len(code) < SHORT_LENGTH:
        raise InputError(
            f"{given!r} is too short: entry codes have at least {SHORT_LENGTH} characters"
        )
    return code


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def shown_code(code: str, before: str | None, after: str | None) -> str:
    """How ``code`` is shown, given its neighbours in the sorted list of all codes (None at
    either end): the shortest prefix, at least 4 long, that neither of them starts with;
    no code further away can share a longer prefix with it."""
    shared = 0
    if before is not None:
        shared = _common_prefix(code, before)
    if after is not None:
        shared = max(shared, _common_prefix(code, after))
    return code[: max(SHORT_LENGTH, shared + 1)]


def display_codes(codes: Iterable[str]) -> dict[str, str]:
    """For each full code, the shortest prefix (at least 4) that no other code starts with."""
    ordered = sorted(set(codes))
    last = len(ordered) - 1
    return {
        code: shown_code(code, ordered[i - 1] if i else None, ordered[i + 1] if i < last else None)
        for i, code in enumerate(ordered)
    }
