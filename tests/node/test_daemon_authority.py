"""The daemon's engine takes the committee's changes to entries taken on other nodes, as
its store does: a match completed by a committee node fulfils the posts everywhere."""

from __future__ import annotations

import random
from pathlib import Path

from membership_kit import form, new_node

from meshaid.hardware.memory_radio import MemoryRadio
from meshaid.node.committee.changes import complete_match, make_match
from meshaid.node.daemon.radio_config import RadioConfig
from meshaid.node.daemon.service import Daemon
from meshaid.node.services import BoardQuery, Node, PostRequest
from meshaid.sync.config import SyncConfig


def daemon(node: Node, radio: MemoryRadio, seed: int) -> Daemon:
    return Daemon(node, radio, RadioConfig(), sync_config=SyncConfig(), rng=random.Random(seed),
                  control_path=node.home.root / "control.sock")


def run(pairs: list[tuple[Daemon, MemoryRadio]], start: float, seconds: float) -> float:
    now = start
    while now < start + seconds:
        for d, _radio in pairs:
            d.step(now)
        for _d, radio in pairs:
            for sent in radio.take_sent():
                for _other, other in pairs:
                    if other is not radio:
                        other.hear(sent.payload, radio.node_id)
        now += 0.5
    return now


def test_a_match_completed_by_the_committee_fulfils_posts_taken_on_other_nodes(
    tmp_path: Path,
) -> None:
    a, b, c = (new_node(tmp_path / n, n) for n in ("a", "b", "c"))
    form(a, [b, c])  # a founded: the committee; b and c are members
    radios = [MemoryRadio(0x4D41_0001 + i) for i in range(3)]
    pairs = [(daemon(n, r, i), r) for i, (n, r) in enumerate(zip((a, b, c), radios, strict=True))]
    now = run(pairs, 0.0, 5)
    need = b.post(PostRequest(kind="need", text="diapers size 3", category="childcare"))
    offer = c.post(PostRequest(kind="offer", text="pañales talla 3", category="childcare"))
    for d, _r in pairs:
        assert d.pump is not None
        d.pump.pick_up_local()
    now = run(pairs, now, 120)
    match = make_match(a, need.code, offer.code)
    complete_match(a, match.code)
    pairs[0][0].pump.pick_up_local()  # type: ignore[union-attr]
    now = run(pairs, now, 300)
    for node in (b, c):
        shown = {e.code: e.status for e in node.board(BoardQuery(status="all"))}
        assert shown[need.code] == "fulfilled" and shown[offer.code] == "fulfilled", shown
    for n in (a, b, c):
        n.close()
