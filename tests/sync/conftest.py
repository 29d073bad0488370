"""A tiny hand-driven mesh for the sync engine tests: in-memory radios, no clock, no sleeps.

Tests get it through the ``net`` fixture (``net.Mesh``, ``net.lossy``), since with
importlib import mode a helper module beside the tests cannot be imported by name.

Each node runs the daemon's own pump (meshaid.node.daemon.pump) on a MemoryRadio. Every
frame a node's radio sends is offered to each neighbour; a ``Link`` policy says whether it
arrives, how many times, and after what delay (a lost frame is simply not delivered).
Each node keeps a merge.Board fed from the pump with its accepted and its own records.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest

from meshaid.hardware.memory_radio import MemoryRadio
from meshaid.node.daemon.pump import Pump
from meshaid.protocol.airtime import airtime_seconds
from meshaid.protocol.record import SignedRecord
from meshaid.sync.config import SyncConfig
from meshaid.sync.engine import SyncEngine
from meshaid.sync.merge import Board
from meshaid.sync.verify import VerifyCache
from recordgen import Signer

# (sender, receiver, now, airtime) -> delays of the copies that arrive; [] = lost
Link = Callable[[int, int, float, float], list[float]]


def radio_id(i: int) -> int:
    """Node i's radio id, as the Meshtastic header gives it: never 0."""
    return 0x1000 + i


def perfect(_src: int, _dst: int, _now: float, airtime: float) -> list[float]:
    return [airtime]


class BoardSink:
    """The pump's board: a node's merge.Board."""

    def __init__(self, node: Node) -> None:
        self.node = node

    def accept(self, records: Sequence[SignedRecord], now: float) -> None:
        self.node.board.apply_all(records)

    def keep_known(self, runs: Mapping[int, Sequence[tuple[int, int]]]) -> None:
        pass


@dataclass
class Node:
    index: int
    signer: Signer
    engine: SyncEngine
    board: Board = field(default_factory=Board)
    sent: list[tuple[float, bytes]] = field(default_factory=list)  # (when, payload)
    radio: MemoryRadio = field(init=False)
    pump: Pump = field(init=False)

    def __post_init__(self) -> None:
        self.radio = MemoryRadio(radio_id(self.index))
        self.attach()

    def attach(self) -> None:
        """A pump for the current engine (after a restart or a wipe)."""
        self.pump = Pump(self.engine, self.radio, BoardSink(self))


class Mesh:
    """Nodes 0..n-1; ``edges`` are who hears whom (both ways), all pairs by default."""

    def __init__(
        self,
        n: int,
        *,
        seed: int = 1,
        config: SyncConfig | None = None,
        edges: Iterable[tuple[int, int]] | None = None,
        signers: list[Signer] | None = None,
        shared_cache: bool = True,
    ) -> None:
        self.signers = signers or [Signer(100 + i) for i in range(n)]
        self.keys = {s.origin: s.public_key for s in self.signers}
        cache = VerifyCache() if shared_cache else None
        self.config = config or SyncConfig()
        self.nodes = [
            Node(i, self.signers[i], self._engine(seed * 1000 + i, cache, i)) for i in range(n)
        ]
        pairs = edges if edges is not None else [(a, b) for a in range(n) for b in range(a + 1, n)]
        self.neighbours: dict[int, set[int]] = {i: set() for i in range(n)}
        for a, b in pairs:
            self.neighbours[a].add(b)
            self.neighbours[b].add(a)
        self.now = 0.0
        self.link: Link = perfect
        self.frames = 0
        self._air: list[tuple[float, int, int, int, bytes]] = []  # (time, order, src, dst, payload)
        self._order = 0
        self.cache = cache

    def _engine(self, seed: int, cache: VerifyCache | None, i: int) -> SyncEngine:
        return SyncEngine(
            self.keys.get, random.Random(seed), self.config, verify_cache=cache,
            node_id=radio_id(i),
        )

    def engine(self, i: int, seed: int) -> SyncEngine:
        """A fresh engine for node ``i`` (to restart it with)."""
        return self._engine(seed, None, i)

    def wipe(self, i: int, seed: int = 99) -> None:
        """Node ``i`` loses everything and starts again, empty."""
        node = self.nodes[i]
        node.engine = self._engine(seed, None, i)
        node.board = Board()
        node.attach()

    def replace(self, i: int, engine: SyncEngine, board: Board) -> None:
        self.nodes[i].engine = engine
        self.nodes[i].board = board
        self.nodes[i].attach()

    def create(self, i: int, text: str = "rice and beans", **fields: object) -> SignedRecord:
        node = self.nodes[i]
        rec = node.signer.create(text, **fields)
        self.publish(i, rec)
        return rec

    def publish(self, i: int, rec: SignedRecord) -> None:
        node = self.nodes[i]
        node.board.apply(rec)
        node.pump.add_local(rec, self.now)
        self._carry(node)

    def _pump(self, node: Node) -> None:
        node.pump.step(self.now)
        self._carry(node)

    def _carry(self, node: Node) -> None:
        """Put what the node's radio sent on the air towards each neighbour."""
        for out in node.radio.take_sent():
            node.sent.append((self.now, out.payload))
            self.frames += 1
            airtime = airtime_seconds(len(out.payload))
            for dst in sorted(self.neighbours[node.index]):
                for delay in self.link(node.index, dst, self.now, airtime):
                    self._order += 1
                    heapq.heappush(
                        self._air, (self.now + delay, self._order, node.index, dst, out.payload)
                    )

    def run(self, seconds: float) -> None:
        """Let ``seconds`` pass: deliver frames, fire timers, send what is due."""
        until = self.now + seconds
        deadlines: list[tuple[float, int]] = []  # (deadline, node), possibly stale
        for node in self.nodes:
            self._note_deadline(deadlines, node)
        spins = 0
        while True:
            while deadlines and self._stale(deadlines[0]):
                heapq.heappop(deadlines)
            t = min(deadlines[0][0] if deadlines else float("inf"),
                    self._air[0][0] if self._air else float("inf"))
            if t > until:
                break
            spins = spins + 1 if t <= self.now else 0
            if spins > 10_000:
                raise AssertionError(f"the mesh does not advance at t={self.now}")
            self.now = max(self.now, t)
            touched: set[int] = set()
            while self._air and self._air[0][0] <= self.now:
                _, _, src, dst, payload = heapq.heappop(self._air)
                self.nodes[dst].radio.hear(payload, radio_id(src))
                touched.add(dst)
            while deadlines and deadlines[0][0] <= self.now:
                touched.add(heapq.heappop(deadlines)[1])
            for i in sorted(touched):
                node = self.nodes[i]
                self._pump(node)
                self._note_deadline(deadlines, node)
        self.now = until
        for node in self.nodes:
            self._pump(node)

    def _stale(self, entry: tuple[float, int]) -> bool:
        """The node's deadline moved since this entry was made."""
        return self.nodes[entry[1]].engine.next_deadline() != entry[0]

    def _note_deadline(self, deadlines: list[tuple[float, int]], node: Node) -> None:
        deadline = node.engine.next_deadline()
        if deadline is not None:
            heapq.heappush(deadlines, (deadline, node.index))

    def hashes(self) -> list[bytes]:
        return [n.board.state_hash() for n in self.nodes]

    def converged(self) -> bool:
        vectors = {n.engine.vector_hash() for n in self.nodes}
        return len(set(self.hashes())) == 1 and len(vectors) == 1


def lossy(rng: random.Random, loss: float, dup: float = 0.0, jitter: float = 0.0) -> Link:
    """Each copy lost with probability ``loss``, duplicated with ``dup``, delayed by up to
    ``jitter`` seconds more than its airtime (which reorders frames)."""

    def link(_src: int, _dst: int, _now: float, airtime: float) -> list[float]:
        copies = 2 if rng.random() < dup else 1
        return [airtime + rng.uniform(0, jitter) for _ in range(copies) if rng.random() >= loss]

    return link


@pytest.fixture(scope="session")
def net() -> SimpleNamespace:
    return SimpleNamespace(Mesh=Mesh, lossy=lossy, perfect=perfect, radio_id=radio_id)
