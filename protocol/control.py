"""Control records: what a record says about the neighbourhood rather than about an entry.

A control record is an ordinary signed record (meshaid.protocol.record) whose ``control``
field holds one board_pb2.Control message: a roster change, an approval of one, or an
epoch key sealed to one node. They travel by the same sync as entries, first in priority,
and never expire. What they mean together (which roster is in force) is worked out by
meshaid.sync.roster; this module only encodes, decodes and checks their shape.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import IntEnum

from google.protobuf.message import DecodeError as _PbDecodeError
from nacl.bindings import crypto_sign_ed25519_pk_to_curve25519
from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox
from nacl.signing import SigningKey

from meshaid.protocol import board_pb2
from meshaid.protocol.errors import DecodeError, UsageError
from meshaid.protocol.record import SignedRecord

NEIGHBOURHOOD_ID_BYTES = 8
CHANGE_DIGEST_BYTES = 16
MAX_OPS = 32  # a change adds a handful of nodes or radios at most
MAX_NAME_BYTES = 40
KEY_BYTES = 32
SEALED_KEY_BYTES = 48 + KEY_BYTES  # a libsodium sealed box around a 32-byte key


class OpKind(IntEnum):
    ADD_NODE = 0
    REMOVE_NODE = 1
    ADD_COMMITTEE = 2
    REMOVE_COMMITTEE = 3
    ADD_RADIO = 4
    REMOVE_RADIO = 5
    SET_THRESHOLD = 6
    ADD_COMMUNITY = 7
    ADD_ZONE = 8
    SET_FLOOR = 9
    SET_LIFETIME = 10


@dataclass(frozen=True)
class RosterOp:
    kind: OpKind
    key: bytes = b""
    name: str = ""
    origin: int = 0
    seq: int = 0
    radio: int = 0


@dataclass(frozen=True)
class RosterChange:
    version: int
    prev: bytes
    ops: tuple[RosterOp, ...]
    name: str = ""
    epoch: int = 0


@dataclass(frozen=True)
class RosterApproval:
    version: int
    change: bytes


@dataclass(frozen=True)
class EpochKey:
    epoch: int
    recipient: int
    sealed: bytes
    key_id: bytes


Control = RosterChange | RosterApproval | EpochKey


@dataclass(frozen=True)
class ControlRecord:
    """A signed control record and what it says."""

    record: SignedRecord
    what: Control = field(compare=False)

    @property
    def origin(self) -> int:
        return self.record.body.origin

    @property
    def digest(self) -> bytes:
        return change_digest(self.record)


def change_digest(record: SignedRecord) -> bytes:
    """How later changes and approvals name this record."""
    return hashlib.sha256(record.raw).digest()[:CHANGE_DIGEST_BYTES]


def neighbourhood_id(genesis: SignedRecord) -> bytes:
    """The id of the neighbourhood a genesis record founds."""
    return hashlib.sha256(genesis.raw).digest()[:NEIGHBOURHOOD_ID_BYTES]


def encode(what: Control) -> bytes:
    msg = board_pb2.Control()
    if isinstance(what, RosterChange):
        _check_change(what)
        msg.roster.version = what.version
        msg.roster.prev = what.prev
        msg.roster.name = what.name
        msg.roster.epoch = what.epoch
        for op in what.ops:
            msg.roster.ops.add(kind=int(op.kind), key=op.key, name=op.name,
                               origin=op.origin, seq=op.seq, radio=op.radio)
    elif isinstance(what, RosterApproval):
        msg.approval.version = what.version
        msg.approval.change = what.change
    else:
        msg.epoch_key.epoch = what.epoch
        msg.epoch_key.recipient = what.recipient
        msg.epoch_key.sealed = what.sealed
        msg.epoch_key.key_id = what.key_id
    return msg.SerializeToString(deterministic=True)


def decode(data: bytes) -> Control:
    """What a control field says; DecodeError when it is malformed or out of range."""
    msg = board_pb2.Control()
    try:
        msg.ParseFromString(data)
    except _PbDecodeError as exc:
        raise DecodeError("control body is not valid protobuf") from exc
    if msg.SerializeToString(deterministic=True) != data:
        raise DecodeError("control body is not canonically encoded")
    which = msg.WhichOneof("what")
    try:
        if which == "roster":
            r = msg.roster
            ops = tuple(
                RosterOp(OpKind(op.kind), op.key, op.name, op.origin, op.seq, op.radio)
                for op in r.ops
            )
            change = RosterChange(r.version, r.prev, ops, r.name, r.epoch)
            _check_change(change)
            return change
        if which == "approval":
            a = msg.approval
            if a.version < 2 or len(a.change) != CHANGE_DIGEST_BYTES:
                raise DecodeError("malformed roster approval")
            return RosterApproval(a.version, a.change)
        if which == "epoch_key":
            e = msg.epoch_key
            if not 0 < e.epoch <= 0xFFFF or len(e.sealed) != SEALED_KEY_BYTES or (
                    len(e.key_id) != 2) or not e.recipient:
                raise DecodeError("malformed epoch key")
            return EpochKey(e.epoch, e.recipient, e.sealed, e.key_id)
    except (ValueError, UsageError) as exc:
        raise DecodeError(f"malformed control record: {exc}") from exc
    raise DecodeError("empty control record")


def read(record: SignedRecord) -> ControlRecord:
    """The control message of a record; DecodeError when it has none or a bad one."""
    if not record.body.control:
        raise DecodeError("not a control record")
    return ControlRecord(record, decode(record.body.control))


def _check_change(change: RosterChange) -> None:
    if change.version < 1:
        raise DecodeError("roster versions start at 1")
    if (change.version == 1) != (change.prev == b""):
        raise DecodeError("only the genesis roster has no previous change")
    if change.prev and len(change.prev) != CHANGE_DIGEST_BYTES:
        raise DecodeError("a previous change is named by 16 bytes")
    if len(change.ops) > MAX_OPS:
        raise DecodeError(f"a roster change has at most {MAX_OPS} operations")
    if len(change.name.encode("utf-8")) > MAX_NAME_BYTES:
        raise DecodeError("neighbourhood name too long")
    if not 0 <= change.epoch <= 0xFFFF:
        raise DecodeError("epoch out of range")
    for op in change.ops:
        if len(op.name.encode("utf-8")) > MAX_NAME_BYTES:
            raise DecodeError("a name in a roster change is too long")
        if op.kind == OpKind.ADD_NODE and len(op.key) != KEY_BYTES:
            raise DecodeError("a node is added with its 32-byte key")
        if op.kind == OpKind.ADD_RADIO and op.key and len(op.key) != KEY_BYTES:
            raise DecodeError("a radio's pinned key is 32 bytes")
        if op.kind in (OpKind.ADD_RADIO, OpKind.REMOVE_RADIO) and not op.radio:
            raise DecodeError("a radio is named by its node number")


# -- epoch keys sealed to nodes ------------------------------------------------------------


def seal_key(epoch_key: bytes, node_key: bytes) -> bytes:
    """``epoch_key`` readable only by the holder of the Ed25519 key ``node_key``."""
    if len(epoch_key) != KEY_BYTES:
        raise UsageError("an epoch key is 32 bytes")
    curve = PublicKey(crypto_sign_ed25519_pk_to_curve25519(node_key))
    return bytes(SealedBox(curve).encrypt(epoch_key))


def unseal_key(sealed: bytes, signing_key: SigningKey) -> bytes:
    """The epoch key sealed to this node; DecodeError when it was sealed to another."""
    private: PrivateKey = signing_key.to_curve25519_private_key()
    try:
        key = bytes(SealedBox(private).decrypt(sealed))
    except CryptoError as exc:
        raise DecodeError("this epoch key was sealed to another node") from exc
    if len(key) != KEY_BYTES:
        raise DecodeError("a sealed epoch key is 32 bytes")
    return key
