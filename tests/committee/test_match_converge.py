"""Matches converge: any order and batching of entries, matches, confirmations and undos
gives the same board on every store, and the same as meshaid.sync.merge.Board."""

from __future__ import annotations

import dataclasses
import shutil
import sqlite3
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nacl.signing import SigningKey

from meshaid.node.clock import NodeClock
from meshaid.node.store.board import BoardStore
from meshaid.node.store.database import create_store_engine, migrate
from meshaid.protocol.record import Kind, MatchPair, SignedRecord, Status, sign
from meshaid.sync.merge import Board
from recordgen import Signer

NOW = 1_545_000
OWNERS = [Signer(81), Signer(82)]


def template(root: Path) -> Path:
    path = root / "template.sqlite3"
    engine = create_store_engine(path)
    migrate(engine)
    engine.dispose()
    store = BoardStore.open(path, SigningKey(bytes([80]) * 32), NodeClock(lambda: 1.8e9))
    store.bootstrap("this node")
    for signer in OWNERS:
        store.add_key(signer.public_key, "peer")
    store.close()
    return path


def board_of(template_path: Path, path: Path, batches: list[list[SignedRecord]]
             ) -> list[tuple[object, ...]]:
    shutil.copyfile(template_path, path)
    store = BoardStore.open(path, SigningKey(bytes([80]) * 32), NodeClock(lambda: 1.8e9))
    try:
        for batch in batches:
            store.apply_all(batch)
    finally:
        store.close()
    conn = sqlite3.connect(path)
    try:
        entries = conn.execute("SELECT origin, seq, status, status_origin, status_seq FROM "
                               "entries ORDER BY origin, seq").fetchall()
        matches = conn.execute("SELECT origin, seq, status, need_origin, need_seq, offer_origin, "
                               "offer_seq FROM matches ORDER BY origin, seq").fetchall()
    finally:
        conn.close()
    return [*entries, ("matches",), *matches]


@st.composite
def histories(draw: st.DrawFn) -> list[SignedRecord]:
    a, b = (Signer(81), Signer(82))
    records = []
    needs = [a.create(f"need {i}", kind=Kind.NEED, created=NOW) for i in range(2)]
    offers = [b.create(f"offer {i}", kind=Kind.OFFER, created=NOW) for i in range(2)]
    records += needs + offers
    for _ in range(draw(st.integers(1, 4))):
        need, offer = draw(st.sampled_from(needs)), draw(st.sampled_from(offers))
        owner = draw(st.sampled_from([(a, need), (b, offer)]))[0]
        match = owner.create("", kind=Kind.NEED, created=NOW,
                             match=MatchPair(need.entry_id, offer.entry_id))
        records.append(match)
        for version, status in enumerate(draw(st.lists(st.sampled_from(
                [Status.MATCHED, Status.WITHDRAWN, Status.FULFILLED]), max_size=2)), start=1):
            owner.seq += 1
            body = dataclasses.replace(match.body, seq=owner.seq, entry_seq=match.body.seq,
                                       version=version, status=status)
            records.append(sign(body, owner.key))
    if draw(st.booleans()):  # an owner closes an entry a match names
        b.seq += 1
        body = dataclasses.replace(offers[0].body, seq=b.seq, entry_seq=offers[0].body.seq,
                                   version=1, status=Status.FULFILLED)
        records.append(sign(body, b.key))
    return records


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_order_gives_the_same_board(data: st.DataObject) -> None:
    records = data.draw(histories())
    first = data.draw(st.permutations(records))
    second = data.draw(st.permutations(records))
    cut = data.draw(st.integers(0, len(second)))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        made = template(root)
        one = board_of(made, root / "a.sqlite3", [first])
        two = board_of(made, root / "b.sqlite3", [second[:cut], second[cut:], second[:2]])
    assert one == two
    board = Board()
    board.apply_all(first)
    shown = {(row[0], row[1]): row[2] for row in one if len(row) == 5}
    assert shown == {tuple(eid): int(board.shown(eid) or 0) for eid in board.entries}
