"""The roster in force, from control records: genesis, k of n, conflicts, revocation."""

from __future__ import annotations

import itertools

import pytest

from meshaid.protocol import control
from meshaid.protocol.control import (
    ControlRecord,
    OpKind,
    RosterApproval,
    RosterChange,
    RosterOp,
    change_digest,
    neighbourhood_id,
)
from meshaid.protocol.errors import DecodeError
from meshaid.protocol.record import Category, Kind, SignedRecord
from meshaid.sync.lifetime import MAX_LIFETIME
from meshaid.sync.roster import RosterBook
from recordgen import Signer


def make(signer: Signer, what: control.Control) -> ControlRecord:
    rec = signer.make(kind=Kind.OFFER, category=Category.FOOD, control=control.encode(what))
    return control.read(rec)


def add_node(s: Signer, name: str) -> RosterOp:
    return RosterOp(OpKind.ADD_NODE, key=s.public_key, name=name)


def committee(s: Signer) -> RosterOp:
    return RosterOp(OpKind.ADD_COMMITTEE, origin=s.origin)


class Hood:
    def __init__(self, name: str = "Magnolia") -> None:
        self.a, self.b, self.c, self.d = (Signer(n) for n in (41, 42, 43, 44))
        self.genesis = make(self.a, RosterChange(1, b"", (add_node(self.a, "north porch"),
                                                          committee(self.a)), name))
        self.id = neighbourhood_id(self.genesis.record)
        self.head = self.genesis.digest
        self.version = 1
        self.records: list[ControlRecord] = [self.genesis]

    def change(self, by: Signer, *ops: RosterOp, version: int | None = None,
               prev: bytes | None = None) -> ControlRecord:
        v = version if version is not None else self.version + 1
        rec = make(by, RosterChange(v, prev if prev is not None else self.head, ops))
        self.records.append(rec)
        return rec

    def approve(self, by: Signer, rec: ControlRecord) -> ControlRecord:
        assert isinstance(rec.what, RosterChange)
        approval = make(by, RosterApproval(rec.what.version, rec.digest))
        self.records.append(approval)
        return approval

    def applied(self, rec: ControlRecord) -> None:
        assert isinstance(rec.what, RosterChange)
        self.head, self.version = rec.digest, rec.what.version

    def book(self, records: list[ControlRecord] | None = None) -> RosterBook:
        book = RosterBook(self.id)
        book.add_all(records if records is not None else self.records)
        return book


def test_genesis_founds_the_neighbourhood_with_its_founder_on_the_committee() -> None:
    h = Hood()
    roster = h.book().roster
    assert roster.version == 1 and roster.name == "Magnolia"
    assert roster.committee == {h.a.origin}
    assert roster.key_for(h.a.origin) == h.a.public_key
    assert roster.nodes[h.a.origin].name == "north porch"


def test_a_genesis_of_another_neighbourhood_is_not_taken() -> None:
    h = Hood()
    other = Hood("Elm Flats")
    book = RosterBook(h.id)
    book.add(other.genesis)
    assert book.roster.version == 0 and book.roster.key_for(other.a.origin) is None


def test_a_change_by_the_only_committee_member_takes_effect() -> None:
    h = Hood()
    h.change(h.a, add_node(h.b, "south porch"))
    roster = h.book().roster
    assert roster.version == 2 and roster.key_for(h.b.origin) == h.b.public_key


def test_a_change_by_a_non_member_is_ignored() -> None:
    h = Hood()
    h.change(h.b, add_node(h.b, "intruder"))
    assert h.book().roster.version == 1


def test_with_three_committee_members_a_change_needs_two_signatures() -> None:
    h = Hood()
    h.applied(h.change(h.a, add_node(h.b, "b"), add_node(h.c, "c"), committee(h.b),
                       committee(h.c)))
    assert h.book().roster.threshold == 2
    proposal = h.change(h.a, add_node(h.d, "d"))
    book = h.book()
    assert book.roster.version == 2  # one signature of two
    assert [signers for _, signers in book.pending()] == [{h.a.origin}]
    h.approve(h.b, proposal)
    roster = h.book().roster
    assert roster.version == 3 and roster.key_for(h.d.origin) == h.d.public_key
    assert roster.signers == tuple(sorted((h.a.origin, h.b.origin)))


def test_an_approval_from_outside_the_committee_does_not_count() -> None:
    h = Hood()
    h.applied(h.change(h.a, add_node(h.b, "b"), add_node(h.c, "c"), add_node(h.d, "d"),
                       committee(h.b), committee(h.c)))
    proposal = h.change(h.a, RosterOp(OpKind.ADD_ZONE, seq=3, name="Elm & 5th"))
    h.approve(h.d, proposal)  # d is a node, not on the committee
    assert h.book().roster.version == 2


def test_two_changes_for_one_version_with_enough_signatures_freeze_the_roster() -> None:
    h = Hood()
    h.applied(h.change(h.a, add_node(h.b, "b"), committee(h.b)))
    one = h.change(h.a, add_node(h.c, "c"))
    two = h.change(h.b, add_node(h.d, "d"))
    roster = h.book().roster
    assert roster.version == 2 and roster.conflict == tuple(sorted((one.digest, two.digest)))
    assert roster.key_for(h.c.origin) is None and roster.key_for(h.d.origin) is None


def test_the_roster_is_the_same_in_any_order_of_arrival() -> None:
    h = Hood()
    h.applied(h.change(h.a, add_node(h.b, "b"), add_node(h.c, "c"), committee(h.b),
                       committee(h.c)))
    p = h.change(h.a, add_node(h.d, "d"))
    h.approve(h.c, p)
    h.applied(p)
    h.change(h.b, RosterOp(OpKind.REMOVE_NODE, origin=h.d.origin, seq=4))
    rosters = {h.book(list(order)).roster.head for order in itertools.permutations(h.records)}
    assert len(rosters) == 1


def test_removal_names_the_last_valid_seq_and_floors_refuse_reused_seqs() -> None:
    h = Hood()
    h.applied(h.change(h.a, add_node(h.b, "b")))
    h.applied(h.change(h.a, RosterOp(OpKind.REMOVE_NODE, origin=h.b.origin, seq=7)))
    roster = h.book().roster
    assert roster.key_for(h.b.origin, 7) == h.b.public_key
    assert roster.key_for(h.b.origin, 8) is None
    h.applied(h.change(h.a, RosterOp(OpKind.SET_FLOOR, origin=h.a.origin, seq=20)))
    roster = h.book().roster
    assert roster.key_for(h.a.origin, 20) is None and roster.key_for(h.a.origin, 21)


def test_a_change_that_skips_the_head_is_not_applied() -> None:
    h = Hood()
    h.change(h.a, add_node(h.b, "b"), prev=bytes(16))
    assert h.book().roster.version == 1


def test_a_forged_signature_is_not_taken() -> None:
    h = Hood()
    rec = h.change(h.a, add_node(h.b, "b"))
    raw = bytearray(rec.record.raw)
    raw[-1] ^= 1
    forged = control.read(SignedRecord(bytes(raw), rec.record.body))
    assert h.book([h.genesis, forged]).roster.version == 1


def test_epoch_keys_sealed_to_a_node_open_only_with_its_key() -> None:
    h = Hood()
    key = bytes(range(32))
    sealed = control.seal_key(key, h.b.public_key)
    assert control.unseal_key(sealed, h.b.key) == key
    with pytest.raises(DecodeError):
        control.unseal_key(sealed, h.c.key)


@pytest.mark.parametrize("data", [b"\xff", b"", control.encode(
    RosterApproval(2, bytes(16)))[:-1]])
def test_malformed_control_bodies_are_refused(data: bytes) -> None:
    with pytest.raises(DecodeError):
        control.decode(data)


def test_a_change_digest_names_one_record() -> None:
    h = Hood()
    assert change_digest(h.genesis.record) == h.genesis.digest
    assert len(h.id) == 8


def test_lifetimes_set_by_the_roster_are_capped_and_unknown_kinds_ignored() -> None:
    h = Hood()
    h.applied(h.change(h.a, RosterOp(OpKind.SET_LIFETIME, seq=int(Kind.NEED), radio=3 * 1440),
                       RosterOp(OpKind.SET_LIFETIME, seq=int(Kind.OFFER), radio=0xFFFF_FFFF),
                       RosterOp(OpKind.SET_LIFETIME, seq=9, radio=60)))
    assert h.book().roster.lifetimes == {int(Kind.NEED): 3 * 1440, int(Kind.OFFER): MAX_LIFETIME}
    h.change(h.a, RosterOp(OpKind.SET_LIFETIME, seq=int(Kind.NEED), radio=0))
    assert h.book().roster.lifetimes == {int(Kind.OFFER): MAX_LIFETIME}
