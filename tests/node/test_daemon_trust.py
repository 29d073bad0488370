"""The daemon's engine trusts what the roster trusts: a removed node's later records are
neither kept nor relayed, even sealed with an epoch key it still holds."""

from __future__ import annotations

import random
from pathlib import Path

from membership_kit import carry, form, new_node

from meshaid.hardware.memory_radio import MemoryRadio
from meshaid.node.daemon.radio_config import RadioConfig
from meshaid.node.daemon.service import Daemon
from meshaid.node.membership import commands
from meshaid.node.services import Node, PostRequest
from meshaid.sync.config import SyncConfig


def daemon(node: Node, radio: MemoryRadio, seed: int) -> Daemon:
    return Daemon(node, radio, RadioConfig(), sync_config=SyncConfig(), rng=random.Random(seed),
                  control_path=node.home.root / "control.sock")


def test_a_removed_nodes_new_records_are_refused_by_the_engine_not_only_the_store(
    tmp_path: Path,
) -> None:
    a, b, c = (new_node(tmp_path / n, n) for n in ("a", "b", "c"))
    form(a, [b, c])
    commands.remove_node(a, c.config.name)
    carry(a, [b])  # b holds the removal; c is not told
    b_radio, c_radio = MemoryRadio(0x4D41_0002), MemoryRadio(0x4D41_0003)
    b_daemon, c_daemon = daemon(b, b_radio, 2), daemon(c, c_radio, 3)
    now = 0.0
    late = None
    while now < 300:
        if now == 10:  # both started: c posts, and its daemon pushes it at once
            c.post(PostRequest(kind="offer", text="rice for the whole block", category="food"))
            late = max(c.store.records_of(c.store.origin), key=lambda r: r.body.seq)
        for d in (b_daemon, c_daemon):
            d.step(now)
        for sent in c_radio.take_sent():  # c's frames reach b, sealed with epoch 1
            b_radio.hear(sent.payload, c_radio.node_id)
        for sent in b_radio.take_sent():
            c_radio.hear(sent.payload, b_radio.node_id)
        now += 0.5
    assert late is not None
    assert b_daemon.engine is not None
    assert not b_daemon.engine.holds(late.record_id)
    assert b_daemon.engine.stats.refused["untrusted"] >= 1
    assert late.record_id not in {r.record_id for r in b.store.records_of(c.store.origin)}
    for n in (a, b, c):
        n.close()
