"""Who may change an entry: the node that took it, or a committee node; the store and the
sync engine apply the same rule (meshaid.sync.authority)."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from membership_kit import carry, form, new_node, records_of

from meshaid.node.committee import changes
from meshaid.node.errors import NotOwnerError
from meshaid.node.keys import load_key
from meshaid.node.membership import commands
from meshaid.node.membership.neighbourhood import Neighbourhood
from meshaid.node.services import Node, PostRequest
from meshaid.protocol.frames import RecordsFrame, encode
from meshaid.protocol.record import EntryId, MatchPair, SignedRecord, Status, sign
from meshaid.sync.api import RecordsAccepted
from meshaid.sync.authority import authorised_by, may_sign, owner_only
from meshaid.sync.engine import SyncEngine
from meshaid.sync.merge import Board, Outcome
from recordgen import Signer


def test_the_rule_owner_or_committee() -> None:
    owner, chair, other = Signer(61), Signer(62), Signer(63)
    entry = owner.create("crib to give away")

    def change_by(signer: Signer) -> SignedRecord:
        signer.seq += 1
        body = dataclasses.replace(entry.body, origin=signer.origin, seq=signer.seq,
                                   entry_seq=entry.body.seq, entry_origin=owner.origin,
                                   version=1, status=Status.FULFILLED)
        return sign(body, signer.key)

    committee = {chair.origin}
    assert may_sign(entry, committee) and owner_only(entry)
    assert may_sign(change_by(chair), committee) and not owner_only(change_by(chair))
    assert not may_sign(change_by(other), committee)
    # A match: by the committee, or by a node that took one of the two entries.
    pair = MatchPair(entry.entry_id, EntryId(other.origin, 9))
    assert may_sign(other.make(match=pair), committee)
    stranger = Signer(64)
    assert not may_sign(stranger.make(match=pair), committee)
    assert may_sign(stranger.make(match=pair), {stranger.origin})


@pytest.fixture
def three(tmp_path: Path) -> Iterator[tuple[Node, Node, Node]]:
    chair = new_node(tmp_path / "a", "north porch")  # founder: the committee
    member = new_node(tmp_path / "b", "south porch")
    poster = new_node(tmp_path / "c", "east porch")
    try:
        form(chair, [member, poster])
        for node in (member, poster):
            carry(node, [chair])
        for node in (member, poster):
            carry(chair, [node])
        yield chair, member, poster
    finally:
        for node in (chair, member, poster):
            node.close()


def test_a_committee_node_closes_and_edits_an_entry_taken_elsewhere(
        three: tuple[Node, Node, Node]) -> None:
    chair, member, poster = three
    need = poster.post(PostRequest("need", "need insulin cooler", category="medicine"))
    carry(poster, [chair])
    carry(poster, [member])
    with pytest.raises(NotOwnerError, match="only that node or a committee node"):
        changes.edit(member, need.code, urgency="critical")
    edited = changes.edit(chair, need.code, urgency="critical", text="need an insulin cooler")
    assert (edited.urgency, edited.version) == ("critical", 1)
    renewed = changes.renew(chair, need.code, days=30)
    assert renewed.expires > edited.expires
    for node in (member, poster):
        carry(chair, [node])
        seen = node.show(need.code)
        assert (seen.urgency, seen.text, seen.version) == ("critical", "need an insulin cooler",
                                                           2)


def test_a_plain_member_may_not_match_or_complete_others_entries(
        three: tuple[Node, Node, Node]) -> None:
    chair, member, poster = three
    need = poster.post(PostRequest("need", "need a ride", category="transport"))
    offer = poster.post(PostRequest("offer", "raite al doctor", category="transport"))
    carry(poster, [member])
    carry(poster, [chair])
    with pytest.raises(NotOwnerError):
        changes.make_match(member, need.code, offer.code)
    made = changes.make_match(chair, need.code, offer.code)
    carry(chair, [member])
    with pytest.raises(NotOwnerError):
        changes.complete_match(member, made.code)
    assert member.show(need.code).status == "matched"


def test_store_and_engine_take_and_refuse_the_same_records(
        three: tuple[Node, Node, Node]) -> None:
    chair, member, poster = three
    need = poster.post(PostRequest("need", "need a tarp", category="shelter"))
    carry(poster, [chair])
    carry(poster, [member])
    changes.edit(chair, need.code, urgency="high")
    eid = _entry_id(need.entry)
    by_chair = [r for r in records_of(chair) if r.entry_id == eid and r.body.origin ==
                chair.store.origin]
    # A member signs the same change by hand (the CLI would refuse).
    body = dataclasses.replace(by_chair[0].body, origin=member.store.origin,
                               seq=member.store.next_seq())
    forged = sign(body, load_key(member.home.key_file))
    nb = Neighbourhood(poster)
    rule = authorised_by(lambda: nb.roster)
    engine = SyncEngine(nb.key_of, random.Random(1), authorised=rule)
    for rec in records_of(poster) + by_chair + [forged]:
        engine.receive(encode(RecordsFrame((rec.raw,))), 0x20, 1.0)
    taken = {r.record_id for ev in engine.drain_events() if isinstance(ev, RecordsAccepted)
             for r in ev.records}
    assert by_chair[0].record_id in taken and forged.record_id not in taken
    poster.store.trust = nb.trust
    poster.store.authorised = rule
    results = {r.record_id: r.outcome for r in poster.store.apply_all([*by_chair, forged])}
    assert results[by_chair[0].record_id] == "new"
    assert results[forged.record_id] == "unauthorised"
    board = Board(authorised=rule)
    assert board.apply(forged) is Outcome.UNAUTHORISED
    # Without the roster (owners only), the committee's change is refused too.
    assert Board().apply(by_chair[0]) is Outcome.UNAUTHORISED
    # Once the chair leaves the committee, its further changes are refused.
    commands.committee(chair, "south porch", add=True)
    commands.committee(chair, "north porch", add=False)
    carry(chair, [poster])
    nb.reload()
    assert not rule(by_chair[0])


def _entry_id(text: str) -> EntryId:
    origin, seq = text.split("/")
    return EntryId(int(origin, 16), int(seq))
