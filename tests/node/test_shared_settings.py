"""A joined node takes the neighbourhood's communities and zones from the roster."""

from __future__ import annotations

from pathlib import Path

from membership_kit import form, new_node

from meshaid.node.config import NodeConfig
from meshaid.node.membership.settings import (
    SETTINGS_FILE,
    SharedSettings,
    apply_settings,
    load_settings,
)
from meshaid.node.services import PostRequest, init_node, open_node


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
