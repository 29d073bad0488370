"""The epoch keys a node holds, and the sealing of its gossip frames with them.

A node seals every gossip frame it sends with the newest epoch key it holds and opens a
frame with whichever of its keys the frame names (old epochs stay readable to those who
had them). A frame it cannot open is dropped and counted by why: not sealed at all, an
epoch it does not hold (it may have missed a re-key, or the frame is from another
neighbourhood), or a frame that was altered or forged.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from meshaid.protocol import seal
from meshaid.protocol.errors import DecodeError


@dataclass(frozen=True)
class EpochKeyHeld:
    epoch: int
    key: bytes

    @property
    def key_id(self) -> bytes:
        return seal.key_id(self.key)


class Keyring:
    """Epoch keys by (epoch, key id); ``nonces`` gives 24 random bytes per frame."""

    def __init__(
        self,
        keys: Iterable[EpochKeyHeld] = (),
        *,
        nonces: Callable[[int], bytes] = os.urandom,
    ) -> None:
        self._keys: dict[tuple[int, bytes], bytes] = {}
        self._nonces = nonces
        self.counters: Counter[str] = Counter()
        for held in keys:
            self.add(held)

    def add(self, held: EpochKeyHeld) -> None:
        self._keys[(held.epoch, held.key_id)] = held.key

    def __len__(self) -> int:
        return len(self._keys)

    @property
    def epochs(self) -> list[int]:
        return sorted({epoch for epoch, _ in self._keys})

    def current(self) -> EpochKeyHeld | None:
        """The key frames go out with: the newest epoch (of two keys for one epoch, made
        by two committee members at once, the one with the lower id, on every node)."""
        if not self._keys:
            return None
        epoch, kid = max(self._keys, key=lambda k: (k[0], bytes(255 - b for b in k[1])))
        return EpochKeyHeld(epoch, self._keys[(epoch, kid)])

    def key(self, epoch: int, key_id: bytes) -> bytes | None:
        return self._keys.get((epoch, key_id))

    def nonce(self) -> bytes:
        return self._nonces(seal.NONCE_BYTES)

    # -- the pump's sealer ------------------------------------------------------------

    @property
    def overhead(self) -> int:
        return seal.OVERHEAD

    def can_seal(self) -> bool:
        return bool(self._keys)

    def seal(self, payload: bytes) -> bytes:
        held = self.current()
        if held is None:
            raise DecodeError("no epoch key: this node has not joined a neighbourhood")
        return seal.seal(held.key, held.epoch, self._nonces(seal.NONCE_BYTES), payload)

    def catch_up(self, frame: bytes, now: float) -> list[bytes]:
        """A keyring alone has no records to help a node behind an epoch (see
        meshaid.node.membership.neighbourhood, which does)."""
        return []

    def open(self, frame: bytes) -> bytes | None:
        """The payload of a frame sealed with one of our keys; None (counted) otherwise."""
        try:
            epoch, kid = seal.header(frame)
        except DecodeError:
            self.counters["not_sealed"] += 1
            return None
        key = self._keys.get((epoch, kid))
        if key is None:
            newest = self.current()
            why = "newer_epoch" if newest is not None and epoch > newest.epoch else "unknown_key"
            self.counters[why] += 1
            return None
        try:
            return seal.open_sealed(key, frame)
        except DecodeError:
            self.counters["forged"] += 1
            return None
