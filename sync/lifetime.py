"""How long entries live. Expiry is computed from a record, never stored as a deletion.

Times are on-air minutes (meshaid.protocol.timebase). The hard cap bounds how long any
entry, and so any tombstone, must be kept: a node away for longer than the cap cannot
bring back anything that others have forgotten, nor can a replay of an old record: one
created more than the cap before a node first saw it has expired.
"""

from meshaid.protocol.record import Kind, RecordBody

MINUTES_PER_DAY = 24 * 60
DEFAULT_LIFETIME: dict[Kind, int] = {
    Kind.ALERT: 2 * MINUTES_PER_DAY,
    Kind.NEED: 14 * MINUTES_PER_DAY,
    Kind.OFFER: 30 * MINUTES_PER_DAY,
    Kind.TRADE: 30 * MINUTES_PER_DAY,  # only when a trade has no date
}
TRADE_GRACE = MINUTES_PER_DAY  # a trade stays listed until a day after the event
MAX_LIFETIME = 90 * MINUTES_PER_DAY
# A ``created`` this close to the on-air epoch comes from a clock that was reset: a Pi that
# booted in 1970 stamps minute 0 (timebase clamps earlier times to it), and one whose
# clock was set to the epoch runs a little past it. No honest record is that old: meshaid
# nodes first ran in 2026, two years after the epoch (node/clock.py's floor).
EPOCH_SLACK = MINUTES_PER_DAY
# Control records (the roster, epoch keys) are the neighbourhood's memory: never pruned.
NEVER = 0xFFFF_FFFF


def lifetime_of(body: RecordBody) -> int:
    """Minutes from creation to expiry, after defaults and the hard cap."""
    if body.lifetime:
        minutes = body.lifetime
    elif body.kind == Kind.TRADE and body.when:
        minutes = max(body.when + TRADE_GRACE - body.created, 0)
    else:
        minutes = DEFAULT_LIFETIME[body.kind]
    return min(minutes, MAX_LIFETIME)


def wrong_clock(body: RecordBody, first_seen: int) -> bool:
    """Whether ``created`` comes from a node whose clock was wrong: near the epoch (booted
    in 1970) or more than the cap after ``first_seen`` (years ahead)."""
    return body.created <= EPOCH_SLACK or body.created > first_seen + MAX_LIFETIME


def too_old(body: RecordBody, first_seen: int) -> bool:
    """Created more than the cap before ``first_seen``, on a clock that was not reset: a
    record that expired long ago (or this node's own clock is years ahead)."""
    return EPOCH_SLACK < body.created < first_seen - MAX_LIFETIME


def expires_at(body: RecordBody, first_seen: int | None = None, clock_ahead: bool = False) -> int:
    """The minute an entry expires.

    ``first_seen`` is when this node first heard of the entry, by its own clock. A record
    from a node whose clock was wrong (``wrong_clock``) has its lifetime counted from
    ``first_seen``, so such an entry is neither immortal nor born expired. A record
    created more than the cap before ``first_seen`` has expired: it is a replay, unless
    this node's own clock is the one years ahead (``clock_ahead``, judged by the holdings
    from the records it sees), when it too counts from ``first_seen``.
    """
    if body.control:
        return NEVER
    life = lifetime_of(body)
    start = body.created
    if first_seen is not None and (
        wrong_clock(body, first_seen) or (clock_ahead and too_old(body, first_seen))
    ):
        start = first_seen
    return start + life
