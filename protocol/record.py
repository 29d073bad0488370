"""Signed board records: the unit that nodes create, keep, relay and merge.

On air a record is ``version byte | Record body (protobuf) | 64-byte Ed25519 signature``.
The signature covers a domain-separation prefix, the version byte and the body, so a
signature made for a record can never be replayed as some other kind of meshaid payload.
Nodes keep and relay the exact signed bytes; fields a node does not know survive in them.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from enum import IntEnum
from typing import TYPE_CHECKING, NamedTuple, TypeVar

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

from meshaid.protocol import textpack
from meshaid.protocol.errors import DecodeError, SignatureError, UsageError

if TYPE_CHECKING:
    from meshaid.protocol import board_pb2

WIRE_VERSION = 1
SIGNATURE_BYTES = 64
SIGN_DOMAIN = b"meshaid/record/v1\x00"
MAX_TEXT_BYTES = 200
MAX_ZONE_NAME_BYTES = 40
# A record with 200 bytes of incompressible text is about 330 bytes; anything much larger
# is garbage or an attack, and is refused before the protobuf parser sees it.
MAX_RECORD_BYTES = 512
MIN_RECORD_BYTES = 1 + SIGNATURE_BYTES
# Times (minutes since 2024-01-01) and lifetimes up to 2100-01-01: far beyond any entry's
# life, so a node whose clock is decades off still posts, while a record dated year 10000
# (which no display can show, and which would sit on every board) is refused on arrival.
MAX_TIME_MINUTES = 39_972_960


class Kind(IntEnum):
    OFFER = 0
    NEED = 1
    TRADE = 2
    ALERT = 3


class Category(IntEnum):
    FOOD = 0
    WATER = 1
    MEDICINE = 2
    HEALTH = 3
    SHELTER = 4
    CLOTHING = 5
    CHILDCARE = 6
    TRANSPORT = 7
    REPAIR = 8
    ENERGY = 9
    SKILLS = 10
    LEGAL = 11
    SAFETY = 12
    OTHER = 13


class Urgency(IntEnum):
    NORMAL = 0
    LOW = 1
    HIGH = 2
    CRITICAL = 3


class Status(IntEnum):
    OPEN = 0
    MATCHED = 1
    FULFILLED = 2
    WITHDRAWN = 3


_PROTOBUF: tuple[type[board_pb2.Record], type[Exception]] | None = None


def _protobuf() -> tuple[type[board_pb2.Record], type[Exception]]:
    """board_pb2.Record and protobuf's DecodeError, imported on first use: a command that
    only reads the board never encodes or decodes a record, and protobuf costs start-up
    time."""
    global _PROTOBUF
    if _PROTOBUF is None:
        from google.protobuf.message import DecodeError as protobuf_error

        from meshaid.protocol import board_pb2

        _PROTOBUF = (board_pb2.Record, protobuf_error)
    return _PROTOBUF


E = TypeVar("E", bound=IntEnum)


def _members(enum: type[E]) -> dict[int, E]:
    return {int(member): member for member in enum}


# Each enum by value: one from a newer node that this node does not know reads as a
# fallback (from_message, sync/summary_records.py); dicts, as loading a store is hot.
KINDS = _members(Kind)
CATEGORIES = _members(Category)
URGENCIES = _members(Urgency)
STATUSES = _members(Status)


class RecordId(NamedTuple):
    """A record's place in its origin's sequence."""

    origin: int
    seq: int


class EntryId(NamedTuple):
    """An entry is named by the record that created it."""

    origin: int
    seq: int


class MatchPair(NamedTuple):
    """What a match record pairs: a need and an offer, each named by its creating record."""

    need: EntryId
    offer: EntryId


def origin_id(public_key: bytes) -> int:
    """A node's 32-bit origin id: the first 4 bytes of SHA-256 of its Ed25519 public key."""
    if len(public_key) != 32:
        raise UsageError("an Ed25519 public key is 32 bytes")
    return int.from_bytes(hashlib.sha256(public_key).digest()[:4], "big")


class _Ids:
    """Slots for a body's ids, made on first use and then shared by everyone who asks
    (the sync engine keys several tables by them)."""

    __slots__ = ("_entry_id", "_record_id")
    _entry_id: EntryId
    _record_id: RecordId


@dataclass(frozen=True, slots=True, eq=False)
class RecordBody(_Ids):
    """What a record says, before signing. Times are on-air minutes (see timebase).

    Equal bodies say the same thing, whichever way they were decoded (see
    ``decode_stored``).
    """

    origin: int
    seq: int
    kind: Kind
    category: Category
    text: str
    created: int
    entry_seq: int = 0
    version: int = 0
    community: int = 0
    zone_id: int = 0
    zone_name: str = ""
    lifetime: int = 0
    urgency: Urgency = Urgency.NORMAL
    when: int = 0
    status: Status = Status.OPEN
    ref: EntryId | None = None
    entry_origin: int = 0
    # A serialized board_pb2.Control: a record about the neighbourhood (roster, keys), not
    # an entry. See meshaid.protocol.control.
    control: bytes = b""
    # Set: the entry is a match of a need with an offer (see board.proto's Match).
    match: MatchPair | None = None

    @property
    def is_control(self) -> bool:
        return bool(self.control)

    @property
    def record_id(self) -> RecordId:
        try:
            return self._record_id
        except AttributeError:
            rid = RecordId(self.origin, self.seq)
            object.__setattr__(self, "_record_id", rid)
            return rid

    @property
    def entry_id(self) -> EntryId:
        try:
            return self._entry_id
        except AttributeError:
            eid = EntryId(self.entry_origin or self.origin, self.entry_seq or self.seq)
            object.__setattr__(self, "_entry_id", eid)
            return eid

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in _BODY_FIELDS)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RecordBody):
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def check(self) -> None:
        """Raise UsageError when the body cannot be put on air."""
        if not 0 < self.origin <= 0xFFFF_FFFF:
            raise UsageError("origin must be a non-zero 32-bit number")
        if not 0 < self.seq <= 0xFFFF_FFFF:
            raise UsageError("seq must be a positive 32-bit number")
        if self.entry_seq == 0 and (self.version != 0 or self.entry_origin):
            raise UsageError("a record that creates an entry has version 0 and no entry_origin")
        if self.entry_seq and self.version == 0:
            raise UsageError("a record that changes an entry has a version above 0")
        size = len(self.text.encode("utf-8"))
        if size > MAX_TEXT_BYTES:
            raise UsageError(
                f"text is {size} bytes, {size - MAX_TEXT_BYTES} over the limit of {MAX_TEXT_BYTES}"
            )
        if len(self.zone_name.encode("utf-8")) > MAX_ZONE_NAME_BYTES:
            raise UsageError(f"zone name is longer than {MAX_ZONE_NAME_BYTES} bytes")
        if self.control and (self.entry_seq or self.text or self.entry_origin):
            raise UsageError("a control record is not an entry: no text, no entry fields")
        if self.match is not None and (self.control or self.match.need == self.match.offer):
            raise UsageError("a match pairs two different entries and is no control record")
        for name in ("created", "lifetime", "when", "community", "zone_id", "version"):
            if not 0 <= getattr(self, name) <= 0xFFFF_FFFF:
                raise UsageError(f"{name} is out of range")
        if max(self.created, self.when, self.lifetime) > MAX_TIME_MINUTES:
            raise UsageError("a time is past 2100-01-01; is the clock right?")
        if _has_control(self.text) or _has_control(self.zone_name):
            raise UsageError("text holds a control character")

    def to_message(self) -> board_pb2.Record:
        record_message, _error = _protobuf()
        msg = record_message(
            origin=self.origin,
            seq=self.seq,
            entry_seq=self.entry_seq,
            version=self.version,
            kind=int(self.kind),  # type: ignore[arg-type]
            category=int(self.category),  # type: ignore[arg-type]
            community=self.community,
            zone_id=self.zone_id,
            packed_text=textpack.pack(self.text),
            created=self.created,
            lifetime=self.lifetime,
            urgency=int(self.urgency),  # type: ignore[arg-type]
            when=self.when,
            status=int(self.status),  # type: ignore[arg-type]
            entry_origin=self.entry_origin,
            zone_name=self.zone_name,
            control=self.control,
        )
        if self.match is not None:
            need, offer = self.match
            pair = msg.match
            pair.need_origin, pair.need_seq = need.origin, need.seq
            pair.offer_origin, pair.offer_seq = offer.origin, offer.seq
        if self.ref is not None:
            msg.ref_seq = self.ref.seq
            if self.ref.origin != self.origin:
                msg.ref_origin = self.ref.origin
        return msg

    @classmethod
    def from_message(cls, msg: board_pb2.Record) -> RecordBody:
        ref = None
        if msg.ref_seq:
            ref = EntryId(msg.ref_origin or msg.origin, msg.ref_seq)
        return cls(
            origin=msg.origin,
            seq=msg.seq,
            entry_seq=msg.entry_seq,
            version=msg.version,
            kind=KINDS.get(msg.kind, Kind.OFFER),
            category=CATEGORIES.get(msg.category, Category.OTHER),
            community=msg.community,
            zone_id=msg.zone_id,
            zone_name=msg.zone_name,
            text=textpack.unpack(msg.packed_text),
            created=msg.created,
            lifetime=msg.lifetime,
            urgency=URGENCIES.get(msg.urgency, Urgency.NORMAL),
            when=msg.when,
            status=STATUSES.get(msg.status, Status.OPEN),
            ref=ref,
            entry_origin=msg.entry_origin,
            control=msg.control,
            match=_match_of(msg),
        )


def _match_of(msg: board_pb2.Record) -> MatchPair | None:
    if not msg.HasField("match"):
        return None
    pair = msg.match
    return MatchPair(EntryId(pair.need_origin, pair.need_seq),
                     EntryId(pair.offer_origin, pair.offer_seq))


_BODY_FIELDS = tuple(f.name for f in fields(RecordBody))


class _StoredBody(RecordBody):
    """A body decoded from this node's own store, whose text is unpacked on first use.

    Everything else is read at once; the sync engine never looks at texts, and unpacking
    them is most of the cost of decoding a record. It keeps a reference to the record's
    bytes (no copy) to find the packed text in when it is read.
    """

    __slots__ = ("_raw",)
    _raw: bytes

    @classmethod
    def of(cls, msg: board_pb2.Record, raw: bytes) -> _StoredBody:
        ref = None
        if msg.ref_seq:
            ref = EntryId(msg.ref_origin or msg.origin, msg.ref_seq)
        origin = _ORIGINS.setdefault(msg.origin, msg.origin)
        seq = msg.seq
        entry_origin = msg.entry_origin
        entry_seq = msg.entry_seq
        owner = _ORIGINS.setdefault(entry_origin, entry_origin) if entry_origin else origin
        body = object.__new__(cls)
        (origin_, seq_, kind, category, created, entry_seq_, version, community, zone_id,
         zone_name, lifetime, urgency, when, status, ref_, entry_origin_, control, raw_,
         record_id, entry_id, match) = _STORED_SLOTS
        origin_(body, origin)
        seq_(body, seq)
        kind(body, KINDS.get(msg.kind, Kind.OFFER))
        category(body, CATEGORIES.get(msg.category, Category.OTHER))
        created(body, msg.created)
        entry_seq_(body, entry_seq)
        version(body, msg.version)
        community(body, msg.community)
        zone_id(body, msg.zone_id)
        zone_name(body, msg.zone_name)
        lifetime(body, msg.lifetime)
        urgency(body, URGENCIES.get(msg.urgency, Urgency.NORMAL))
        when(body, msg.when)
        status(body, STATUSES.get(msg.status, Status.OPEN))
        ref_(body, ref)
        entry_origin_(body, entry_origin)
        control(body, msg.control)
        raw_(body, raw)
        match(body, _match_of(msg))
        # tuple.__new__ directly: a NamedTuple's own __new__ is Python code.
        record_id(body, tuple.__new__(RecordId, (origin, seq)))
        entry_id(body, tuple.__new__(EntryId, (owner, entry_seq or seq)))
        return body

    def __getattr__(self, name: str) -> object:
        # Only called for a slot not set yet: the text, before anyone read it.
        if name != "text":
            raise AttributeError(name)
        record_message, _error = _protobuf()
        msg = record_message()
        msg.ParseFromString(self._raw[1:-SIGNATURE_BYTES])
        text = textpack.unpack(msg.packed_text)
        object.__setattr__(self, "text", text)
        return text


def _slot_setter(cls: type, name: str) -> Callable[[object, object], None]:
    """What sets the slot ``name`` of a ``cls`` instance, frozen or not."""
    setter: Callable[[object, object], None] = getattr(cls, name).__set__
    return setter


# Setting each slot of a stored body through its descriptor: decoding a whole store is
# a hot loop. Origins are few, and shared by all of their records.
_STORED_SLOTS = tuple(
    _slot_setter(_StoredBody, name)
    for name in ("origin", "seq", "kind", "category", "created", "entry_seq", "version",
                 "community", "zone_id", "zone_name", "lifetime", "urgency", "when", "status",
                 "ref", "entry_origin", "control", "_raw", "_record_id", "_entry_id",
                 "match")
)
_ORIGINS: dict[int, int] = {}


class _Checked:
    """Slots for what a record remembers about itself: its digest, once computed; the
    key that verified it, so that a second check with that key costs nothing (the sync
    engine verifies what it hears, then the store would again); and whether this module
    made the body and the bytes from one another."""

    __slots__ = ("__weakref__", "_digest", "_matches_raw", "_verified_by")  # held_records.py
    _digest: bytes
    _matches_raw: bool
    _verified_by: bytes


@dataclass(frozen=True, slots=True)
class SignedRecord(_Checked):
    """A record's exact bytes as signed, with its decoded body alongside."""

    raw: bytes
    body: RecordBody = field(compare=False)

    @property
    def signed_part(self) -> bytes:
        return self.raw[:-SIGNATURE_BYTES]

    @property
    def signature(self) -> bytes:
        return self.raw[-SIGNATURE_BYTES:]

    @property
    def record_id(self) -> RecordId:
        return self.body.record_id

    @property
    def entry_id(self) -> EntryId:
        return self.body.entry_id

    @property
    def digest(self) -> bytes:
        """SHA-256 of the exact bytes: tells two records with the same id apart."""
        try:
            return self._digest
        except AttributeError:
            digest = hashlib.sha256(self.raw).digest()
            object.__setattr__(self, "_digest", digest)
            return digest

    @property
    def matches_raw(self) -> bool:
        """True when ``sign``, ``decode`` or ``decode_stored`` made this record, so the body
        is what the bytes say; False for one put together by hand, whose body may not be."""
        try:
            return self._matches_raw
        except AttributeError:
            return False

    @property
    def verified_by(self) -> bytes | None:
        """The public key that ``verify`` last accepted for this record, if any."""
        try:
            return self._verified_by
        except AttributeError:
            return None

    def verify(self, public_key: bytes) -> None:
        """Raise SignatureError unless ``public_key`` signed these bytes and owns the origin."""
        public_key = bytes(public_key)
        if self.verified_by == public_key:
            return
        if origin_id(public_key) != self.body.origin:
            raise SignatureError("the key does not belong to the record's origin")
        try:
            VerifyKey(public_key).verify(SIGN_DOMAIN + self.signed_part, self.signature)
        except BadSignatureError as exc:
            raise SignatureError("bad signature") from exc
        object.__setattr__(self, "_verified_by", public_key)


def sign(body: RecordBody, key: SigningKey) -> SignedRecord:
    """Encode ``body`` and sign it with the origin's key."""
    body.check()
    if origin_id(bytes(key.verify_key)) != body.origin:
        raise UsageError("the signing key does not belong to the record's origin")
    signed_part = bytes([WIRE_VERSION]) + body.to_message().SerializeToString(deterministic=True)
    signature = key.sign(SIGN_DOMAIN + signed_part).signature
    raw = signed_part + signature
    if len(raw) > MAX_RECORD_BYTES:
        raise UsageError(f"record is {len(raw)} bytes, over {MAX_RECORD_BYTES}")
    return _made(raw, body)


def _made(raw: bytes, body: RecordBody) -> SignedRecord:
    """A record whose body and bytes this module made from one another."""
    rec = object.__new__(SignedRecord)
    _RECORD_RAW(rec, raw)
    _RECORD_BODY(rec, body)
    _RECORD_MATCHES(rec, True)
    return rec


_RECORD_RAW, _RECORD_BODY, _RECORD_MATCHES = (
    _slot_setter(SignedRecord, name) for name in ("raw", "body", "_matches_raw")
)


def decode(raw: bytes) -> SignedRecord:
    """Parse a record's bytes (size checked first). Does not verify the signature.

    Raises DecodeError for anything that is not a canonical version-1 record.
    """
    if not MIN_RECORD_BYTES < len(raw) <= MAX_RECORD_BYTES:
        limits = f"{MIN_RECORD_BYTES + 1}..{MAX_RECORD_BYTES}"
        raise DecodeError(f"record size {len(raw)} outside {limits}")
    raw = bytes(raw)
    if raw[0] != WIRE_VERSION:
        raise DecodeError(f"unknown record version {raw[0]}")
    body_bytes = raw[1:-SIGNATURE_BYTES]
    record_message, protobuf_error = _protobuf()
    msg = record_message()
    try:
        msg.ParseFromString(body_bytes)
    except protobuf_error as exc:
        raise DecodeError("record body is not valid protobuf") from exc
    # One content, one encoding: a re-encoded body must give the same bytes, so nobody
    # can make a second valid-looking variant of a record (unknown fields from newer
    # nodes are kept and re-emitted after the known ones, see board.proto).
    if msg.SerializeToString(deterministic=True) != body_bytes:
        raise DecodeError("record body is not canonically encoded")
    _check_values(msg)
    body = RecordBody.from_message(msg)
    if body.origin == 0 or body.seq == 0:
        raise DecodeError("record has no origin or seq")
    if body.entry_seq == 0 and (body.version or body.entry_origin):
        raise DecodeError("creating record with a version or entry owner")
    if body.entry_seq and body.version == 0:
        raise DecodeError("changing record with version 0")
    if len(body.text.encode("utf-8")) > MAX_TEXT_BYTES:
        raise DecodeError("record text over the limit")
    if body.control and (body.entry_seq or body.text or body.entry_origin):
        raise DecodeError("control record with entry fields")
    if body.match is not None and (body.control or body.match.need == body.match.offer):
        raise DecodeError("match record that is a control record or pairs an entry with itself")
    if max(body.created, body.when, body.lifetime) > MAX_TIME_MINUTES:
        raise DecodeError("record time past 2100-01-01")
    if _has_control(body.text) or _has_control(body.zone_name):
        raise DecodeError("record text holds a control character")
    return _made(raw, body)


# Wire types a field of a newer node may have: varint, fixed64, length-delimited, fixed32.
# Groups (3, 4) are not proto3 and would let a record nest as deep as its bytes allow.
_UNKNOWN_WIRE_TYPES = frozenset((0, 1, 2, 5))


def _check_values(msg: board_pb2.Record) -> None:
    """Refuse values this node cannot show truthfully: an enum value it does not know (a
    status 7 shown as "open", a category 20 as "food"), a known field number with another
    wire type, a group. Unknown fields of the plain wire types stay: they are how a newer
    node's additions travel through this one (see board.proto)."""
    if (msg.kind not in KINDS or msg.category not in CATEGORIES
            or msg.urgency not in URGENCIES or msg.status not in STATUSES):
        raise DecodeError("record has a kind, category, urgency or status out of range")
    from google.protobuf.unknown_fields import UnknownFieldSet  # with the parser: lazily

    known = msg.DESCRIPTOR.fields_by_number
    unknowns = UnknownFieldSet(msg)
    for i in range(len(unknowns)):  # indexed: the set has no iterator in its type stubs
        unknown = unknowns[i]
        if unknown.field_number in known or unknown.wire_type not in _UNKNOWN_WIRE_TYPES:
            raise DecodeError(f"record field {unknown.field_number} has a wrong wire type")


# C0 controls but tab and newline, DEL and C1: an escape sequence on air could clear or
# retitle a committee member's terminal. Nodes strip them before signing.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _has_control(text: str) -> bool:
    return _CONTROL.search(text) is not None


def decode_stored(raw: bytes) -> SignedRecord:
    """Parse a record that ``decode`` accepted before, as a node's own store holds them.

    The checks ``decode`` made when the record arrived are not made again, and the text
    stays packed until it is read: loading a whole store costs a protobuf parse a record.
    Raises DecodeError if the bytes do not even parse (a damaged database file); a text
    damaged on disk raises DecodeError when it is read.
    """
    record_message, protobuf_error = _protobuf()
    msg = record_message()
    raw = bytes(raw)
    try:
        msg.ParseFromString(raw[1:-SIGNATURE_BYTES])
    except protobuf_error as exc:
        raise DecodeError("stored record body is not valid protobuf") from exc
    return _made(raw, _StoredBody.of(msg, raw))


def stored_fields(raws: Iterable[bytes]) -> list[tuple[int, int, int, int, bool, int, int]]:
    """Kind, created, lifetime, when, is-control, urgency, zone: sync/held_records.py's."""
    record_message, protobuf_error = _protobuf()
    msg, out = record_message(), []  # one message for all: parsing into it clears it
    try:
        for raw in raws:
            msg.ParseFromString(raw[1:-SIGNATURE_BYTES])
            out.append((int(msg.kind), msg.created, msg.lifetime, msg.when, bool(msg.control),
                        int(msg.urgency), msg.zone_id))
    except protobuf_error as exc:
        raise DecodeError("stored record body is not valid protobuf") from exc
    return out
