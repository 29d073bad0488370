"""Phone posts are crash-safe end to end: post, poster row and acknowledgement are one
transaction, replies wait in the store until sent, a post sent again gets its code again.

Found with SIGKILL: 7 phone posts were stored without their poster row (the resident could
no longer close them by text), and about 1,190 stored posts never had their
acknowledgement sent, because queued replies died with the daemon, so residents would post
again and make duplicates. Here the daemon's objects are dropped without sending (what a
kill leaves) and built again from the same node home.
"""

from __future__ import annotations

import random
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from desk_kit import drain, key_of

from meshaid.hardware.memory_radio import MemoryRadio
from meshaid.node.daemon.radio_config import RadioConfig
from meshaid.node.daemon.service import Daemon
from meshaid.node.desk import outbox as outbox_module
from meshaid.node.desk.desk import RESEND_MINUTES, PhoneDesk
from meshaid.node.desk.outbox import STALE_SECONDS
from meshaid.node.desk.posters import poster_of
from meshaid.node.services import BoardQuery, Node, init_node, open_node
from meshaid.protocol.record import EntryId
from meshaid.sync.config import SyncConfig

ALICE = 0xA1B2C3D4
POSTED = re.compile(r"^Posted \w+ (\w+)")


def _home(tmp_path: Path, clock: Any) -> Path:
    home = tmp_path / "home"
    init_node(home, name="porch", timezone="UTC", wall=clock)
    return home


def _desk(node: Node) -> PhoneDesk:
    return PhoneDesk(node, {ALICE: key_of(ALICE)})


def _count(node: Node, table: str) -> int:
    with node.store.reading() as conn:
        return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def test_an_acknowledgement_not_sent_before_a_crash_is_sent_after_the_restart(
    tmp_path: Path, clock: Any
) -> None:
    home = _home(tmp_path, clock)
    with open_node(home, wall=clock) as node:
        # What the pump does with a text, then the process dies before the radio has it.
        (ack,) = _desk(node).handle(ALICE, "need water for 3 families", clock.now,
                                    key=key_of(ALICE))
        code = POSTED.match(ack.text)
        assert code and ack.queued
    clock.advance(30)
    with open_node(home, wall=clock) as node:
        radio = MemoryRadio(0x4D41_0001)
        daemon = Daemon(node, radio, RadioConfig(), sync_config=SyncConfig(),
                        rng=random.Random(1), control_path=tmp_path / "c.sock",
                        desk=_desk(node), wall=clock)
        daemon.step(0.0)
        (sent,) = radio.take_texts()
        assert (sent.dest, sent.text) == (ALICE, ack.text)
        assert daemon.desk is not None and daemon.desk.replies_waiting == 0
        (view,) = node.board(BoardQuery())
        assert view.code == code.group(1)
        assert poster_of(node.store, _eid(view.entry)) == ALICE


def _eid(entry: str) -> EntryId:
    origin, seq = entry.split("/")
    return EntryId(int(origin, 16), int(seq))


def test_a_post_is_stored_with_its_poster_and_acknowledgement_or_not_at_all(
    node: Node, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fails(*_args: object) -> None:
        raise sqlite3.OperationalError("disk I/O error")  # the write dies mid-transaction

    monkeypatch.setattr(outbox_module.Outbox, "ack_in", staticmethod(fails))
    desk = _desk(node)
    (answer,) = desk.handle(ALICE, "need water for 3 families", clock.now, key=key_of(ALICE))
    assert answer.text.startswith("The node is busy")
    assert node.board(BoardQuery()) == []
    acks = "phone_outbox WHERE entry_origin IS NOT NULL"
    assert (_count(node, "posters"), _count(node, acks)) == (0, 0)
    monkeypatch.undo()
    desk.handle(ALICE, "need water for 3 families", clock.now, key=key_of(ALICE))
    assert len(node.board(BoardQuery())) == 1
    assert (_count(node, "posters"), _count(node, acks)) == (1, 1)


def test_the_same_post_sent_again_within_minutes_gets_the_same_code(
    node: Node, clock: Any
) -> None:
    desk = _desk(node)
    first = desk.handle(ALICE, "need water for 3 families", clock.now, key=key_of(ALICE))
    clock.advance(120)  # no answer came: the resident sends it again
    again = desk.handle(ALICE, "need water for 3 families", clock.now, key=key_of(ALICE))
    assert [r.text for r in again] == [r.text for r in first]
    assert len(node.board(BoardQuery())) == 1 and desk.counters["posts.resent"] == 1
    # Other words, or the same words long after, are a new post.
    desk.handle(ALICE, "need water for 4 families", clock.now, key=key_of(ALICE))
    clock.advance(RESEND_MINUTES * 60 + 60)
    desk.handle(ALICE, "need water for 3 families", clock.now, key=key_of(ALICE))
    assert len(node.board(BoardQuery())) == 3


def test_a_reply_waiting_too_long_is_dropped_and_counted(node: Node, clock: Any) -> None:
    desk = _desk(node)
    desk.handle(0x0BAD0001, "list", clock.now)
    desk.handle(ALICE, "offer: rice", clock.now, key=key_of(ALICE))
    assert desk.replies_waiting == 2
    clock.advance(STALE_SECONDS + 1)
    assert drain(desk, clock.now) == []
    assert desk.counters["replies.dropped.stale"] == 2 and desk.replies_waiting == 0


def test_an_acknowledgement_is_worded_from_the_entry_when_sent(
    node: Node, clock: Any
) -> None:
    desk = _desk(node)
    (ack,) = desk.handle(ALICE, "offer: 3 blue tarps", clock.now, key=key_of(ALICE))
    [(dest, text)] = drain(desk, clock.now)
    assert (dest, text) == (ALICE, ack.text)
    # An entry pruned before its acknowledgement went: the row goes with it (no text).
    desk.handle(ALICE, "offer: firewood", clock.now, key=key_of(ALICE))
    with node.store.writing() as cur:
        cur.execute("DELETE FROM entries WHERE text = 'firewood'")
    assert drain(desk, clock.now) == []
