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

The reassembler keys partial messages on (sender, msg_id); the sender is the radio id in
the Meshtastic header, which relays keep, so copies of one fragment heard through several
relays are recognised as duplicates.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

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
    inconsistent: int = 0  # conflicts with the partial message of the same id: that one dropped
    oversize: int = 0
    evicted: int = 0  # partial messages dropped to stay within the memory bounds
    expired: int = 0  # partial messages dropped after the timeout


@dataclass
class _Partial:
    count: int
    last_seen: float
    chunks: dict[int, bytes] = field(default_factory=dict)
    chunk_len: int = 0  # length of every chunk but the last; 0 until one is seen
    size: int = 0

    def consistent(self, frag: Fragment) -> bool:
        if frag.count != self.count:
            return False
        held = self.chunks.get(frag.index)
        if held is not None:
            return held == frag.chunk
        last = frag.index == frag.count - 1
        if self.chunk_len:
            return len(frag.chunk) <= self.chunk_len if last else len(frag.chunk) == self.chunk_len
        if not last:
            # The last chunk, if already held, may not be longer than a full one.
            tail = self.chunks.get(self.count - 1)
            return tail is None or len(tail) <= len(frag.chunk)
        return True

    def least_total(self, frag: Fragment) -> int:
        """The smallest size the whole message can have, counting ``frag``."""
        full = self.chunk_len or (0 if frag.index == frag.count - 1 else len(frag.chunk))
        if full:
            return (self.count - 1) * full + 1
        return (self.count - 1) + len(frag.chunk)


class Reassembler:
    """Collects fragments per (sender, msg_id) until a message is whole.

    Memory is bounded by ``max_messages`` partial messages and ``max_bytes`` buffered chunk
    bytes; when a new fragment would exceed either, the partial message heard from least
    recently is dropped (counted in ``stats.evicted``). A partial message not added to for
    ``timeout`` seconds is dropped (``stats.expired``). ``add`` never raises on bytes from
    the air: what it cannot use is counted in ``stats``.
    """

    def __init__(
        self,
        *,
        max_messages: int = 8,
        max_bytes: int = 4096,
        max_message_bytes: int = 2048,
        timeout: float = 300.0,
    ) -> None:
        if max_messages < 1 or max_bytes < 1 or max_message_bytes < 1 or timeout <= 0:
            raise UsageError("reassembler bounds must be positive")
        if max_message_bytes > max_bytes:
            raise UsageError("max_message_bytes cannot exceed max_bytes")
        self.max_messages = max_messages
        self.max_bytes = max_bytes
        self.max_message_bytes = max_message_bytes
        self.timeout = timeout
        self.stats = ReassemblyStats()
        # Least recently heard first, so eviction and expiry look at the front only.
        self._partials: OrderedDict[tuple[int, int], _Partial] = OrderedDict()
        # Messages completed lately: late copies of their fragments are duplicates, not
        # the start of a new message that could never complete.
        self._done: OrderedDict[tuple[int, int, int], float] = OrderedDict()
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

    def add(self, sender: int, data: bytes, now: float) -> bytes | None:
        """Add one fragment heard from ``sender``; returns the whole message once complete."""
        self.stats.fragments += 1
        self._clock = now
        self.expire(now)
        try:
            frag = parse(data)
        except DecodeError:
            self.stats.malformed += 1
            return None
        key = (sender, frag.msg_id)
        if (sender, frag.msg_id, frag.count) in self._done:
            self.stats.duplicates += 1
            return None
        if frag.count == 1:
            self._finish(sender, frag)
            return frag.chunk
        partial = self._partials.get(key)
        if partial is not None and not partial.consistent(frag):
            self.stats.inconsistent += 1
            self._drop(key)
            partial = None
        if partial is None:
            partial = _Partial(count=frag.count, last_seen=now)
        elif frag.index in partial.chunks:
            self.stats.duplicates += 1
            partial.last_seen = now
            self._partials.move_to_end(key)
            return None
        if (
            partial.least_total(frag) > self.max_message_bytes
            or partial.size + len(frag.chunk) > self.max_message_bytes
        ):
            self.stats.oversize += 1
            self._drop(key)
            return None
        self._store(key, partial, frag, now)
        if len(partial.chunks) < partial.count:
            return None
        self._drop(key)
        self._finish(sender, frag)
        return b"".join(partial.chunks[i] for i in range(partial.count))

    def _finish(self, sender: int, frag: Fragment) -> None:
        self._done[(sender, frag.msg_id, frag.count)] = self._clock
        while len(self._done) > 4 * self.max_messages:
            self._done.popitem(last=False)
        self.stats.completed += 1

    def _store(self, key: tuple[int, int], partial: _Partial, frag: Fragment, now: float) -> None:
        if key not in self._partials:
            while len(self._partials) >= self.max_messages:
                self._evict_oldest()
            self._partials[key] = partial
        partial.chunks[frag.index] = frag.chunk
        partial.size += len(frag.chunk)
        if frag.index != frag.count - 1:
            partial.chunk_len = len(frag.chunk)
        partial.last_seen = now
        self._partials.move_to_end(key)
        self._bytes += len(frag.chunk)
        # The newest message sits at the end; max_message_bytes <= max_bytes, so it fits alone.
        while self._bytes > self.max_bytes:
            self._evict_oldest()

    def _evict_oldest(self) -> None:
        key = next(iter(self._partials))
        self._drop(key)
        self.stats.evicted += 1

    def _drop(self, key: tuple[int, int]) -> None:
        partial = self._partials.pop(key, None)
        if partial is not None:
            self._bytes -= partial.size
