"""Who hears whom in a simulated mesh, and how well.

A topology is a set of nodes 0..n-1 and symmetric links, each with a signal-to-noise
ratio (it sets the relay delay of managed flooding and decides captures) and a loss
probability (a frame that arrived clean is still lost with that probability: fading,
noise, a passing truck). Nodes out of range share nothing: no energy, no collisions.

The signal model is deliberately simple and is a model, not a measurement: SNR falls
with distance in the random geometric graph (log-distance, exponent 3, from +10 dB
close by to -15 dB at the edge of range); in the abstract graphs (clique, line, grid)
each link draws its SNR uniformly from that same range.
"""

from __future__ import annotations

import math
import random
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from meshaid.protocol.errors import UsageError

SNR_CLOSE_DB = 10.0
SNR_EDGE_DB = -15.0
PATH_LOSS_EXPONENT = 3.0
NOISE_FLOOR_DBM = -117.0  # thermal noise in 250 kHz plus a typical 6 dB receiver noise figure


@dataclass(frozen=True)
class Link:
    snr: float  # dB at the receiver
    loss: float  # probability that a clean arrival is still lost

    @property
    def rssi(self) -> float:
        return NOISE_FLOOR_DBM + self.snr


class Topology:
    """Nodes and links; read-only once built."""

    def __init__(
        self,
        name: str,
        size: int,
        links: Iterable[tuple[int, int, Link]],
        positions: Sequence[tuple[float, float]] | None = None,
    ) -> None:
        if size < 1:
            raise UsageError("a topology needs at least one node")
        self.name = name
        self.size = size
        self.positions = tuple(positions) if positions is not None else None
        adj: list[dict[int, Link]] = [{} for _ in range(size)]
        for a, b, link in links:
            if not (0 <= a < size and 0 <= b < size) or a == b:
                raise UsageError(f"bad link {a}-{b} in a topology of {size} nodes")
            if not 0.0 <= link.loss < 1.0:
                raise UsageError(f"link loss must be in [0, 1), not {link.loss}")
            adj[a][b] = link
            adj[b][a] = link
        self.adjacency: tuple[dict[int, Link], ...] = tuple(adj)

    def neighbours(self, node: int) -> dict[int, Link]:
        return self.adjacency[node]

    def hop_distances(self, source: int) -> list[int]:
        """Hops from ``source`` to every node; -1 where unreachable."""
        dist = [-1] * self.size
        dist[source] = 0
        todo = deque([source])
        while todo:
            here = todo.popleft()
            for there in self.adjacency[here]:
                if dist[there] < 0:
                    dist[there] = dist[here] + 1
                    todo.append(there)
        return dist

    def is_connected(self) -> bool:
        return min(self.hop_distances(0)) >= 0

    def diameter(self) -> int:
        """The most hops between two nodes; -1 when the graph is not connected."""
        worst = 0
        for node in range(self.size):
            dist = self.hop_distances(node)
            if min(dist) < 0:
                return -1
            worst = max(worst, max(dist))
        return worst

    def mean_degree(self) -> float:
        return sum(len(n) for n in self.adjacency) / self.size

    def broadcast_cover(self, source: int) -> int:
        """Transmissions that let every node hear a frame once, starting at ``source``.

        A greedy connected dominating set grown from the source: each step, the node that
        already has the frame and reaches the most nodes still without it transmits. Exact
        for a clique (1), within a log factor of the optimum otherwise.
        """
        covered = {source, *self.adjacency[source]}
        senders = {source}
        while len(covered) < self.size:
            best, gain = -1, 0
            for node in covered - senders:
                new = sum(1 for n in self.adjacency[node] if n not in covered)
                if new > gain:
                    best, gain = node, new
            if best < 0:
                return len(senders)  # the rest is unreachable
            senders.add(best)
            covered.update(self.adjacency[best])
        return len(senders)


def _abstract_link(rng: random.Random, loss: float) -> Link:
    return Link(snr=rng.uniform(SNR_EDGE_DB, SNR_CLOSE_DB), loss=loss)


def clique(size: int, loss: float, rng: random.Random) -> Topology:
    """Every node hears every other."""
    links = [(a, b, _abstract_link(rng, loss)) for a in range(size) for b in range(a + 1, size)]
    return Topology("clique", size, links)


def line(size: int, loss: float, rng: random.Random) -> Topology:
    """Node i hears only i-1 and i+1."""
    return Topology("line", size, [(i, i + 1, _abstract_link(rng, loss)) for i in range(size - 1)])


def grid(size: int, loss: float, rng: random.Random) -> Topology:
    """The most square grid holding ``size`` nodes, row by row; four neighbours each."""
    width = math.ceil(math.sqrt(size))
    links = []
    for i in range(size):
        col = i % width
        if col + 1 < width and i + 1 < size:
            links.append((i, i + 1, _abstract_link(rng, loss)))
        if i + width < size:
            links.append((i, i + width, _abstract_link(rng, loss)))
    positions = [(float(i % width), float(i // width)) for i in range(size)]
    return Topology("grid", size, links, positions)


def _snr_at(distance: float, radius: float) -> float:
    if distance <= 0:
        return SNR_CLOSE_DB
    snr = SNR_EDGE_DB + 10 * PATH_LOSS_EXPONENT * math.log10(radius / distance)
    return min(snr, SNR_CLOSE_DB)


def random_geometric(
    size: int,
    loss: float,
    rng: random.Random,
    *,
    min_hops: int = 3,
    max_hops: int = 6,
    radius: float | None = None,
    attempts: int = 500,
) -> Topology:
    """Nodes dropped at random in a unit square, linked when closer than ``radius``.

    Draws again until the graph is connected and between ``min_hops`` and ``max_hops``
    hops across. The default radius gives about 3-6 hops for a few dozen nodes.
    """
    if size < 2:
        raise UsageError("a random geometric topology needs two nodes or more")
    if min_hops > max_hops:
        raise UsageError("min_hops is above max_hops")
    r = radius if radius is not None else min(1.0, 2.2 / math.sqrt(size))
    for _ in range(attempts):
        pos = [(rng.random(), rng.random()) for _ in range(size)]
        links = []
        for a in range(size):
            ax, ay = pos[a]
            for b in range(a + 1, size):
                d = math.hypot(pos[b][0] - ax, pos[b][1] - ay)
                if d <= r:
                    links.append((a, b, Link(snr=_snr_at(d, r), loss=loss)))
        topo = Topology("random", size, links, pos)
        across = topo.diameter()
        if across >= 0 and min_hops <= across <= max_hops:
            return topo
    raise UsageError(
        f"no connected {size}-node random graph {min_hops}-{max_hops} hops across "
        f"after {attempts} draws; change the radius or the hop range"
    )


TOPOLOGIES = ("clique", "line", "grid", "random")


def build(kind: str, size: int, loss: float, rng: random.Random) -> Topology:
    """A topology by name, as the CLI and scenario files spell it."""
    builders = {"clique": clique, "line": line, "grid": grid}
    if kind == "random":
        return random_geometric(size, loss, rng)
    if kind not in builders:
        raise UsageError(f"unknown topology {kind!r}; choose one of {', '.join(TOPOLOGIES)}")
    return builders[kind](size, loss, rng)
