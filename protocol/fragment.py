"""Fragmentation of payloads larger than one radio frame, and their reassembly.

A fragment is ``msg_id (2 bytes, big-endian) | index (1 byte) | count (1 byte) | chunk``.
Every fragment of a message but the last carries a chunk of the same length.

Why 4 header bytes: the message id only has to tell apart the messages one sender has in
flight within the reassembly timeout (a few minutes, at most a few dozen frames at a 10 %
duty cycle), but a sender that restarts its counter must not collide with the partial
message a receiver still holds from before: 16 bits drawn at random on start make that a
1-in-65,536 event. One byte each for index and count allows 255 fragments, 57 KB at the
full 231-byte frame, far beyond the largest record (512 bytes, 3 fragments) while leaving
room for tests and for bulk payloads on small frames. Each frame costs as much airtime as
about 50 payload bytes, so saving the last header byte would not be worth the limits.

The reassembler keys partial messages on (sender, msg_id, count); the sender is the radio
id in the Meshtastic header, which relays keep, so copies of one fragment heard through
several relays are recognised as duplicates. Fragments are not signed: the reassembler
caps what any one sender id may hold, and keeps a second chunk heard for an index beside
the first, so a forged fragment cannot complete a real message with junk for good.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import product

from meshaid.protocol.errors import DecodeError, UsageError

HEADER_BYTES = 4
MAX_FRAGMENTS = 255
DEFAULT_MTU = 231
MSG_ID_MODULUS = 1 << 16


@dataclass(frozen=True)
class Fragment:
    """One decoded fragment."""

    msg_id: int
    index: int
    count: int
    chunk: bytes


def chunk_size(mtu: int) -> int:
    """Payload bytes each fragment carries when fragments may be ``mtu`` bytes long."""
    if mtu <= HEADER_BYTES:
        raise UsageError(f"an MTU of {mtu} leaves no room after the {HEADER_BYTES}-byte header")
    return mtu - HEADER_BYTES


def fragments_needed(payload_bytes: int, mtu: int = DEFAULT_MTU) -> int:
    """How many fragments ``split`` makes of a payload of this size."""
    size = chunk_size(mtu)
    return max(1, -(-payload_bytes // size))


def split(payload: bytes, msg_id: int, mtu: int = DEFAULT_MTU) -> list[bytes]:
    """Cut ``payload`` into fragments of at most ``mtu`` bytes each, header included."""
    if not payload:
        raise UsageError("cannot fragment an empty payload")
    if not 0 <= msg_id < MSG_ID_MODULUS:
        raise UsageError("msg_id must fit 16 bits")
    size = chunk_size(mtu)
    count = fragments_needed(len(payload), mtu)
    if count > MAX_FRAGMENTS:
        raise UsageError(
            f"a {len(payload)}-byte payload needs {count} fragments at MTU {mtu}, "
            f"over the limit of {MAX_FRAGMENTS}"
        )
    head = msg_id.to_bytes(2, "big")
    return [
        head + bytes([index, count]) + payload[index * size : (index + 1) * size]
        for index in range(count)
    ]


def parse(data: bytes) -> Fragment:
    """Decode one fragment; raises DecodeError when the header is impossible."""
    if len(data) <= HEADER_BYTES:
        raise DecodeError(f"fragment of {len(data)} bytes has no chunk")
    index, count = data[2], data[3]
    if count == 0:
        raise DecodeError("fragment count is 0")
    if index >= count:
        raise DecodeError(f"fragment index {index} not below count {count}")
    return Fragment(int.from_bytes(data[:2], "big"), index, count, bytes(data[HEADER_BYTES:]))


@dataclass
class ReassemblyStats:
    """What the reassembler did with the fragments it was given."""

    fragments: int = 0
    completed: int = 0
    duplicates: int = 0
    malformed: int = 0
    inconsistent: int = 0  # other bytes for an index already held: kept as a candidate
    oversize: int = 0
    evicted: int = 0  # partial messages dropped to stay within the memory bounds
    expired: int = 0  # partial messages dropped after the timeout
    rejected: int = 0  # messages whole but refused by the caller (junk): not finished


# Chunks kept for one index of a message: the first heard and one other. A fragment is not
# authenticated beyond the neighbourhood's key, so a member can forge one for a message it
# heard begin; the real one, heard later, is kept beside it and tried too.
MAX_CANDIDATES = 2
# Combinations tried when a fragment completes a message (each is joined and offered to
# the caller's check): bounds the work one fragment can cause.
MAX_TRIES = 8

Key = tuple[int, int, int]  # (sender, msg_id, count)


@dataclass
class _Partial:
    count: int
    last_seen: float
    chunks: dict[int, list[bytes]] = field(default_factory=dict)  # index -> candidates
    size: int = 0  # bytes of every candidate held


def _least_total(frag: Fragment) -> int:
    """The smallest size a message can have that this fragment belongs to."""
    if frag.index == frag.count - 1:
        return (frag.count - 1) + len(frag.chunk)
    return (frag.count - 1) * len(frag.chunk) + 1


def _fits(chunks: tuple[bytes, ...]) -> bool:
    """Every chunk but the last of one length, the last no longer."""
    if len(chunks) < 2:
        return True
    full = len(chunks[0])
    return all(len(c) == full for c in chunks[1:-1]) and len(chunks[-1]) <= full


class Reassembler:
    """Collects fragments per (sender, msg_id, count) until a message is whole.

    Memory is bounded by ``max_messages`` partial messages, ``per_sender`` of any one
    sender, and ``max_bytes`` buffered chunk bytes. A sender at its cap loses its own
    oldest partial message; beyond the others, the oldest of the sender holding the most
    goes (counted in ``stats.evicted``), so junk under one sender id cannot push out
    another's. A partial message not added to for ``timeout`` seconds is dropped
    (``stats.expired``). ``add`` never raises on bytes from the air: what it cannot use is
    counted in ``stats``.

    A message that comes out whole is offered to ``accept`` when the caller gives one (it
    decodes, say): when refused, it is not finished but kept, with every chunk heard for
    each index (up to MAX_CANDIDATES), so that the real fragment, heard after a forged one,
    still completes the real message.
    """

    def __init__(
        self,
        *,
        max_messages: int = 8,
        max_bytes: int = 4096,
        max_message_bytes: int = 2048,
        timeout: float = 300.0,
        per_sender: int = 4,
    ) -> None:
        if (
            max_messages < 1 or max_bytes < 1 or max_message_bytes < 1 or timeout <= 0
            or per_sender < 1
        ):
            raise UsageError("reassembler bounds must be positive")
        if max_message_bytes > max_bytes:
            raise UsageError("max_message_bytes cannot exceed max_bytes")
        self.max_messages = max_messages
        self.max_bytes = max_bytes
        self.max_message_bytes = max_message_bytes
        self.timeout = timeout
        self.per_sender = per_sender
        self.stats = ReassemblyStats()
        # Least recently heard first, so eviction and expiry look at the front only.
        self._partials: OrderedDict[Key, _Partial] = OrderedDict()
        self._of_sender: dict[int, int] = {}  # sender -> partial messages held
        # Messages completed lately: late copies of their fragments are duplicates, not
        # the start of a new message that could never complete.
        self._done: OrderedDict[Key, float] = OrderedDict()
        self._bytes = 0
        self._clock = 0.0

    @property
    def buffered_bytes(self) -> int:
        return self._bytes

    @property
    def pending(self) -> int:
        return len(self._partials)

    def next_expiry(self) -> float | None:
        """When the oldest partial message will be dropped, if no fragment comes for it."""
        for partial in self._partials.values():
            return partial.last_seen + self.timeout
        return None

    def expire(self, now: float) -> int:
        """Drop partial messages older than the timeout; returns how many."""
        dropped = 0
        while self._partials:
            key, partial = next(iter(self._partials.items()))
            if partial.last_seen + self.timeout > now:
                break
            self._drop(key)
            dropped += 1
        self.stats.expired += dropped
        while self._done:
            key3, seen = next(iter(self._done.items()))
            if seen + self.timeout > now:
                break
            del self._done[key3]
        return dropped

    def add(
        self,
        sender: int,
        data: bytes,
        now: float,
        accept: Callable[[bytes], bool] | None = None,
    ) -> bytes | None:
        """Add one fragment heard from ``sender``; returns the whole message once complete
        (and, with ``accept``, accepted by it)."""
        self.stats.fragments += 1
        self._clock = now
        self.expire(now)
        try:
            frag = parse(data)
        except DecodeError:
            self.stats.malformed += 1
            return None
        key = (sender, frag.msg_id, frag.count)
        if key in self._done:
            self.stats.duplicates += 1
            return None
        if frag.count == 1:
            if accept is not None and not accept(frag.chunk):
                self.stats.rejected += 1
                return None
            self._finish(key)
            return frag.chunk
        partial = self._partials.get(key)
        if partial is not None:
            held = partial.chunks.get(frag.index, [])
            if frag.chunk in held:
                self.stats.duplicates += 1
                partial.last_seen = now
                self._partials.move_to_end(key)
                return None
            if held:
                self.stats.inconsistent += 1
                if len(held) >= MAX_CANDIDATES:
                    return None
        if (
            _least_total(frag) > self.max_message_bytes
            or (partial.size if partial else 0) + len(frag.chunk) > self.max_message_bytes
        ):
            self.stats.oversize += 1
            return None
        if partial is None:
            partial = _Partial(count=frag.count, last_seen=now)
        self._store(key, partial, frag, now)
        if len(partial.chunks) < partial.count:
            return None
        payload = self._complete(partial, frag, accept)
        if payload is None:
            self.stats.rejected += 1
            return None
        self._drop(key)
        self._finish(key)
        return payload

    def _complete(
        self, partial: _Partial, frag: Fragment, accept: Callable[[bytes], bool] | None
    ) -> bytes | None:
        """The first whole message, with ``frag``'s chunk at its index, that fits and that
        ``accept`` takes (at most MAX_TRIES joined)."""
        options = [
            [frag.chunk] if i == frag.index else partial.chunks[i] for i in range(partial.count)
        ]
        tries = 0
        for chunks in product(*options):
            if not _fits(chunks):
                continue
            payload = b"".join(chunks)
            if accept is None or accept(payload):
                return payload
            tries += 1
            if tries >= MAX_TRIES:
                break
        return None

    def _finish(self, key: Key) -> None:
        self._done[key] = self._clock
        while len(self._done) > 4 * self.max_messages:
            self._done.popitem(last=False)
        self.stats.completed += 1

    def _store(self, key: Key, partial: _Partial, frag: Fragment, now: float) -> None:
        if key not in self._partials:
            sender = key[0]
            if self._of_sender.get(sender, 0) >= self.per_sender:
                self._evict(next(k for k in self._partials if k[0] == sender))
            while len(self._partials) >= self.max_messages:
                self._evict(self._victim(key))
            self._partials[key] = partial
            self._of_sender[sender] = self._of_sender.get(sender, 0) + 1
        partial.chunks.setdefault(frag.index, []).append(frag.chunk)
        partial.size += len(frag.chunk)
        partial.last_seen = now
        self._partials.move_to_end(key)
        self._bytes += len(frag.chunk)
        # The newest message sits at the end; max_message_bytes <= max_bytes, so it fits alone.
        while self._bytes > self.max_bytes:
            self._evict(self._victim(key))

    def _victim(self, keep: Key) -> Key:
        """The partial message to drop: the oldest of the sender holding the most."""
        counts = dict(self._of_sender)
        if keep in self._partials:
            counts[keep[0]] -= 1
        most = max(counts.values())
        return next(k for k in self._partials if k != keep and counts[k[0]] == most)

    def _evict(self, key: Key) -> None:
        self._drop(key)
        self.stats.evicted += 1

    def _drop(self, key: Key) -> None:
        partial = self._partials.pop(key, None)
        if partial is not None:
            self._bytes -= partial.size
            left = self._of_sender[key[0]] - 1
            if left:
                self._of_sender[key[0]] = left
            else:
                del self._of_sender[key[0]]
