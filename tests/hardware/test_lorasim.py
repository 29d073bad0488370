import random

import pytest

from meshaid.hardware.radio import Radio, RadioError, Received
from meshaid.hardware.sim.lorasim import (
    HOUR,
    LoraMesh,
    cw_for_snr,
    cw_for_utilisation,
    slot_seconds,
)
from meshaid.hardware.sim.topology import Link, Topology, clique, line
from meshaid.protocol.airtime import airtime_seconds


def listen(mesh: LoraMesh) -> list[tuple[float, int, Received]]:
    """Record every delivery as (time, receiving node id, frame)."""
    heard: list[tuple[float, int, Received]] = []
    for radio in mesh.radios:
        radio.on_receive(lambda rx, nid=radio.node_id: heard.append((mesh.now, nid, rx)))
    return heard


def chain(*snrs: float, loss: float = 0.0) -> Topology:
    """A line whose i-th link has SNR snrs[i]."""
    return Topology("chain", len(snrs) + 1,
                    [(i, i + 1, Link(snr, loss)) for i, snr in enumerate(snrs)])


def test_sim_radio_is_a_radio() -> None:
    mesh = LoraMesh(clique(2, 0.0, random.Random(1)))
    radio = mesh.radios[0]
    assert isinstance(radio, Radio)
    assert radio.mtu == 231
    assert radio.connected
    with pytest.raises(RadioError, match="MTU"):
        radio.send(bytes(232))
    with pytest.raises(RadioError, match="hop limit"):
        radio.send(b"x", hop_limit=8)


def busy_run(seed: int) -> tuple[list[tuple[float, int, int, bytes]], list[object]]:
    topo = clique(6, 0.2, random.Random(7))
    mesh = LoraMesh(topo, seed)
    heard = listen(mesh)
    for k in range(40):
        sender = mesh.radios[k % 6]
        mesh.schedule(k * 1.5, sender.send, bytes([k]) * 60)
    mesh.run_until(600)
    return [(t, nid, rx.sender, rx.payload) for t, nid, rx in heard], [r.stats() for r in
                                                                       mesh.radios]


def test_same_seed_same_run_and_another_seed_another_run() -> None:
    first, stats = busy_run(11)
    again, stats_again = busy_run(11)
    other, _ = busy_run(12)
    assert first == again
    assert stats == stats_again
    assert first != other
    assert len(first) > 100


def test_flooding_with_hop_limit_three_reaches_four_hops_and_no_further() -> None:
    # Hop limit 3 allows three relays: the frame is heard 1, 2, 3 and 4 hops away.
    mesh = LoraMesh(line(7, 0.0, random.Random(3)), seed=5)
    heard = listen(mesh)
    mesh.radios[0].send(b"hello")
    mesh.run_until(120)
    got = {nid: rx.hops for _, nid, rx in heard}
    assert got == {2: 0, 3: 1, 4: 2, 5: 3}
    assert sum(r.stats().frames_relayed for r in mesh.radios) == 3


def test_hop_limit_zero_stays_with_the_neighbours() -> None:
    mesh = LoraMesh(line(4, 0.0, random.Random(3)), seed=5)
    heard = listen(mesh)
    mesh.radios[1].send(b"local", hop_limit=0)
    mesh.run_until(60)
    assert sorted(nid for _, nid, _ in heard) == [1, 3]
    assert all(rx.hops == 0 and rx.sender == 2 for _, _, rx in heard)


def test_a_relay_is_dropped_when_another_node_relays_first() -> None:
    mesh = LoraMesh(clique(8, 0.0, random.Random(4)), seed=9)
    heard = listen(mesh)
    mesh.radios[0].send(b"to all")
    mesh.run_until(120)
    assert sorted(nid for _, nid, _ in heard) == list(range(2, 9))
    relayed = sum(r.stats().frames_relayed for r in mesh.radios)
    cancelled = sum(r.stats().relays_cancelled for r in mesh.radios)
    assert 1 <= relayed <= 2  # everyone hears the first relay, bar a near tie
    assert relayed + cancelled == 7


def test_weaker_signal_relays_first() -> None:
    assert cw_for_snr(-20) == 3
    assert cw_for_snr(-5) == 5
    assert cw_for_snr(10) == 8
    assert cw_for_snr(30) == 8
    assert cw_for_utilisation(0) == 3
    assert cw_for_utilisation(100) == 8
    assert slot_seconds("LONG_FAST") == 0.028
    # Node 0 broadcasts; node 1 hears it at -15 dB, node 2 at +10 dB, and 1 and 2 hear
    # each other. Node 1 waits 16 + (0..7) slots, node 2 16 + (0..255), so node 1 relays
    # first nearly every time and node 2, hearing it, drops its own relay.
    weak_first = 0
    for seed in range(30):
        topo = Topology("v", 3, [(0, 1, Link(-15, 0)), (0, 2, Link(10, 0)), (1, 2, Link(0, 0))])
        mesh = LoraMesh(topo, seed)
        mesh.radios[0].send(b"x")
        mesh.run_until(60)
        weak, strong = mesh.radios[1].stats(), mesh.radios[2].stats()
        if weak.frames_relayed == 1 and strong.relays_cancelled == 1:
            weak_first += 1
    assert weak_first >= 27


def test_hidden_nodes_collide_at_the_middle() -> None:
    # 1 and 3 cannot hear each other, so listen-before-talk cannot help: both frames
    # overlap at 2 and are lost there.
    mesh = LoraMesh(chain(0.0, 0.0), seed=1)
    heard = listen(mesh)
    mesh.radios[0].send(bytes(200), hop_limit=0)
    mesh.radios[2].send(bytes(200), hop_limit=0)
    mesh.run_until(30)
    assert heard == []
    assert mesh.radios[1].stats().collisions == 2


def test_a_much_stronger_frame_is_captured() -> None:
    mesh = LoraMesh(chain(9.0, -5.0), seed=1, capture_db=6.0)
    heard = listen(mesh)
    mesh.radios[0].send(b"strong" * 30, hop_limit=0)
    mesh.radios[2].send(b"weak" * 30, hop_limit=0)
    mesh.run_until(30)
    assert [(nid, rx.sender) for _, nid, rx in heard] == [(2, 1)]
    assert mesh.radios[1].stats().collisions == 1


def test_listen_before_talk_defers_to_a_frame_in_progress() -> None:
    mesh = LoraMesh(clique(2, 0.0, random.Random(2)), seed=3)
    heard = listen(mesh)
    mesh.radios[0].send(bytes(200), hop_limit=0)
    mesh.schedule(0.5, lambda: mesh.radios[1].send(bytes(200), hop_limit=0))
    mesh.run_until(30)
    assert sorted((nid, rx.sender) for _, nid, rx in heard) == [(1, 2), (2, 1)]
    assert sum(r.stats().channel_busy_backoffs for r in mesh.radios) >= 1
    assert sum(r.stats().collisions for r in mesh.radios) == 0


def test_neighbours_starting_in_the_same_slot_cannot_hear_each_other() -> None:
    # Both draw a contention delay of 0..7 slots; when they land in the same slot, CAD
    # cannot see the other yet, both transmit, and neither hears the other (half duplex).
    overlapped = 0
    for seed in range(40):
        mesh = LoraMesh(clique(2, 0.0, random.Random(2)), seed=seed)
        heard = listen(mesh)
        for radio in mesh.radios:
            radio.send(bytes(200), hop_limit=0)
        mesh.run_until(30)
        deaf = sum(r.stats().deaf_while_sending for r in mesh.radios)
        assert len(heard) + deaf == 2
        overlapped += deaf == 2
    assert 0 < overlapped < 20


def test_switched_off_nodes_neither_hear_nor_send() -> None:
    mesh = LoraMesh(clique(3, 0.0, random.Random(5)), seed=6)
    heard = listen(mesh)
    mesh.power_off(2)
    assert not mesh.radios[2].connected
    with pytest.raises(RadioError, match="off"):
        mesh.radios[2].send(b"x")
    mesh.radios[0].send(b"while off", hop_limit=0)
    mesh.run_until(10)
    assert [nid for _, nid, _ in heard] == [2]
    mesh.power_on(2)
    mesh.radios[0].send(b"back on", hop_limit=0)
    mesh.run_until(20)
    assert sorted(nid for _, nid, rx in heard if rx.payload == b"back on") == [2, 3]


def test_switching_off_mid_frame_spoils_it() -> None:
    mesh = LoraMesh(clique(2, 0.0, random.Random(5)), seed=6)
    heard = listen(mesh)
    mesh.radios[0].send(bytes(200), hop_limit=0)
    mesh.schedule(1.0, mesh.power_off, 0)
    mesh.run_until(10)
    assert heard == []


def test_partitions_cut_links_until_healed() -> None:
    mesh = LoraMesh(line(3, 0.0, random.Random(5)), seed=6)
    heard = listen(mesh)
    mesh.partition([{0}, {1, 2}])
    mesh.radios[0].send(b"cut")
    mesh.radios[2].send(b"same side", hop_limit=0)
    mesh.run_until(30)
    assert [(nid, rx.payload) for _, nid, rx in heard] == [(2, b"same side")]
    mesh.heal()
    mesh.radios[0].send(b"healed")
    mesh.run_until(60)
    assert sorted(nid for _, nid, rx in heard if rx.payload == b"healed") == [2, 3]


def test_link_loss_drops_the_stated_share() -> None:
    mesh = LoraMesh(clique(2, 0.3, random.Random(5)), seed=8, duty_cycle=1.0)
    heard = listen(mesh)
    sender = mesh.radios[0]
    sent = [0]

    def next_frame() -> None:
        if sent[0] < 2000:
            sent[0] += 1
            sender.send(b"x", hop_limit=0)

    sender.on_sent(next_frame)
    next_frame()
    mesh.run_until(2 * HOUR)
    assert sent[0] == 2000
    assert len(heard) / 2000 == pytest.approx(0.7, abs=0.03)
    assert mesh.radios[1].stats().link_losses == 2000 - len(heard)


def test_duty_cycle_refuses_frames_past_the_limit() -> None:
    mesh = LoraMesh(clique(2, 0.0, random.Random(5)), seed=8, duty_cycle=0.10)
    sender = mesh.radios[0]
    sender.on_sent(lambda: sender.send(bytes(231), hop_limit=0))
    sender.send(bytes(231), hop_limit=0)
    mesh.run_until(HOUR)
    stats = sender.stats()
    assert stats.refused_duty_cycle == 1  # the chain stops at the first refusal
    frame = airtime_seconds(231)
    assert stats.airtime_sent == pytest.approx(stats.frames_sent * frame)
    assert 0.10 < mesh.worst_hour_share(0) <= 0.10 + frame / HOUR


def test_worst_hour_share_counts_a_sliding_window() -> None:
    mesh = LoraMesh(clique(2, 0.0, random.Random(5)), seed=8)
    radio = mesh.radios[0]
    # 100 s at t=0, 200 s at t=3000, 300 s at t=5000: the worst hour starts at 3000.
    radio.tx_log.extend([(0.0, 100.0), (3000.0, 200.0), (5000.0, 300.0)])
    assert mesh.worst_hour_share(0) == pytest.approx(500 / 3600)
    radio.tx_log[:] = [(0.0, 100.0), (3550.0, 200.0)]  # the second frame straddles the hour
    assert mesh.worst_hour_share(0) == pytest.approx(200 / 3600)


def test_queue_holds_sixteen_frames() -> None:
    mesh = LoraMesh(clique(2, 0.0, random.Random(5)), seed=8)
    for _ in range(20):
        mesh.radios[0].send(b"burst", hop_limit=0)
    mesh.run_until(60)
    stats = mesh.radios[0].stats()
    assert stats.refused_queue_full == 4
    assert stats.frames_sent == 16
