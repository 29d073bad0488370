"""Who may sign a record about an entry: the rule every store and sync engine applies.

Pure: a record and the committee in force in, yes or no out. The rule (SECURITY.md, "who
may change an entry's status"):

* a record that creates an entry is its signer's own: always allowed, except
* a match (a record pairing a need with an offer, ``RecordBody.match``) is created by a
  committee node, or by a node that took the need or the offer: marking an entry matched
  is a change of its status;
* a record that changes an entry (a new version: an edit, a renewal, a close, a match's
  confirmation) is signed by the node that created the entry, or by a committee node.

Without a roster (a node in no neighbourhood) the committee is empty: only owners.
The roster in force decides, so a committee member's change made while another node
still holds an older roster is refused there and taken when it comes again after that
node learned the newer roster (the engine does not count a refused record as held).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TYPE_CHECKING

from meshaid.protocol.record import SignedRecord

if TYPE_CHECKING:  # the roster's codecs load protobuf: not for commands that only read
    from meshaid.sync.roster import Roster

Authorised = Callable[[SignedRecord], bool]


def owner_only(rec: SignedRecord) -> bool:
    """Only an entry's owner may change it: the rule where no committee is known."""
    return rec.entry_id.origin == rec.body.origin


def may_sign(rec: SignedRecord, committee: Collection[int]) -> bool:
    """Whether ``rec``'s signer may sign it, given the committee's origins."""
    body = rec.body
    signer = body.origin
    if signer in committee:
        return True
    if rec.entry_id.origin != signer:
        return False  # a change to an entry someone else created
    match = body.match
    if match is not None and body.entry_seq == 0:
        return signer in (match.need.origin, match.offer.origin)
    return True


def authorised_by(roster: Callable[[], Roster | None]) -> Authorised:
    """The check for a node whose roster in force ``roster()`` returns (read at each
    record, so a roster change takes effect at once); None: no neighbourhood yet."""

    def authorised(rec: SignedRecord) -> bool:
        held = roster()
        return may_sign(rec, held.committee if held is not None else ())

    return authorised


def is_committee(roster: Roster | None, origin: int) -> bool:
    return roster is not None and origin in roster.committee
