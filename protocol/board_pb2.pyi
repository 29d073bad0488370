from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Kind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OFFER: _ClassVar[Kind]
    NEED: _ClassVar[Kind]
    TRADE: _ClassVar[Kind]
    ALERT: _ClassVar[Kind]

class Category(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FOOD: _ClassVar[Category]
    WATER: _ClassVar[Category]
    MEDICINE: _ClassVar[Category]
    HEALTH: _ClassVar[Category]
    SHELTER: _ClassVar[Category]
    CLOTHING: _ClassVar[Category]
    CHILDCARE: _ClassVar[Category]
    TRANSPORT: _ClassVar[Category]
    REPAIR: _ClassVar[Category]
    ENERGY: _ClassVar[Category]
    SKILLS: _ClassVar[Category]
    LEGAL: _ClassVar[Category]
    SAFETY: _ClassVar[Category]
    OTHER: _ClassVar[Category]

class Urgency(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NORMAL: _ClassVar[Urgency]
    LOW: _ClassVar[Urgency]
    HIGH: _ClassVar[Urgency]
    CRITICAL: _ClassVar[Urgency]

class Status(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OPEN: _ClassVar[Status]
    MATCHED: _ClassVar[Status]
    FULFILLED: _ClassVar[Status]
    WITHDRAWN: _ClassVar[Status]

class OpKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ADD_NODE: _ClassVar[OpKind]
    REMOVE_NODE: _ClassVar[OpKind]
    ADD_COMMITTEE: _ClassVar[OpKind]
    REMOVE_COMMITTEE: _ClassVar[OpKind]
    ADD_RADIO: _ClassVar[OpKind]
    REMOVE_RADIO: _ClassVar[OpKind]
    SET_THRESHOLD: _ClassVar[OpKind]
    ADD_COMMUNITY: _ClassVar[OpKind]
    ADD_ZONE: _ClassVar[OpKind]
    SET_FLOOR: _ClassVar[OpKind]
    SET_LIFETIME: _ClassVar[OpKind]
OFFER: Kind
NEED: Kind
TRADE: Kind
ALERT: Kind
FOOD: Category
WATER: Category
MEDICINE: Category
HEALTH: Category
SHELTER: Category
CLOTHING: Category
CHILDCARE: Category
TRANSPORT: Category
REPAIR: Category
ENERGY: Category
SKILLS: Category
LEGAL: Category
SAFETY: Category
OTHER: Category
NORMAL: Urgency
LOW: Urgency
HIGH: Urgency
CRITICAL: Urgency
OPEN: Status
MATCHED: Status
FULFILLED: Status
WITHDRAWN: Status
ADD_NODE: OpKind
REMOVE_NODE: OpKind
ADD_COMMITTEE: OpKind
REMOVE_COMMITTEE: OpKind
ADD_RADIO: OpKind
REMOVE_RADIO: OpKind
SET_THRESHOLD: OpKind
ADD_COMMUNITY: OpKind
ADD_ZONE: OpKind
SET_FLOOR: OpKind
SET_LIFETIME: OpKind

class Record(_message.Message):
    __slots__ = ("origin", "seq", "entry_seq", "version", "kind", "category", "community", "zone_id", "packed_text", "created", "lifetime", "urgency", "when", "status", "ref_seq", "ref_origin", "entry_origin", "zone_name", "control", "match")
    ORIGIN_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    ENTRY_SEQ_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_FIELD_NUMBER: _ClassVar[int]
    ZONE_ID_FIELD_NUMBER: _ClassVar[int]
    PACKED_TEXT_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    LIFETIME_FIELD_NUMBER: _ClassVar[int]
    URGENCY_FIELD_NUMBER: _ClassVar[int]
    WHEN_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REF_SEQ_FIELD_NUMBER: _ClassVar[int]
    REF_ORIGIN_FIELD_NUMBER: _ClassVar[int]
    ENTRY_ORIGIN_FIELD_NUMBER: _ClassVar[int]
    ZONE_NAME_FIELD_NUMBER: _ClassVar[int]
    CONTROL_FIELD_NUMBER: _ClassVar[int]
    MATCH_FIELD_NUMBER: _ClassVar[int]
    origin: int
    seq: int
    entry_seq: int
    version: int
    kind: Kind
    category: Category
    community: int
    zone_id: int
    packed_text: bytes
    created: int
    lifetime: int
    urgency: Urgency
    when: int
    status: Status
    ref_seq: int
    ref_origin: int
    entry_origin: int
    zone_name: str
    control: bytes
    match: Match
    def __init__(self, origin: _Optional[int] = ..., seq: _Optional[int] = ..., entry_seq: _Optional[int] = ..., version: _Optional[int] = ..., kind: _Optional[_Union[Kind, str]] = ..., category: _Optional[_Union[Category, str]] = ..., community: _Optional[int] = ..., zone_id: _Optional[int] = ..., packed_text: _Optional[bytes] = ..., created: _Optional[int] = ..., lifetime: _Optional[int] = ..., urgency: _Optional[_Union[Urgency, str]] = ..., when: _Optional[int] = ..., status: _Optional[_Union[Status, str]] = ..., ref_seq: _Optional[int] = ..., ref_origin: _Optional[int] = ..., entry_origin: _Optional[int] = ..., zone_name: _Optional[str] = ..., control: _Optional[bytes] = ..., match: _Optional[_Union[Match, _Mapping]] = ...) -> None: ...

class Match(_message.Message):
    __slots__ = ("need_origin", "need_seq", "offer_origin", "offer_seq")
    NEED_ORIGIN_FIELD_NUMBER: _ClassVar[int]
    NEED_SEQ_FIELD_NUMBER: _ClassVar[int]
    OFFER_ORIGIN_FIELD_NUMBER: _ClassVar[int]
    OFFER_SEQ_FIELD_NUMBER: _ClassVar[int]
    need_origin: int
    need_seq: int
    offer_origin: int
    offer_seq: int
    def __init__(self, need_origin: _Optional[int] = ..., need_seq: _Optional[int] = ..., offer_origin: _Optional[int] = ..., offer_seq: _Optional[int] = ...) -> None: ...

class Control(_message.Message):
    __slots__ = ("roster", "approval", "epoch_key")
    ROSTER_FIELD_NUMBER: _ClassVar[int]
    APPROVAL_FIELD_NUMBER: _ClassVar[int]
    EPOCH_KEY_FIELD_NUMBER: _ClassVar[int]
    roster: RosterChange
    approval: RosterApproval
    epoch_key: EpochKey
    def __init__(self, roster: _Optional[_Union[RosterChange, _Mapping]] = ..., approval: _Optional[_Union[RosterApproval, _Mapping]] = ..., epoch_key: _Optional[_Union[EpochKey, _Mapping]] = ...) -> None: ...

class RosterOp(_message.Message):
    __slots__ = ("kind", "key", "name", "origin", "seq", "radio")
    KIND_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    RADIO_FIELD_NUMBER: _ClassVar[int]
    kind: OpKind
    key: bytes
    name: str
    origin: int
    seq: int
    radio: int
    def __init__(self, kind: _Optional[_Union[OpKind, str]] = ..., key: _Optional[bytes] = ..., name: _Optional[str] = ..., origin: _Optional[int] = ..., seq: _Optional[int] = ..., radio: _Optional[int] = ...) -> None: ...

class RosterChange(_message.Message):
    __slots__ = ("version", "prev", "ops", "name", "epoch")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    PREV_FIELD_NUMBER: _ClassVar[int]
    OPS_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    EPOCH_FIELD_NUMBER: _ClassVar[int]
    version: int
    prev: bytes
    ops: _containers.RepeatedCompositeFieldContainer[RosterOp]
    name: str
    epoch: int
    def __init__(self, version: _Optional[int] = ..., prev: _Optional[bytes] = ..., ops: _Optional[_Iterable[_Union[RosterOp, _Mapping]]] = ..., name: _Optional[str] = ..., epoch: _Optional[int] = ...) -> None: ...

class RosterApproval(_message.Message):
    __slots__ = ("version", "change")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    version: int
    change: bytes
    def __init__(self, version: _Optional[int] = ..., change: _Optional[bytes] = ...) -> None: ...

class EpochKey(_message.Message):
    __slots__ = ("epoch", "recipient", "sealed", "key_id")
    EPOCH_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_FIELD_NUMBER: _ClassVar[int]
    SEALED_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    epoch: int
    recipient: int
    sealed: bytes
    key_id: bytes
    def __init__(self, epoch: _Optional[int] = ..., recipient: _Optional[int] = ..., sealed: _Optional[bytes] = ..., key_id: _Optional[bytes] = ...) -> None: ...
