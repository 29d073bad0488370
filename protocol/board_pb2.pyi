from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
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

class Record(_message.Message):
    __slots__ = ("origin", "seq", "entry_seq", "version", "kind", "category", "community", "zone_id", "packed_text", "created", "lifetime", "urgency", "when", "status", "ref_seq", "ref_origin", "entry_origin", "zone_name")
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
    def __init__(self, origin: _Optional[int] = ..., seq: _Optional[int] = ..., entry_seq: _Optional[int] = ..., version: _Optional[int] = ..., kind: _Optional[_Union[Kind, str]] = ..., category: _Optional[_Union[Category, str]] = ..., community: _Optional[int] = ..., zone_id: _Optional[int] = ..., packed_text: _Optional[bytes] = ..., created: _Optional[int] = ..., lifetime: _Optional[int] = ..., urgency: _Optional[_Union[Urgency, str]] = ..., when: _Optional[int] = ..., status: _Optional[_Union[Status, str]] = ..., ref_seq: _Optional[int] = ..., ref_origin: _Optional[int] = ..., entry_origin: _Optional[int] = ..., zone_name: _Optional[str] = ...) -> None: ...
