"""In which order a node sends the records it has queued.

A node's ordinary budget (144 s an hour) carries about 90 records of the corpus's median
size (156 bytes, 1.62 s a frame on LONG_FAST), so the order decides what a node that is
catching up sees first: alerts, then open needs, then other open entries, then closed ones
(withdrawn tombstones still go, so nobody shows them as open). Control records go before
all of them. Within a class the more
urgent go first, then entries of the node's own zones, then the freshest. A record that a
newer version of its entry supersedes goes last: the newer one carries the whole state.
"""

from __future__ import annotations

from meshaid.protocol.record import Kind, RecordBody, Status, Urgency

URGENCY_ORDER: dict[Urgency, int] = {
    Urgency.CRITICAL: 0,
    Urgency.HIGH: 1,
    Urgency.NORMAL: 2,
    Urgency.LOW: 3,
}

# Control records (roster changes, epoch keys) first: a node that lacks them cannot tell
# whose records to accept.
CONTROL, ALERT, OPEN_NEED, OPEN, MATCHED, CLOSED, SUPERSEDED = range(7)

Rank = tuple[int, int, int, int, int, int]


def entry_class(body: RecordBody, newest: bool, demoted: bool = False) -> int:
    """``demoted``: an alert beyond its origin's alert bucket (limits.py), sent as others."""
    return class_of(bool(body.control), body.kind, body.status, newest, demoted)


def class_of(control: bool, kind: int, status: int, newest: bool, demoted: bool) -> int:
    """``entry_class`` on the numbers a held record's summary keeps (sync/held_records.py)."""
    if control:
        return CONTROL
    if not newest:
        return SUPERSEDED
    if kind == Kind.ALERT and not demoted:
        return ALERT
    if status == Status.OPEN:
        return OPEN_NEED if kind == Kind.NEED else OPEN
    if status == Status.MATCHED:
        return MATCHED
    return CLOSED


def send_rank(
    body: RecordBody, newest: bool = True, local: bool = False, demoted: bool = False
) -> Rank:
    """Smaller sends first. ``newest``: no held record of the entry has a higher version;
    ``local``: the entry is in one of this node's zones; ``demoted``: see entry_class."""
    return (
        entry_class(body, newest, demoted),
        URGENCY_ORDER[body.urgency],
        0 if local else 1,
        -body.created,
        body.origin,
        body.seq,
    )


def rank_of(klass: int, urgency: int, local: bool, created: int, origin: int,
            seq: int) -> Rank:
    """``send_rank`` from its parts (a held record's summary, without the record)."""
    return (klass, URGENCY_ORDER[urgency], 0 if local else 1, -created, origin, seq)  # type: ignore[index]


def is_alert(body: RecordBody) -> bool:
    """Spread at once, from the alert reserve: alerts, and the rare control records."""
    return body.kind == Kind.ALERT or bool(body.control)
