"""Residents' radios for desk tests: each has a Meshtastic public key, pinned on the desk's
roster, and sends PKI-encrypted messages as firmware 2.5+ does; and a stand-in for the
pump that takes the desk's replies out of its outbox."""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from typing import Any

from meshaid.node.desk.desk import PhoneDesk, Reply
from meshaid.node.desk.outbox import DeskLimits
from meshaid.node.services import Node

# For tests of what the desk understands: no radio is cut off for typing fast.
RELAXED = DeskLimits(texts_burst=10_000, texts_per_minute=10_000.0,
                     to_radio_burst=10_000, to_radio_per_minute=10_000.0,
                     posts_burst=10_000, posts_per_hour=10_000.0)


def key_of(radio: int) -> bytes:
    """The public key of a test resident's radio."""
    return hashlib.sha256(b"test radio" + radio.to_bytes(4, "big")).digest()


def desk_for(node: Node, radios: Collection[int], **kwargs: Any) -> PhoneDesk:
    """A desk whose roster pins ``radios`` with their keys."""
    kwargs.setdefault("limits", RELAXED)
    return PhoneDesk(node, {radio: key_of(radio) for radio in radios}, **kwargs)


def handle(desk: PhoneDesk, sender: int, text: str, now: float) -> list[Reply]:
    """``text`` from ``sender``'s own radio, PKI-encrypted; the replies, taken out of the
    outbox as the pump would."""
    out = desk.handle(sender, text, now, key=key_of(sender))
    drain(desk, now)
    return out


def drain(desk: PhoneDesk, now: float) -> list[tuple[int, str]]:
    """Everything the outbox holds, as the pump would send it: (radio, text)."""
    sent = []
    while True:
        due = desk.replies_due(now)
        if not due:
            return sent
        for reply in due:
            sent.append((reply.dest, reply.text))
            desk.reply_sent(reply)
