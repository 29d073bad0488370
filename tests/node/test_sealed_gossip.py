"""Gossip sealed with the epoch key: members read it, outsiders see only sizes and times."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence

from meshaid.hardware.memory_radio import MemoryRadio
from meshaid.node.daemon.pump import Pump
from meshaid.node.membership.keyring import EpochKeyHeld, Keyring
from meshaid.protocol import frames, seal
from meshaid.protocol.record import SignedRecord
from meshaid.sync.config import SyncConfig
from meshaid.sync.engine import SyncEngine
from meshaid.sync.merge import Board
from recordgen import Signer

KEY1, KEY2 = bytes(range(32)), bytes(range(1, 33))


class MemoryBoard:
    def __init__(self) -> None:
        self.board = Board()

    def accept(self, records: Sequence[SignedRecord], now: float) -> None:
        self.board.apply_all(records)

    def keep_known(self, runs: Mapping[int, Sequence[tuple[int, int]]]) -> None:
        pass


def seeded_nonces() -> Callable[[int], bytes]:
    rng = random.Random(3)
    return lambda n: bytes(rng.randrange(256) for _ in range(n))


class Node:
    def __init__(self, i: int, signer: Signer, keys: dict[int, bytes],
                 keyring: Keyring | None) -> None:
        self.radio = MemoryRadio(0x100 + i)
        config = SyncConfig(mtu=MemoryRadio(1).mtu - seal.OVERHEAD)
        self.engine = SyncEngine(keys.get, random.Random(i), config, node_id=0x100 + i)
        self.board = MemoryBoard()
        self.keyring = keyring
        self.pump = Pump(self.engine, self.radio, self.board, sealer=keyring)
        self.signer = signer


def mesh(*keyrings: Keyring | None) -> list[Node]:
    signers = [Signer(60 + i) for i in range(len(keyrings))]
    keys = {s.origin: s.public_key for s in signers}
    return [Node(i, s, keys, k) for i, (s, k) in enumerate(zip(signers, keyrings, strict=True))]


def run(nodes: list[Node], seconds: float, log: list[bytes] | None = None) -> None:
    t = 0.0
    while t < seconds:
        for node in nodes:
            node.pump.step(t)
            for sent in node.radio.take_sent():
                if log is not None:
                    log.append(sent.payload)
                for other in nodes:
                    if other is not node:
                        other.radio.hear(sent.payload, node.radio.node_id)
        t += 0.5


def ring(*keys: tuple[int, bytes]) -> Keyring:
    return Keyring([EpochKeyHeld(e, k) for e, k in keys], nonces=seeded_nonces())


def test_members_share_records_and_nothing_on_air_is_plain() -> None:
    a, b = mesh(ring((1, KEY1)), ring((1, KEY1)))
    rec = a.signer.create("insulin cooler, power out since tuesday")
    a.board.board.apply(rec)
    log: list[bytes] = []
    a.pump.add_local(rec, 0.0)
    run([a, b], 30, log)
    assert rec.record_id in b.board.board.records
    assert log and all(f[0] == seal.MARKER for f in log)
    assert all(b"insulin" not in f and rec.raw[-64:] not in f for f in log)


def test_an_outsider_reads_nothing_and_its_frames_are_dropped_unparsed() -> None:
    a, outsider = mesh(ring((1, KEY1)), ring((1, KEY2)))
    rec = a.signer.create("tarps for the storm")
    a.pump.add_local(rec, 0.0)
    forged = outsider.signer.create("fake alert")
    outsider.pump.add_local(forged, 0.0)
    run([a, outsider], 30)
    assert rec.record_id not in outsider.board.board.records
    assert forged.record_id not in a.board.board.records
    assert a.pump.counters["frames_not_opened"] > 0
    assert a.keyring is not None and a.keyring.counters["unknown_key"] > 0
    assert sum(a.engine.stats.frames_received.values()) == 0


def test_an_unsealed_frame_is_never_handed_to_the_engine() -> None:
    (a,) = mesh(ring((1, KEY1)))
    plain = frames.encode(frames.RecordsFrame((Signer(9).create("x").raw,), relay=True))
    a.radio.hear(plain, 0x999)
    a.radio.hear(b"\xe1" + bytes(60), 0x999)  # looks sealed, is junk
    a.pump.step(0.0)
    assert a.pump.counters["frames_not_opened"] == 2
    assert a.keyring is not None and a.keyring.counters["not_sealed"] == 1


def test_a_node_without_a_key_sends_nothing_at_all() -> None:
    a, _b = mesh(Keyring(), ring((1, KEY1)))
    a.pump.add_local(a.signer.create("need water"), 0.0)
    log: list[bytes] = []
    run([a], 60, log)
    assert log == []


def test_old_epochs_stay_readable_and_the_newest_is_used_to_send() -> None:
    old_only, both = mesh(ring((1, KEY1)), ring((1, KEY1), (2, KEY2)))
    rec = old_only.signer.create("bread")
    old_only.pump.add_local(rec, 0.0)
    log: list[bytes] = []
    run([old_only, both], 30, log)
    assert rec.record_id in both.board.board.records
    assert both.keyring is not None and both.keyring.current() == EpochKeyHeld(2, KEY2)
    sent_by_both = [f for f in log if seal.header(f)[0] == 2]
    assert sent_by_both, "the node with the new epoch seals with it"
