"""The daemon in-process on in-memory radios, clocked by hand: no processes, no sleeps.

Frames move only when a test moves them (``take_sent`` at one radio, ``hear`` at another),
so a lost frame is one not handed on.
"""

from __future__ import annotations

import asyncio
import base64
import random
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from membership_kit import form

from meshaid.hardware.memory_radio import MemoryRadio
from meshaid.node.daemon.radio_config import RadioConfig
from meshaid.node.daemon.service import Daemon, RosterRadios
from meshaid.node.desk.desk import PhoneDesk
from meshaid.node.membership import commands
from meshaid.node.services import BoardQuery, Node, PostRequest, init_node, open_node
from meshaid.node.store.sync_state import load_sync_state
from meshaid.sync.config import SyncConfig

RADIO_A, RADIO_B, PHONE = 0x4D41_0001, 0x4D41_0002, 0x5048_0001
PHONE_KEY = bytes(range(32))  # the resident's radio's Meshtastic public key


def make_node(tmp: Path, name: str) -> Node:
    init_node(tmp / name, name=name, timezone="UTC", zones=("north block",))
    return open_node(tmp / name)


def make_daemon(node: Node, radio: MemoryRadio, seed: int, **kw: object) -> Daemon:
    return Daemon(node, radio, RadioConfig(), sync_config=SyncConfig(),
                  rng=random.Random(seed), control_path=node.home.root / "control.sock",
                  **kw)  # type: ignore[arg-type]


class Pair:
    """Daemons A and B on memory radios in range of each other, in one neighbourhood."""

    def __init__(self, tmp: Path) -> None:
        self.a_node, self.b_node = make_node(tmp, "a"), make_node(tmp, "b")
        form(self.a_node, [self.b_node])
        self.a_radio, self.b_radio = MemoryRadio(RADIO_A), MemoryRadio(RADIO_B)
        self.a = make_daemon(self.a_node, self.a_radio, 1)
        self.b = make_daemon(self.b_node, self.b_radio, 2)
        self.now = 0.0
        self.run(1)  # both started: a post made from now on is pushed at once

    def run(self, seconds: float, step: float = 0.5, lose: bool = False) -> None:
        """Step both daemons; every frame sent is heard by the other (unless ``lose``)."""
        end = self.now + seconds
        while self.now < end:
            for daemon, radio, other in ((self.a, self.a_radio, self.b_radio),
                                         (self.b, self.b_radio, self.a_radio)):
                daemon.step(self.now)
                for sent in radio.take_sent():
                    if not lose:
                        other.hear(sent.payload, radio.node_id)
            self.now += step

    def close(self) -> None:
        self.a_node.close()
        self.b_node.close()


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[Pair]:
    p = Pair(tmp_path)
    yield p
    p.close()


def post(node: Node, text: str = "rice and beans for two families") -> str:
    return node.post(PostRequest(kind="offer", text=text, category="food")).code


def codes(node: Node) -> set[str]:
    return {e.code for e in node.board(BoardQuery())}


def test_a_post_made_on_one_node_reaches_the_other(pair: Pair) -> None:
    code = post(pair.a_node)
    pair.run(10)
    assert code in codes(pair.b_node)
    assert pair.b.counters["records_new"] == 1


def test_a_post_over_the_control_socket_goes_on_air_at_once(pair: Pair) -> None:
    pair.run(1)
    pair.a_radio.take_sent()
    entry = asyncio.run(pair.a._op_post({"post": {"kind": "need", "text": "two tarps"}}))
    pair.a.step(pair.now)  # the same instant: no poll interval waited
    assert pair.a_radio.sent, "the post should have been handed to the radio"
    pair.run(5)
    assert entry["code"] in codes(pair.b_node)


def test_status_counts_neighbours_airtime_and_the_store(pair: Pair) -> None:
    post(pair.a_node)
    pair.run(10)
    status = pair.b.status(pair.now)
    assert [n["node"] for n in status["neighbours"]] == [f"!{RADIO_A:08x}"]
    assert status["radio"]["target"] == f"memory:!{RADIO_B:08x}"
    assert status["counters"]["records_new"] == 1
    own = [r for r in status["store"] if not r["own"]]
    made = pair.a_node.store.next_seq() - 1  # the roster's records and the post
    assert own == [{"origin": f"{pair.a_node.store.origin:08x}", "records": made,
                    "max_seq": made, "own": False}]
    assert status["neighbourhood"]["joined"] and status["neighbourhood"]["roster_version"] == 2
    assert status["airtime"]["used"] > 0


def test_frames_wait_in_the_engine_while_the_radio_is_away(pair: Pair) -> None:
    pair.run(1)
    pair.a_radio.take_sent()
    pair.a_radio.set_connected(False)
    code = post(pair.a_node)
    pair.run(10)
    assert not pair.a_radio.sent and code not in codes(pair.b_node)
    pair.a_radio.set_connected(True)
    pair.run(10)
    assert code in codes(pair.b_node)


def test_the_pump_hands_a_frame_only_when_the_radio_has_room(tmp_path: Path) -> None:
    node = make_node(tmp_path, "a")
    commands.found(node, "Magnolia Flats")
    radio = MemoryRadio(RADIO_A, capacity=1)
    daemon = make_daemon(node, radio, 1)
    daemon.step(0.0)
    radio.take_sent()
    for i in range(4):
        post(node, f"offer number {i}, bread and soup " * 3)
    daemon.step(3.0)
    assert len(radio.sent) == 1  # the rest wait in the engine, where relays can be cancelled
    handed = 0
    for t in range(4, 40):
        handed += len(radio.take_sent())
        daemon.step(float(t))
        assert len(radio.sent) <= 1
    assert handed >= 2
    node.close()


def test_a_residents_text_gets_an_answer_and_the_post_goes_on_air(pair: Pair) -> None:
    assert pair.a.pump is not None
    pair.a.pump.desk = PhoneDesk(pair.a_node, {PHONE: PHONE_KEY})
    pair.a_radio.take_sent()
    pair.a_radio.hear_text("need water for 3 families", PHONE, public_key=PHONE_KEY)
    pair.a.step(pair.now)
    (reply,) = pair.a_radio.take_texts()
    assert reply.dest == PHONE and "need" in reply.text.lower()
    assert pair.a_radio.sent, "the resident's post should go on air at once"


def test_first_seen_minutes_and_known_runs_survive_a_restart(pair: Pair) -> None:
    post(pair.a_node)
    pair.run(70)  # past a prune: the known runs are written to the store
    engine = pair.b.engine
    assert engine is not None
    before = engine.known_runs()
    state = load_sync_state(pair.b_node.store)
    assert state.known == {o: list(r) for o, r in before.items()}
    restarted = make_daemon(pair.b_node, MemoryRadio(RADIO_B), 3)
    restarted.step(0.0)
    assert restarted.engine is not None
    assert restarted.engine.known_runs() == before
    a_origin = pair.a_node.store.origin
    held = [r for r in state.records if r.body.origin == a_origin]
    assert {r.record_id for r in held} <= state.first_seen.keys()


def test_the_engine_is_built_with_the_radios_node_id_once_it_is_known(tmp_path: Path) -> None:
    node = make_node(tmp_path, "a")
    radio = MemoryRadio(0)  # a Meshtastic radio says its node number at the handshake
    daemon = make_daemon(node, radio, 1)
    daemon.step(0.0)
    assert daemon.engine is None
    radio._node_id = RADIO_A
    daemon.step(1.0)
    assert daemon.engine is not None and daemon.engine.node_id == RADIO_A
    node.close()


def test_a_radio_the_roster_adds_may_post_by_text(tmp_path: Path) -> None:
    node = make_node(tmp_path, "a")
    commands.found(node, "Magnolia Flats")
    radios = RosterRadios(frozenset())
    radio = MemoryRadio(RADIO_A)
    daemon = make_daemon(node, radio, 1, desk=PhoneDesk(node, radios), radios=radios)
    daemon.step(0.0)
    radio.hear_text("need water for 3 families", PHONE)
    daemon.step(1.0)
    (refused,) = radio.take_texts()
    assert "need water" not in refused.text and PHONE not in radios
    assert radio.pinned == {}
    commands.radio(node, PHONE, True, base64.b64encode(PHONE_KEY).decode(), name="Rosa")
    daemon.step(5.0)  # the roster change, signed by the CLI, is picked up at the next poll
    assert PHONE in radios and radios.pinned_key(PHONE) == PHONE_KEY
    assert radio.pinned == {PHONE: PHONE_KEY}  # its DMs open on our radio at once
    radio.hear_text("need water for 3 families", PHONE, public_key=PHONE_KEY)
    daemon.step(6.0)
    replies = radio.take_texts()
    assert replies and any("water" in r.text for r in replies)
    node.close()


def test_start_up_logs_its_cpu_once_loaded_and_after_the_first_step(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # scripts/bench_store.py reads these two figures: the daemon's own count at each
    # moment, not a read of /proc made after it has gone on working.
    node = make_node(tmp_path, "a")
    daemon = make_daemon(node, MemoryRadio(RADIO_A), 1)
    with caplog.at_level("INFO", logger="meshaid.node.daemon.service"):
        daemon.step(0.0)
    said = [r.getMessage() for r in caplog.records]
    cpu = r"\(([0-9.]+) s of CPU since the process started\)"
    loaded = [re.fullmatch(r"loaded \d+ records from the board store " + cpu, m) for m in said]
    first = [re.fullmatch(r"first step done: \d+ expired records pruned " + cpu, m)
             for m in said]
    at_load = [float(m.group(1)) for m in loaded if m]
    at_first = [float(m.group(1)) for m in first if m]
    assert len(at_load) == 1 and len(at_first) == 1, said
    assert 0 < at_load[0] <= at_first[0]
    node.close()
