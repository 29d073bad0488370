"""How long entries live. Expiry is computed from a record, never stored as a deletion.

Times are on-air minutes (meshaid.protocol.timebase). The hard cap bounds how long any
entry, and so any tombstone, must be kept: a node away for longer than the cap cannot
bring back anything that others have forgotten.
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


def expires_at(body: RecordBody, first_seen: int | None = None) -> int:
    """The minute an entry expires.

    ``first_seen`` is when this node first heard of the entry, by its own clock. A
    ``created`` more than a lifetime away from it comes from a node whose clock is wrong
    (booted in 1970, or years ahead): then the lifetime counts from ``first_seen``, so
    such an entry is neither immortal nor born expired.
    """
    if body.control:
        return NEVER
    life = lifetime_of(body)
    start = body.created
    if first_seen is not None and abs(start - first_seen) > MAX_LIFETIME:
        start = first_seen
    return start + life
