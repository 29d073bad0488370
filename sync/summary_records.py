"""Records made from a held record's summary (held_records.py) without decoding it.

Answering a request, ranking what to send and judging alerts read a record's kind,
status, urgency, zone, signed minute and version; the summary has them. A record made
here has those set, and reads the rest of its body (text, category, lifetime, ...) from
its bytes with ``decode_stored`` the first time one of them is asked for: the same values
``decode_stored`` gives, so the two bodies are equal. A node answering a request for its
whole board (a neighbour that lost its store) makes a record a held record, so this costs
microseconds where decoding would cost tens.
"""

from __future__ import annotations

from collections.abc import Callable

from meshaid.protocol.record import (
    KINDS,
    STATUSES,
    URGENCIES,
    EntryId,
    Kind,
    RecordBody,
    RecordId,
    SignedRecord,
    Status,
    Urgency,
    decode_stored,
)

# What the summary does not hold: read from the bytes on first use, all at once (the text,
# which takes unpacking, only when it is asked for).
_LATER = ("category", "community", "zone_name", "lifetime", "when", "ref", "entry_origin",
          "control", "match")
_LAZY = frozenset((*_LATER, "text"))
_set = object.__setattr__


class _SummaryBody(RecordBody):
    __slots__ = ("_raw",)
    _raw: bytes

    def __getattr__(self, name: str) -> object:
        # Only called for a slot not set yet.
        if name not in _LAZY:
            raise AttributeError(name)
        full = decode_stored(self._raw).body
        for later in _LATER:
            _set(self, later, getattr(full, later))
        if name == "text":
            _set(self, "text", full.text)
        return object.__getattribute__(self, name)


def summary_record(raw: bytes, origin: int, seq: int, entry: EntryId, version: int,
                   created: int, control: bool, kind: int, status: int, urgency: int,
                   zone_id: int) -> SignedRecord:
    """The record ``raw`` is, with these fields from its summary (``kind``, ``status``
    and ``urgency`` as numbers)."""
    body = _new(_SummaryBody)
    (set_raw, set_origin, set_seq, set_kind, set_created, set_version, set_entry_seq,
     set_zone, set_status, set_urgency, set_control, set_rid, set_eid) = _BODY_SLOTS
    set_raw(body, raw)
    set_origin(body, origin)
    set_seq(body, seq)
    set_kind(body, KINDS.get(kind, Kind.OFFER))
    set_created(body, created)
    set_version(body, version)
    set_entry_seq(body, entry.seq if version else 0)  # only a change has a version
    set_zone(body, zone_id)
    set_status(body, STATUSES.get(status, Status.OPEN))
    set_urgency(body, URGENCIES.get(urgency, Urgency.NORMAL))
    if not control:
        set_control(body, b"")  # a control record's bytes are read with the rest
    set_rid(body, tuple.__new__(RecordId, (origin, seq)))
    set_eid(body, entry)
    rec = _new(SignedRecord)
    set_rec_raw, set_rec_body, set_matches = _RECORD_SLOTS
    set_rec_raw(rec, raw)
    set_rec_body(rec, body)
    set_matches(rec, True)  # the body is what the bytes say: made from them
    return rec


def _setter(cls: type, name: str) -> Callable[[object, object], None]:
    setter: Callable[[object, object], None] = getattr(cls, name).__set__
    return setter


# Each slot set through its descriptor (frozen classes): a record a held record, in a loop.
_new = object.__new__
_BODY_SLOTS = tuple(_setter(_SummaryBody, name) for name in (
    "_raw", "origin", "seq", "kind", "created", "version", "entry_seq", "zone_id", "status",
    "urgency", "control", "_record_id", "_entry_id"))
_RECORD_SLOTS = tuple(_setter(SignedRecord, name) for name in ("raw", "body", "_matches_raw"))
