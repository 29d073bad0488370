"""Signed board records: the unit that nodes create, keep, relay and merge.

On air a record is ``version byte | Record body (protobuf) | 64-byte Ed25519 signature``.
The signature covers a domain-separation prefix, the version byte and the body, so a
signature made for a record can never be replayed as some other kind of meshaid payload.
Nodes keep and relay the exact signed bytes; fields a node does not know survive in them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import IntEnum
from typing import NamedTuple

from google.protobuf.message import DecodeError as _PbDecodeError
from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

from meshaid.protocol import board_pb2, textpack
from meshaid.protocol.errors import DecodeError, SignatureError, UsageError

WIRE_VERSION = 1
SIGNATURE_BYTES = 64
SIGN_DOMAIN = b"meshaid/record/v1\x00"
MAX_TEXT_BYTES = 200
MAX_ZONE_NAME_BYTES = 40
# A record with 200 bytes of incompressible text is about 330 bytes; anything much larger
# is garbage or an attack, and is refused before the protobuf parser sees it.
MAX_RECORD_BYTES = 512
MIN_RECORD_BYTES = 1 + SIGNATURE_BYTES


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


def _enum_or(enum: type[IntEnum], value: int, fallback: IntEnum) -> int:
    """A value from a newer node's enum that this node does not know reads as ``fallback``."""
    return value if value in enum._value2member_map_ else int(fallback)


class RecordId(NamedTuple):
    """A record's place in its origin's sequence."""

    origin: int
    seq: int


class EntryId(NamedTuple):
    """An entry is named by the record that created it."""

    origin: int
    seq: int


def origin_id(public_key: bytes) -> int:
    """A node's 32-bit origin id: the first 4 bytes of SHA-256 of its Ed25519 public key."""
    if len(public_key) != 32:
        raise UsageError("an Ed25519 public key is 32 bytes")
    return int.from_bytes(hashlib.sha256(public_key).digest()[:4], "big")


@dataclass(frozen=True)
class RecordBody:
    """What a record says, before signing. Times are on-air minutes (see timebase)."""

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

    @property
    def is_control(self) -> bool:
        return bool(self.control)

    @property
    def record_id(self) -> RecordId:
        return RecordId(self.origin, self.seq)

    @property
    def entry_id(self) -> EntryId:
        owner = self.entry_origin or self.origin
        return EntryId(owner, self.entry_seq or self.seq)

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
        for name in ("created", "lifetime", "when", "community", "zone_id", "version"):
            if not 0 <= getattr(self, name) <= 0xFFFF_FFFF:
                raise UsageError(f"{name} is out of range")

    def to_message(self) -> board_pb2.Record:
        msg = board_pb2.Record(
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
            kind=Kind(_enum_or(Kind, msg.kind, Kind.OFFER)),
            category=Category(_enum_or(Category, msg.category, Category.OTHER)),
            community=msg.community,
            zone_id=msg.zone_id,
            zone_name=msg.zone_name,
            text=textpack.unpack(msg.packed_text),
            created=msg.created,
            lifetime=msg.lifetime,
            urgency=Urgency(_enum_or(Urgency, msg.urgency, Urgency.NORMAL)),
            when=msg.when,
            status=Status(_enum_or(Status, msg.status, Status.OPEN)),
            ref=ref,
            entry_origin=msg.entry_origin,
            control=msg.control,
        )


@dataclass(frozen=True)
class SignedRecord:
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
        return hashlib.sha256(self.raw).digest()

    def verify(self, public_key: bytes) -> None:
        """Raise SignatureError unless ``public_key`` signed these bytes and owns the origin."""
        if origin_id(public_key) != self.body.origin:
            raise SignatureError("the key does not belong to the record's origin")
        try:
            VerifyKey(public_key).verify(SIGN_DOMAIN + self.signed_part, self.signature)
        except BadSignatureError as exc:
            raise SignatureError("bad signature") from exc


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
    return SignedRecord(raw=raw, body=body)


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
    msg = board_pb2.Record()
    try:
        msg.ParseFromString(body_bytes)
    except _PbDecodeError as exc:
        raise DecodeError("record body is not valid protobuf") from exc
    # One content, one encoding: a re-encoded body must give the same bytes, so nobody
    # can make a second valid-looking variant of a record (unknown fields from newer
    # nodes are kept and re-emitted after the known ones, see board.proto).
    if msg.SerializeToString(deterministic=True) != body_bytes:
        raise DecodeError("record body is not canonically encoded")
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
    return SignedRecord(raw=raw, body=body)
