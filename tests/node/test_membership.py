"""Founding, inviting, joining, removing: the roster and the epoch keys, between stores."""

from __future__ import annotations

from pathlib import Path

import pytest
from membership_kit import carry, form, new_node

from meshaid.node.errors import InputError
from meshaid.node.membership import commands
from meshaid.node.membership.commands import Invite, MembershipError
from meshaid.node.membership.neighbourhood import Neighbourhood
from meshaid.node.services import Node, PostRequest
from meshaid.protocol import keytext


@pytest.fixture
def nodes(tmp_path: Path) -> list[Node]:
    made = [new_node(tmp_path / n, n) for n in ("north porch", "south porch", "east gate")]
    yield made
    for node in made:
        node.close()


def test_a_founded_neighbourhood_has_its_founder_on_the_committee(nodes: list[Node]) -> None:
    a = nodes[0]
    nb = commands.found(a, "Magnolia Flats")
    roster = nb.roster
    assert roster.version == 1 and roster.name == "Magnolia Flats"
    assert roster.committee == {a.store.origin}
    assert nb.keyring.current() is not None and nb.keyring.current().epoch == 1  # type: ignore[union-attr]
    with pytest.raises(MembershipError, match="already belongs"):
        commands.found(a, "again")


def test_a_node_key_survives_being_typed_and_an_invite_is_for_one_node(nodes: list[Node]) -> None:
    a, b, c = nodes
    commands.found(a, "Magnolia Flats")
    typed = commands.node_key_text(b).lower().replace("-", " ")
    _, invite = commands.add_node(a, typed, "south porch")
    with pytest.raises(InputError, match="another node"):
        commands.join(c, invite.to_text())
    commands.join(b, invite.to_text())
    assert Neighbourhood(b).joined


def test_a_joined_node_learns_the_roster_and_trusts_the_founder_first(nodes: list[Node]) -> None:
    a, b, _ = nodes
    commands.found(a, "Magnolia Flats")
    _, invite = commands.add_node(a, commands.node_key_text(b), "south porch")
    commands.join(b, invite.to_text())
    nb = Neighbourhood(b)
    assert nb.roster.version == 0
    assert nb.trust(a.store.origin, 1) == a.store.public_key  # the founder, from the invite
    assert nb.trust(0x1234_5678, 1) is None
    carry(a, [b])
    nb = Neighbourhood(b)
    assert nb.roster.version == invite.head_version == 2
    assert nb.name_of(b.store.origin) == "south porch"
    assert nb.keyring.current() is not None


def test_records_of_a_node_never_added_are_refused(nodes: list[Node]) -> None:
    a, b, stranger = nodes
    form(a, [b])
    stranger.post(PostRequest(kind="offer", text="free wifi codes", category="other"))
    carry(stranger, [a])
    assert all(o != stranger.store.origin for o in _origins_of(a))


def test_removal_starts_an_epoch_the_removed_node_cannot_read(nodes: list[Node]) -> None:
    a, b, c = nodes
    form(a, [b, c])
    old = Neighbourhood(c).keyring.current()
    roster = commands.remove_node(a, "east gate")
    assert roster.epoch == 2 and not roster.nodes[c.store.origin].active
    carry(a, [b, c])
    b_key = Neighbourhood(b).keyring.current()
    c_key = Neighbourhood(c).keyring.current()
    assert b_key is not None and b_key.epoch == 2
    assert c_key == old  # the removed node holds only the old epoch
    assert Neighbourhood(a).keyring.current() == b_key


def test_with_three_on_the_committee_a_change_waits_for_a_second_signature(
        nodes: list[Node]) -> None:
    a, b, c = nodes
    form(a, [b, c])
    commands.committee(a, "south porch", True)
    commands.committee(a, "east gate", True)
    carry(a, [b, c])
    roster = commands.radio(a, 0xA1B2C3D4, True, name="Rosa")
    assert 0xA1B2C3D4 not in roster.radios  # one signature of two
    carry(a, [b])
    pending = Neighbourhood(b).book.pending()
    assert len(pending) == 1
    roster = commands.approve(b, pending[0][0].digest.hex()[:8])
    assert 0xA1B2C3D4 in roster.radios


def test_an_invite_with_a_wrong_character_is_refused_clearly() -> None:
    invite = Invite(bytes(8), 2, bytes(16), bytes(32), 1, bytes(80)).to_text()
    wrong = invite[:10] + ("A" if invite[10] != "A" else "B") + invite[11:]
    with pytest.raises(InputError, match="does not check out"):
        Invite.from_text(wrong)
    with pytest.raises(InputError, match="should start with mi1"):
        Invite.from_text(keytext.encode(keytext.KEY_PREFIX, bytes(32)))


def _origins_of(node: Node) -> set[int]:
    from meshaid.node.store.sync_state import store_summary

    return set(store_summary(node.store))
