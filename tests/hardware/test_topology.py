import random

import pytest

from meshaid.hardware.sim.topology import (
    SNR_CLOSE_DB,
    SNR_EDGE_DB,
    Link,
    Topology,
    build,
    clique,
    grid,
    line,
    random_geometric,
)
from meshaid.protocol.errors import UsageError


def test_abstract_graphs_have_the_expected_shape() -> None:
    rng = random.Random(1)
    c = clique(6, 0.1, rng)
    assert all(len(c.neighbours(i)) == 5 for i in range(6))
    assert c.diameter() == 1
    assert c.broadcast_cover(3) == 1
    ln = line(5, 0.0, rng)
    assert ln.diameter() == 4
    assert ln.broadcast_cover(0) == 4  # every node but the last must transmit
    g = grid(9, 0.0, rng)
    assert g.diameter() == 4
    assert sorted(g.neighbours(4)) == [1, 3, 5, 7]
    for topo in (c, ln, g):
        for i in range(topo.size):
            for j, link in topo.neighbours(i).items():
                assert topo.neighbours(j)[i] is link  # links are symmetric
                assert SNR_EDGE_DB <= link.snr <= SNR_CLOSE_DB


def test_random_geometric_is_connected_within_the_hop_range_and_seeded() -> None:
    topo = random_geometric(50, 0.2, random.Random(7))
    assert topo.is_connected()
    assert 3 <= topo.diameter() <= 6
    again = random_geometric(50, 0.2, random.Random(7))
    assert topo.positions == again.positions
    # Closer nodes hear each other better.
    pos = topo.positions
    assert pos is not None
    pairs = sorted(
        ((abs(pos[a][0] - pos[b][0]) + abs(pos[a][1] - pos[b][1]), link.snr)
         for a in range(50) for b, link in topo.neighbours(a).items()),
    )
    near = [snr for _, snr in pairs[:40]]
    far = [snr for _, snr in pairs[-40:]]
    assert sum(near) / 40 > sum(far) / 40 + 5


def test_impossible_requests_are_usage_errors() -> None:
    with pytest.raises(UsageError, match="hops across"):
        random_geometric(50, 0.2, random.Random(1), min_hops=1, max_hops=1, attempts=20)
    with pytest.raises(UsageError, match="loss"):
        Topology("bad", 2, [(0, 1, Link(0.0, 1.0))])
    with pytest.raises(UsageError, match="bad link"):
        Topology("bad", 2, [(0, 2, Link(0.0, 0.0))])
    with pytest.raises(UsageError, match="unknown topology"):
        build("ring", 4, 0.0, random.Random(1))
    assert Topology("apart", 3, [(0, 1, Link(0.0, 0.0))]).diameter() == -1
