"""A joined node takes the neighbourhood's communities and zones from the roster."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from membership_kit import carry, form, new_node

from meshaid.node.config import NodeConfig
from meshaid.node.errors import InputError
from meshaid.node.membership import commands
from meshaid.node.membership.settings import (
    SETTINGS_FILE,
    SharedSettings,
    apply_settings,
    load_settings,
)
from meshaid.node.services import PostRequest, init_node, open_node
from meshaid.protocol.record import Kind
from meshaid.sync.lifetime import MINUTES_PER_DAY


def test_a_joined_node_numbers_communities_and_zones_as_the_founder_does(
    tmp_path: Path,
) -> None:
    init_node(tmp_path / "a", name="north porch", timezone="UTC",
              communities=("Magnolia Flats", "Riverside"), zones=("north block", "Elm & 5th"))
    a = open_node(tmp_path / "a")
    # The new node's operator typed nothing, or numbered them otherwise.
    b = new_node(tmp_path / "b", "south porch", zones=("Elm & 5th",))
    form(a, [b])
    b.close()
    b = open_node(tmp_path / "b")
    assert b.config.communities == {1: "Magnolia Flats", 2: "Riverside"}
    assert b.config.zones == {1: "north block", 2: "Elm & 5th"}
    assert b.config.community_number("riverside") == 2
    # A post on b numbers its zone as a does.
    entry = b.post(PostRequest(kind="offer", text="soup", category="food",
                               community="Riverside", zone="Elm & 5th"))
    rec = b.store.records_of(b.store.origin)[-1]
    assert (rec.body.community, rec.body.zone_id) == (2, 2), entry
    a.close()
    b.close()


def test_the_rosters_numbers_win_and_a_bad_settings_file_is_ignored(tmp_path: Path) -> None:
    config = NodeConfig(name="x", communities={1: "Riverside", 3: "Hilltop"},
                        zones={1: "Elm & 5th"})
    shared = SharedSettings(4, communities={1: "Magnolia Flats", 2: "Riverside"})
    merged = apply_settings(config, shared)
    assert merged.communities == {1: "Magnolia Flats", 2: "Riverside", 3: "Hilltop"}
    assert merged.zones == {1: "Elm & 5th"}
    (tmp_path / SETTINGS_FILE).write_bytes(b"\xff not json")
    assert load_settings(tmp_path) is None


def test_the_neighbourhoods_lifetimes_reach_a_joined_node_and_its_posts(tmp_path: Path) -> None:
    a = new_node(tmp_path / "a", "north porch")
    b = new_node(tmp_path / "b", "south porch")
    form(a, [b])
    commands.set_lifetime(a, "need", 3)
    commands.set_lifetime(a, "alert", 0.5)
    commands.add_place(a, "zone", "Elm & 5th")
    carry(a, [b])
    b.close()
    b = open_node(tmp_path / "b")
    assert b.config.lifetimes == {int(Kind.NEED): 3 * MINUTES_PER_DAY,
                                  int(Kind.ALERT): 12 * 60}
    assert b.config.zones == {1: "north block", 2: "Elm & 5th"}
    # Written into the record: every node counts the same expiry from the signed bytes.
    need = b.post(PostRequest(kind="need", text="water for two tonight", category="water"))
    rec = b.store.records_of(b.store.origin)[-1]
    assert rec.body.lifetime == 3 * MINUTES_PER_DAY
    assert need.expires - need.created == timedelta(days=3)
    # Kinds the roster does not set keep the built-in default (0 on air).
    b.post(PostRequest(kind="offer", text="spare tarps", category="shelter"))
    assert b.store.records_of(b.store.origin)[-1].body.lifetime == 0
    # An expiry the poster gives wins.
    b.post(PostRequest(kind="need", text="a ride friday", expires="5d"))
    assert b.store.records_of(b.store.origin)[-1].body.lifetime > 4 * MINUTES_PER_DAY
    # Back to the default.
    commands.set_lifetime(a, "need", 0)
    carry(a, [b])
    b.close()
    b = open_node(tmp_path / "b")
    assert int(Kind.NEED) not in b.config.lifetimes
    a.close()
    b.close()


def test_a_lifetime_change_is_checked(tmp_path: Path) -> None:
    a = new_node(tmp_path / "a", "north porch")
    form(a, [])
    with pytest.raises(InputError):
        commands.set_lifetime(a, "nap", 3)
    with pytest.raises(InputError):
        commands.set_lifetime(a, "need", 91)
    for odd in (float("nan"), float("inf")):
        with pytest.raises(InputError):
            commands.set_lifetime(a, "need", odd)
    with pytest.raises(commands.MembershipError):
        commands.set_lifetime(a, "need", 14)  # the default already
    commands.add_place(a, "community", "Riverside")
    with pytest.raises(commands.MembershipError):
        commands.add_place(a, "community", "riverside")
    a.close()

