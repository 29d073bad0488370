"""Posting and closing as a resident needs that resident's radio: a message PKI-encrypted
with the key the roster pins for it (SECURITY.md: residents' phones).

Found trying as an outsider would: the desk trusted Meshtastic's "from", so a plain DM
naming an allowed resident's radio id posted as them and closed their post.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from desk_kit import RELAXED, drain, key_of

from meshaid.hardware.memory_radio import MemoryRadio
from meshaid.node.daemon.radio_config import RadioConfig
from meshaid.node.daemon.service import Daemon, RosterRadios
from meshaid.node.desk.allowlist import load_plain_dm
from meshaid.node.desk.desk import PhoneDesk
from meshaid.node.desk.identity import FixedRadios, Standing, standing
from meshaid.node.errors import ConfigError
from meshaid.node.membership import commands
from meshaid.node.services import BoardQuery, Node, init_node, open_node
from meshaid.sync.config import SyncConfig

ALICE = 0xA1B2C3D4  # on the roster, key pinned
OLD = 0x0001D000  # on the roster, an old radio: no key pinned
STRANGER = 0x0BAD0001


def _desk(node: Node, *, plain: bool = False) -> PhoneDesk:
    return PhoneDesk(node, {ALICE: key_of(ALICE), OLD: b""}, allow_plain_dm=plain,
                     limits=RELAXED)


def _say(desk: PhoneDesk, sender: int, text: str, now: float, key: bytes | None) -> str:
    out = desk.handle(sender, text, now, key=key)
    drain(desk, now)
    assert [r.dest for r in out] == [sender], out
    return out[0].text


def _codes(node: Node) -> list[str]:
    return [v.code for v in node.board(BoardQuery())]


def test_a_plain_dm_naming_a_pinned_radio_neither_posts_nor_closes(
    node: Node, clock: Any
) -> None:
    desk = _desk(node)
    answer = _say(desk, ALICE, "offer: 3 blue tarps", clock.now, key=None)
    assert "without the key" in answer and _codes(node) == []
    assert _say(desk, ALICE, "offer: 3 blue tarps", clock.now, key=bytes(32)).startswith(
        "This message from !a1b2c3d4 came without the key")
    assert _codes(node) == []
    posted = _say(desk, ALICE, "offer: 3 blue tarps", clock.now, key=key_of(ALICE))
    (code,) = _codes(node)
    assert posted.startswith("Posted offer") and code in posted
    # The spoofer tries to close it, plainly and then with its own key.
    for key in (None, key_of(STRANGER)):
        assert "without the key" in _say(desk, ALICE, f"done {code}", clock.now, key)
        assert _say(desk, ALICE, "yes", clock.now, key)  # nothing was asked: no close
    assert node.show(code).status == "open"
    assert desk.counters["refused.not_encrypted"] >= 2
    assert desk.counters["refused.key_mismatch"] >= 2
    closed = _say(desk, ALICE, f"done {code}", clock.now, key_of(ALICE))
    assert closed.startswith(f"Closed {code}") and node.show(code).status == "fulfilled"


def test_a_confirmation_is_held_to_the_same_proof(node: Node, clock: Any) -> None:
    desk = _desk(node)
    _say(desk, ALICE, "offer: firewood", clock.now, key_of(ALICE))
    (code,) = _codes(node)
    assert _say(desk, ALICE, "all sorted", clock.now, key_of(ALICE)).startswith("Close")
    # The "yes" comes plain: someone else's radio could have sent it.
    assert "without the key" in _say(desk, ALICE, "yes", clock.now, None)
    assert node.show(code).status == "open"


def test_an_unpinned_radio_posts_only_where_plain_dms_are_allowed(
    node: Node, clock: Any
) -> None:
    answer = _say(_desk(node), OLD, "need a ride to the clinic", clock.now, None)
    assert "hasn't registered the key of !0001d000" in answer and _codes(node) == []
    allowed = _desk(node, plain=True)
    assert _say(allowed, OLD, "need a ride to the clinic", clock.now, None).startswith("Posted")
    # A pinned radio stays held to its key where plain DMs are allowed.
    assert "without the key" in _say(allowed, ALICE, "offer: rice", clock.now, None)
    assert len(_codes(node)) == 1


def test_strangers_and_plain_dms_may_still_read(node: Node, clock: Any) -> None:
    desk = _desk(node)
    _say(desk, ALICE, "offer: 3 blue tarps", clock.now, key_of(ALICE))
    for sender in (STRANGER, ALICE):
        assert "tarps" in _say(desk, sender, "list", clock.now, None)
        assert _say(desk, sender, "help", clock.now, None).startswith("Post:")
    assert "committee" in _say(desk, STRANGER, "offer: junk", clock.now, key_of(STRANGER))


def test_standing_says_why() -> None:
    radios = _roster()
    assert standing(radios, ALICE, key_of(ALICE), allow_plain_dm=False) is Standing.VERIFIED
    assert standing(radios, ALICE, None, allow_plain_dm=True) is Standing.NOT_ENCRYPTED
    assert standing(radios, ALICE, b"x" * 32, allow_plain_dm=True) is Standing.KEY_MISMATCH
    assert standing(radios, OLD, key_of(OLD), allow_plain_dm=False) is Standing.NOT_PINNED
    assert standing(radios, OLD, None, allow_plain_dm=True) is Standing.PLAIN
    assert standing(radios, STRANGER, key_of(STRANGER), allow_plain_dm=True) is (
        Standing.STRANGER)


def _roster() -> FixedRadios:
    return FixedRadios({ALICE: key_of(ALICE), OLD: b""})


def test_the_plain_dm_setting_is_read_and_checked(tmp_path: Path) -> None:
    path = tmp_path / "meshaid.toml"
    path.write_text('name = "porch"\n')
    assert load_plain_dm(path) is False
    path.write_text('name = "porch"\n[phone]\nallow_plain_dm = true\n')
    assert load_plain_dm(path) is True
    path.write_text('name = "porch"\n[phone]\nallow_plain_dm = "yes"\n')
    with pytest.raises(ConfigError, match="allow_plain_dm must be true or false"):
        load_plain_dm(path)


def test_the_daemon_takes_a_post_only_from_the_radio_whose_key_the_roster_pins(
    tmp_path: Path,
) -> None:
    init_node(tmp_path / "a", name="a", timezone="UTC")
    node = open_node(tmp_path / "a")
    try:
        commands.found(node, "Magnolia Flats")
        key = key_of(ALICE)
        commands.radio(node, ALICE, True, base64.b64encode(key).decode(), name="Rosa")
        radios = RosterRadios(frozenset())
        radio = MemoryRadio(0x4D41_0001)
        daemon = Daemon(node, radio, RadioConfig(), sync_config=SyncConfig(),
                        control_path=tmp_path / "c.sock", desk=PhoneDesk(node, radios),
                        radios=radios)
        daemon.step(0.0)
        radio.hear_text("need water for 3 families", ALICE)  # plain: anyone's
        daemon.step(1.0)
        radio.hear_text("need water for 3 families", ALICE, public_key=bytes(32))
        daemon.step(4.0)
        assert _codes(node) == []
        radio.hear_text("need water for 3 families", ALICE, public_key=key)
        daemon.step(8.0)
        assert len(_codes(node)) == 1
        texts = [t.text for t in radio.take_texts()]
        assert sum("without the key" in t for t in texts) == 2 and "Posted" in texts[-1]
    finally:
        node.close()
