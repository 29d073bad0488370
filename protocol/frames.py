"""The sync frames nodes broadcast on the private port: codecs only, no behaviour.

Byte 0 of every frame is ``format version << 4 | frame type``. One byte, not two: the
Meshtastic port (PRIVATE_APP) already says the payload is ours, 15 frame types are plenty,
and a version nibble is enough to drop a future format cleanly; version 0 is never used, so
a zeroed buffer is never a valid frame. The rest is fixed-width origins (4 bytes, they are
hash prefixes and would not shrink as varints) and unsigned LEB128 varints; no field names
or tags go on air.

  PUSH / ANSWER  (varint length | signed record)+      new records (relay them) / repairs
  FRAGMENT       fragment (see fragment.py) of a frame longer than the MTU
  DIGEST         hash (4) | varint total | (origin | varint seq)*
  NEIGHBOURS     a DIGEST that also carries its sender's neighbours: hash (4) | varint total |
                 count (1) | short id (2) * count | (origin | varint seq)*  short ids: the
                 low 16 bits of the radio ids the sender hears, strictly ascending
  REQUEST        flags (1) | [count (1) | answerer (4) * count] | (origin | varint first |
                 varint length)*  length 0: to the end
  GONE           (origin | varint first | varint length)*  length >= 1

``decode`` raises DecodeError for anything that is not exactly one valid frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from itertools import pairwise
from typing import NamedTuple

from meshaid.protocol.errors import DecodeError, UsageError
from meshaid.protocol.record import MAX_RECORD_BYTES

FORMAT_VERSION = 1
MAX_FRAME_BYTES = 231  # what one Meshtastic frame carries on the private port
HASH_BYTES = 4
ORIGIN_BYTES = 4
U32_MAX = 0xFFFF_FFFF
_MAX_VARINT_BYTES = 5  # a uint32 needs at most 5 LEB128 bytes

REQUEST_COMPLETE = 0x01  # flag: origins not listed are unknown to the requester, send them all
REQUEST_ANSWERERS = 0x02  # flag: the radio ids of the nodes asked to answer follow
MAX_ANSWERERS = 8
# A neighbour list names at most this many radios: enough for a dense neighbourhood, and it
# bounds what one forged list can claim (see sync/neighbours.py).
MAX_NEIGHBOUR_IDS = 64
SHORT_ID_BYTES = 2
SHORT_ID_MASK = 0xFFFF


class FrameType(IntEnum):
    PUSH = 1
    ANSWER = 2
    FRAGMENT = 3
    DIGEST = 4
    REQUEST = 5
    GONE = 6
    NEIGHBOURS = 7  # a digest with its sender's neighbour list


def header(kind: FrameType) -> int:
    return (FORMAT_VERSION << 4) | int(kind)


class SeqRange(NamedTuple):
    """Seqs ``first .. first + length - 1`` of one origin; length 0 means "and all after"."""

    origin: int
    first: int
    length: int

    @property
    def last(self) -> int | None:
        return None if self.length == 0 else self.first + self.length - 1


class DigestEntry(NamedTuple):
    """"``origin``: I count as held every seq up to ``seq``" (its highest held seq)."""

    origin: int
    seq: int


@dataclass(frozen=True)
class RecordsFrame:
    """Signed records, each as its exact bytes. ``relay``: PUSH (new) rather than ANSWER."""

    records: tuple[bytes, ...]
    relay: bool = True


@dataclass(frozen=True)
class FragmentFrame:
    fragment: bytes


@dataclass(frozen=True)
class DigestFrame:
    """``neighbours``: short ids (``short_id``) of the radios the sender hears, ascending;
    None: not carried in this digest (an empty tuple says it hears nobody)."""

    vector_hash: bytes
    total: int
    entries: tuple[DigestEntry, ...] = ()
    neighbours: tuple[int, ...] | None = None


def short_id(radio_id: int) -> int:
    """A radio id as neighbour lists carry it: its low 16 bits."""
    return radio_id & SHORT_ID_MASK


@dataclass(frozen=True)
class RequestFrame:
    """Seq ranges wanted. ``answerers``: radio ids of the neighbours asked to answer, each
    its share of the records (see ``answer_share``); empty: anyone who holds them."""

    ranges: tuple[SeqRange, ...]
    complete: bool = False
    answerers: tuple[int, ...] = ()


def answer_share(origin: int, seq: int, answerers: int) -> int:
    """Which of ``answerers`` designated nodes answers for record (origin, seq): a fixed
    mix, the same on every node, that spreads consecutive seqs over all of them."""
    mixed = (origin ^ (seq * 0x9E3779B1)) & U32_MAX
    mixed = (mixed ^ (mixed >> 16)) * 0x45D9F3B & U32_MAX
    return (mixed ^ (mixed >> 16)) % answerers


@dataclass(frozen=True)
class GoneFrame:
    ranges: tuple[SeqRange, ...]


Frame = RecordsFrame | FragmentFrame | DigestFrame | RequestFrame | GoneFrame


def varint(value: int) -> bytes:
    if not 0 <= value <= U32_MAX:
        raise UsageError(f"{value} does not fit a uint32 varint")
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def varint_size(value: int) -> int:
    size = 1
    while value > 0x7F:
        value >>= 7
        size += 1
    return size


def record_item_size(record_bytes: int) -> int:
    """Bytes a record of this size takes in a PUSH or ANSWER frame."""
    return varint_size(record_bytes) + record_bytes


DIGEST_FIXED_MAX = 1 + HASH_BYTES + _MAX_VARINT_BYTES


def digest_entry_size(entry: DigestEntry) -> int:
    return ORIGIN_BYTES + varint_size(entry.seq)


def range_size(rng: SeqRange) -> int:
    return ORIGIN_BYTES + varint_size(rng.first) + varint_size(rng.length)


class _Reader:
    def __init__(self, data: bytes, pos: int) -> None:
        self.data = data
        self.pos = pos

    def done(self) -> bool:
        return self.pos >= len(self.data)

    def take(self, n: int) -> bytes:
        end = self.pos + n
        if end > len(self.data):
            raise DecodeError("frame ends inside a field")
        out = self.data[self.pos : end]
        self.pos = end
        return out

    def origin(self) -> int:
        value = int.from_bytes(self.take(ORIGIN_BYTES), "big")
        if value == 0:
            raise DecodeError("origin 0")
        return value

    def varint(self) -> int:
        if self.pos < len(self.data) and self.data[self.pos] < 0x80:
            self.pos += 1
            return self.data[self.pos - 1]
        value = 0
        for i in range(_MAX_VARINT_BYTES):
            if self.pos >= len(self.data):
                raise DecodeError("frame ends inside a varint")
            byte = self.data[self.pos]
            self.pos += 1
            value |= (byte & 0x7F) << (7 * i)
            if not byte & 0x80:
                if byte == 0 and i > 0:
                    raise DecodeError("varint is not minimally encoded")
                if value > U32_MAX:
                    raise DecodeError("varint over 32 bits")
                return value
        raise DecodeError("varint longer than 5 bytes")

    def seq_range(self, open_ok: bool) -> SeqRange:
        origin = self.origin()
        first = self.varint()
        length = self.varint()
        if first == 0:
            raise DecodeError("seq 0 in a range")
        if length == 0 and not open_ok:
            raise DecodeError("empty range")
        if length and first + length - 1 > U32_MAX:
            raise DecodeError("range runs past the last seq")
        return SeqRange(origin, first, length)


def encode(frame: Frame) -> bytes:
    """The bytes of ``frame``; raises UsageError for values the format cannot carry."""
    out = bytearray()
    if isinstance(frame, RecordsFrame):
        if not frame.records:
            raise UsageError("a records frame needs at least one record")
        out.append(header(FrameType.PUSH if frame.relay else FrameType.ANSWER))
        for raw in frame.records:
            if not 0 < len(raw) <= MAX_RECORD_BYTES:
                raise UsageError(f"record of {len(raw)} bytes")
            out += varint(len(raw)) + raw
    elif isinstance(frame, FragmentFrame):
        out.append(header(FrameType.FRAGMENT))
        out += frame.fragment
    elif isinstance(frame, DigestFrame):
        if len(frame.vector_hash) != HASH_BYTES:
            raise UsageError(f"digest hash must be {HASH_BYTES} bytes")
        listed = frame.neighbours
        out.append(header(FrameType.DIGEST if listed is None else FrameType.NEIGHBOURS))
        out += frame.vector_hash + varint(frame.total)
        if listed is not None:
            if len(listed) > MAX_NEIGHBOUR_IDS:
                raise UsageError(f"at most {MAX_NEIGHBOUR_IDS} neighbours")
            if any(not 0 <= i <= SHORT_ID_MASK for i in listed) or any(
                a >= b for a, b in pairwise(listed)
            ):
                raise UsageError("neighbours must be distinct 16-bit ids, ascending")
            out.append(len(listed))
            for short in listed:
                out += short.to_bytes(SHORT_ID_BYTES, "big")
        for entry in frame.entries:
            out += _origin(entry.origin) + varint(_positive(entry.seq))
    elif isinstance(frame, RequestFrame):
        out.append(header(FrameType.REQUEST))
        flags = (REQUEST_COMPLETE if frame.complete else 0) | (
            REQUEST_ANSWERERS if frame.answerers else 0
        )
        out.append(flags)
        if frame.answerers:
            if len(frame.answerers) > MAX_ANSWERERS:
                raise UsageError(f"at most {MAX_ANSWERERS} answerers")
            out.append(len(frame.answerers))
            for node in frame.answerers:
                out += _origin(node)
        for rng in frame.ranges:
            out += _range(rng, open_ok=True)
    else:
        out.append(header(FrameType.GONE))
        if not frame.ranges:
            raise UsageError("a gone frame needs at least one range")
        for rng in frame.ranges:
            out += _range(rng, open_ok=False)
    return bytes(out)


def frame_type(payload: bytes) -> FrameType:
    """The type of a frame, from its first byte; raises DecodeError for other versions."""
    if not payload:
        raise DecodeError("empty frame")
    version, kind = payload[0] >> 4, payload[0] & 0x0F
    if version != FORMAT_VERSION:
        raise DecodeError(f"frame format version {version}")
    try:
        return FrameType(kind)
    except ValueError:
        raise DecodeError(f"unknown frame type {kind}") from None


def decode(payload: bytes) -> Frame:
    """Parse one frame; raises DecodeError for anything else."""
    payload = bytes(payload)
    kind = frame_type(payload)
    reader = _Reader(payload, 1)
    if kind in (FrameType.PUSH, FrameType.ANSWER):
        return RecordsFrame(_records(payload), relay=kind == FrameType.PUSH)
    if kind == FrameType.FRAGMENT:
        if len(payload) < 2:
            raise DecodeError("empty fragment frame")
        return FragmentFrame(payload[1:])
    if kind in (FrameType.DIGEST, FrameType.NEIGHBOURS):
        vector_hash = reader.take(HASH_BYTES)
        total = reader.varint()
        neighbours: tuple[int, ...] | None = None
        if kind == FrameType.NEIGHBOURS:
            neighbours = _neighbour_ids(reader)
        entries: list[DigestEntry] = []
        while not reader.done():
            origin = reader.origin()
            seq = reader.varint()
            if seq == 0:
                raise DecodeError("digest entry with seq 0")
            entries.append(DigestEntry(origin, seq))
        return DigestFrame(vector_hash, total, tuple(entries), neighbours)
    if kind == FrameType.REQUEST:
        flags = reader.take(1)[0]
        if flags & ~(REQUEST_COMPLETE | REQUEST_ANSWERERS):
            # Anything else would need a new format version: refuse rather than guess.
            raise DecodeError(f"unknown request flags {flags:#04x}")
        answerers: list[int] = []
        if flags & REQUEST_ANSWERERS:
            count = reader.take(1)[0]
            if not 0 < count <= MAX_ANSWERERS:
                raise DecodeError(f"{count} answerers")
            answerers = [reader.origin() for _ in range(count)]
        ranges: list[SeqRange] = []
        while not reader.done():
            ranges.append(reader.seq_range(open_ok=True))
        return RequestFrame(
            tuple(ranges), complete=bool(flags & REQUEST_COMPLETE), answerers=tuple(answerers)
        )
    gone: list[SeqRange] = []
    while not reader.done():
        gone.append(reader.seq_range(open_ok=False))
    if not gone:
        raise DecodeError("gone frame without ranges")
    return GoneFrame(tuple(gone))


def _neighbour_ids(reader: _Reader) -> tuple[int, ...]:
    count = reader.take(1)[0]
    if count > MAX_NEIGHBOUR_IDS:
        raise DecodeError(f"{count} neighbours")
    raw = reader.take(SHORT_ID_BYTES * count)
    ids = tuple(
        int.from_bytes(raw[i : i + SHORT_ID_BYTES], "big")
        for i in range(0, len(raw), SHORT_ID_BYTES)
    )
    if any(a >= b for a, b in pairwise(ids)):
        raise DecodeError("neighbour ids not strictly ascending")
    return ids


def neighbours_size(count: int) -> int:
    """Bytes a neighbour list of ``count`` ids adds to a digest."""
    return 1 + SHORT_ID_BYTES * count


def _records(payload: bytes) -> tuple[bytes, ...]:
    # The most common frame by far, decoded without the general reader: records are at
    # most 512 bytes, so each length is one varint byte or two.
    records: list[bytes] = []
    pos, end = 1, len(payload)
    while pos < end:
        size = payload[pos]
        pos += 1
        if size & 0x80:
            if pos >= end or payload[pos] == 0 or payload[pos] & 0x80:
                raise DecodeError("bad record length")
            size = (size & 0x7F) | payload[pos] << 7
            pos += 1
        if not 0 < size <= MAX_RECORD_BYTES:
            raise DecodeError(f"record length {size}")
        if pos + size > end:
            raise DecodeError("frame ends inside a record")
        records.append(payload[pos : pos + size])
        pos += size
    if not records:
        raise DecodeError("records frame without records")
    return tuple(records)


def _origin(value: int) -> bytes:
    if not 0 < value <= U32_MAX:
        raise UsageError(f"{value} is not a non-zero uint32 (origin or radio id)")
    return value.to_bytes(ORIGIN_BYTES, "big")


def _positive(value: int) -> int:
    if value <= 0:
        raise UsageError("seq must be positive")
    return value


def _range(rng: SeqRange, open_ok: bool) -> bytes:
    if rng.length == 0 and not open_ok:
        raise UsageError("empty range")
    if rng.length and rng.first + rng.length - 1 > U32_MAX:
        raise UsageError("range runs past the last seq")
    return _origin(rng.origin) + varint(_positive(rng.first)) + varint(rng.length)
