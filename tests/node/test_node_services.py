"""The services the CLI and the daemon share: post, board, show, close."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from nacl.signing import SigningKey

from meshaid.node.errors import (
    AlreadyClosedError,
    HomeMissingError,
    InputError,
    KeyFileError,
    NotOwnerError,
)
from meshaid.node.services import BoardQuery, PostRequest, open_node
from meshaid.protocol import timebase
from meshaid.protocol.record import Category, Kind, RecordBody, Status, sign
from recordgen import SIGNERS

CHICAGO = ZoneInfo("America/Chicago")
DAY = 24 * 3600


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CHICAGO)


def test_post_signs_stores_and_returns_the_entry(node: Any, clock: Any) -> None:
    entry = node.post(
        PostRequest(
            "need",
            "  2 cases of water for 3 households ",
            category="WATER",
            community="riverside",
            zone="North Block",
            urgency="high",
        )
    )
    assert entry.text == "2 cases of water for 3 households"
    assert (entry.kind, entry.category, entry.urgency) == ("need", "water", "high")
    assert (entry.community, entry.zone, entry.status) == ("Riverside", "north block", "open")
    assert entry.created == local("2026-11-21 09:00")  # 15:00 UTC
    assert entry.expires == local("2026-12-05 09:00")  # needs: 14 days
    assert entry.mine and entry.version == 0 and entry.when is None
    (rec,) = node.store.records_of(node.store.origin)
    rec.verify(node.store.public_key)
    assert (rec.body.community, rec.body.zone_id, rec.body.zone_name) == (2, 1, "")
    assert rec.body.created == timebase.to_minutes(clock.now)


def test_unlisted_zones_go_on_air_by_name(node: Any) -> None:
    entry = node.post(PostRequest("offer", "firewood", zone="  behind  the church "))
    assert entry.zone == "behind the church"
    (rec,) = node.store.records_of(node.store.origin)
    assert (rec.body.zone_id, rec.body.zone_name) == (0, "behind the church")


def test_trades_last_until_a_day_after_the_event(node: Any) -> None:
    entry = node.post(PostRequest("trade", "seed swap", when="2026-11-28 10:00"))
    assert entry.when == local("2026-11-28 10:00")
    assert entry.expires == local("2026-11-29 10:00")


def test_expires_takes_a_duration_or_a_date(node: Any) -> None:
    assert node.post(PostRequest("alert", "boil water", expires="1d12h")).expires == local(
        "2026-11-22 21:00"
    )
    assert node.post(PostRequest("offer", "soup", expires="2026-11-23 18:30")).expires == local(
        "2026-11-23 18:30"
    )


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (PostRequest("need", "é" * 101), "text is 202 bytes, 2 over the limit of 200 bytes"),
        (PostRequest("need", "   "), "the text is empty"),
        (PostRequest("want", "rice"), "unknown kind 'want'; valid: offer, need, trade, alert"),
        (
            PostRequest("need", "rice", category="fod"),
            "unknown category 'fod'; valid: food, water, medicine, health, shelter, clothing, "
            "childcare, transport, repair, energy, skills, legal, safety, other",
        ),
        (
            PostRequest("need", "rice", community="Oak Park"),
            "unknown community 'Oak Park'; configured: Magnolia Flats, Riverside",
        ),
        (
            PostRequest("need", "rice", urgency="asap"),
            "unknown urgency 'asap'; valid: normal, low, high, critical",
        ),
        (PostRequest("need", "rice", when="2026-11-28"), "--when is only for trades"),
        (
            PostRequest("trade", "rice", when="next friday"),
            "--when 'next friday' is not a date; use e.g. 2026-11-22 10:00 or 2026-11-22",
        ),
        (
            PostRequest("trade", "rice", when="2026-11-20 10:00"),
            "--when 2026-11-20 10:00 is in the past",
        ),
        (PostRequest("need", "rice", expires="2026-11-01"), "--expires 2026-11-01 is in the past"),
        (
            PostRequest("need", "rice", expires="13w"),
            "--expires 13w is more than 90 days away; entries live at most 90 days",
        ),
        (
            PostRequest("need", "rice", expires="soon"),
            "--expires 'soon' is neither a date nor a duration; "
            "use e.g. 2026-11-22 18:00, 3d or 12h",
        ),
        (
            PostRequest("need", "rice", zone="x" * 41),
            "zone name is 41 bytes, over the limit of 40",
        ),
    ],
)
def test_bad_posts_are_refused_and_use_no_seq(
    node: Any, request_: PostRequest, message: str
) -> None:
    with pytest.raises(InputError) as err:
        node.post(request_)
    assert str(err.value) == message
    assert node.store.next_seq() == 1


def peer_entry(node: Any, kind: Kind, text: str, *, seq: int = 1, community: int = 1) -> None:
    peer = SIGNERS[0]
    body = RecordBody(
        origin=peer.origin,
        seq=seq,
        kind=kind,
        category=Category.MEDICINE,
        text=text,
        created=node.store.now_minute(),
        community=community,
    )
    assert node.store.apply(sign(body, peer.key)).outcome == "new"


def texts(node: Any, **query: Any) -> list[str]:
    return [e.text for e in node.board(BoardQuery(**query))]


def test_board_filters(node: Any, clock: Any) -> None:
    node.post(PostRequest("offer", "ropa de niño talla 6", category="clothing"))
    clock.advance(3600)
    node.post(PostRequest("need", "ride to clinic", category="transport", zone="Elm & 5th"))
    clock.advance(3600)
    peer_entry(node, Kind.NEED, "insulin cooler", community=2)

    assert texts(node) == ["insulin cooler", "ride to clinic", "ropa de niño talla 6"]
    assert texts(node, kinds=("need",)) == ["insulin cooler", "ride to clinic"]
    assert texts(node, kinds=("offer", "need"), categories=("medicine",)) == ["insulin cooler"]
    assert texts(node, communities=("riverside",)) == ["insulin cooler"]
    assert texts(node, communities=("1",)) == ["ride to clinic", "ropa de niño talla 6"]
    assert texts(node, search="NIÑO") == ["ropa de niño talla 6"]
    assert texts(node, search="elm") == ["ride to clinic"]  # a configured zone's name
    assert texts(node, since="2026-11-21 09:30") == ["insulin cooler", "ride to clinic"]
    with pytest.raises(InputError, match="unknown status 'gone'; valid: active, open, matched"):
        node.board(BoardQuery(status="gone"))


def test_an_expired_unmet_need_stays_countable(node: Any, clock: Any) -> None:
    node.post(PostRequest("need", "tarp for roof"))
    met = node.post(PostRequest("need", "baby formula"))
    node.post(PostRequest("offer", "soup tonight", expires="12h"))
    node.close_entry(met.code, "fulfilled")
    clock.advance(15 * DAY)

    assert texts(node) == []
    expired = node.board(BoardQuery(status="expired"))
    assert [(e.text, e.status, e.unmet, e.status_label) for e in expired] == [
        ("tarp for roof", "expired", True, "expired (unmet)"),
        ("soup tonight", "expired", False, "expired"),
    ]
    assert [e.status for e in node.board(BoardQuery(status="all"))] == [
        "expired",
        "fulfilled",
        "expired",
    ]
    assert texts(node, status="fulfilled") == ["baby formula"]


def test_close_moves_status_forward_once(node: Any) -> None:
    entry = node.post(PostRequest("need", "generator for cpap"))
    closed = node.close_entry(entry.code.lower(), "withdrawn")
    assert (closed.status, closed.version, closed.text) == ("withdrawn", 1, "generator for cpap")
    first, change = node.store.records_of(node.store.origin)
    assert change.body.entry_id == first.body.entry_id
    assert (change.body.status, change.body.version) == (Status.WITHDRAWN, 1)
    for outcome in ("fulfilled", "withdrawn"):
        with pytest.raises(AlreadyClosedError) as err:
            node.close_entry(entry.code, outcome)
        assert str(err.value) == f"entry {entry.code} is already withdrawn"
    assert node.store.next_seq() == 3


def test_only_the_owning_node_closes_an_entry(node: Any) -> None:
    peer_entry(node, Kind.OFFER, "insulin fridge space")
    (entry,) = node.board(BoardQuery())
    with pytest.raises(NotOwnerError) as err:
        node.close_entry(entry.code, "fulfilled")
    assert str(err.value) == (
        f"entry {entry.code} was posted on node {SIGNERS[0].origin:08x}; "
        "only that node can close it"
    )


def test_opening_a_missing_or_incomplete_home_says_to_run_init(node: Any, tmp_path: Path) -> None:
    with pytest.raises(HomeMissingError) as err:
        open_node(tmp_path / "nowhere")
    assert str(err.value) == f"no meshaid node at {tmp_path / 'nowhere'}; run `meshaid init` first"
    node.close()
    (tmp_path / "home" / "meshaid.toml").unlink()
    with pytest.raises(HomeMissingError) as err:
        open_node(tmp_path / "home")
    assert str(err.value) == (
        f"the node at {tmp_path / 'home'} has no config; run `meshaid init` to complete it"
    )


def test_a_key_from_another_node_is_refused(node: Any, tmp_path: Path) -> None:
    node.close()
    key_file = tmp_path / "home" / "node.key"
    key_file.write_text(bytes(SigningKey(bytes([9]) * 32)).hex() + "\n")
    with pytest.raises(KeyFileError, match="does not belong to this board database"):
        open_node(tmp_path / "home")
