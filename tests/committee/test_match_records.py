"""A match is a record that spreads: every node shows both entries matched; it can be
confirmed, completed (both entries fulfilled) or undone, and the boards agree."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from membership_kit import carry, form, new_node, records_of

from meshaid.node.committee import changes
from meshaid.node.errors import AlreadyClosedError
from meshaid.node.services import Node, PostRequest
from meshaid.protocol.record import EntryId, Status, decode
from meshaid.sync.merge import Board


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Node, Node]]:
    north = new_node(tmp_path / "north", "north porch")  # founder: on the committee
    south = new_node(tmp_path / "south", "south porch")
    try:
        form(north, [south])
        carry(south, [north])
        yield north, south
    finally:
        north.close()
        south.close()


def status(node: Node, code: str) -> str:
    return node.show(code).status


def test_a_match_spreads_and_both_entries_show_matched_on_every_node(
        pair: tuple[Node, Node]) -> None:
    north, south = pair
    need = north.post(PostRequest("need", "necesito agua para 3 familias", category="water"))
    offer = south.post(PostRequest("offer", "20 gallons of water", category="water"))
    carry(north, [south])
    carry(south, [north])
    made = changes.make_match(north, need.full_code, offer.full_code, "church lot at 5")
    assert made.state == "proposed" and made.need is not None and made.offer is not None
    assert (status(north, need.code), status(north, offer.code)) == ("matched", "matched")
    assert status(south, offer.code) == "open"  # not there yet
    carry(north, [south])
    assert (status(south, need.code), status(south, offer.code)) == ("matched", "matched")
    [seen] = changes.list_matches(south)
    assert (seen.full_code, seen.state, seen.note) == (made.full_code, "proposed",
                                                      "church lot at 5")

    changes.confirm_match(north, made.code)
    carry(north, [south])
    assert changes.list_matches(south)[0].state == "confirmed"

    changes.undo_match(north, made.code)
    carry(north, [south])
    for node in (north, south):
        assert (status(node, need.code), status(node, offer.code)) == ("open", "open")
        assert changes.list_matches(node)[0].state == "undone"
    with pytest.raises(AlreadyClosedError):
        changes.confirm_match(north, made.code)  # undone stays undone


def test_completing_a_match_fulfils_both_entries_everywhere(pair: tuple[Node, Node]) -> None:
    north, south = pair
    need = south.post(PostRequest("need", "need a ride to the clinic", category="transport"))
    offer = south.post(PostRequest("offer", "can drive to the clinic tue", category="transport"))
    carry(south, [north])
    made = changes.make_match(north, need.code, offer.code)
    done = changes.complete_match(north, made.code)  # north: committee, entries south's
    assert done.state == "completed"
    carry(north, [south])
    for node in (north, south):
        assert (status(node, need.code), status(node, offer.code)) == ("fulfilled",
                                                                       "fulfilled")
        assert changes.list_matches(node)[0].state == "completed"
    with pytest.raises(AlreadyClosedError):
        changes.undo_match(north, made.code)


def test_the_board_is_the_same_whatever_order_the_records_come_in(
        pair: tuple[Node, Node], tmp_path: Path) -> None:
    north, _south = pair
    need = north.post(PostRequest("need", "tarp for a roof leak", category="shelter"))
    offer = north.post(PostRequest("offer", "blue tarp 10x12", category="shelter"))
    first = changes.make_match(north, need.code, offer.code)
    changes.undo_match(north, first.code)
    second = changes.make_match(north, need.code, offer.code)  # undone: may match again
    changes.confirm_match(north, second.code)
    records = [decode(r.raw) for r in records_of(north) if not r.body.control]
    forward, backward = Board(), Board()
    for rec in records:
        forward.apply(rec)
    for rec in reversed(records):  # matches before the entries they name
        backward.apply(rec)
    assert forward.state_hash() == backward.state_hash()
    for view in (need, offer):
        eid = entry_id(view.entry)
        assert backward.shown(eid) == forward.shown(eid) == Status.MATCHED
        assert status(north, view.code) == "matched"
    assert len(backward.matches) == 2 and backward.matched() == {entry_id(need.entry),
                                                                 entry_id(offer.entry)}


def entry_id(text: str) -> EntryId:
    origin, seq = text.split("/")
    return EntryId(int(origin, 16), int(seq))
