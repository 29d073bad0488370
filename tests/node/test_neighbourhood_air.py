"""MeshAir: flooding with a hop limit, loss, airtime delays, places, shutdown."""

from __future__ import annotations

import random
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

import pytest
from waiting import wait_until

from meshaid.hardware.fake_radio.air import BROADCAST_NUM, AirFrame
from meshaid.hardware.fake_radio.mesh_air import MeshAir, preset_name
from meshaid.hardware.sim.topology import Link, Topology, line
from meshaid.protocol.airtime import frame_airtime

LONG_FAST = 0  # Config.LoRaConfig.ModemPreset.LONG_FAST
SCALE = 100.0  # a 0.64 s frame is heard after 6.4 ms


@dataclass(eq=False)
class Ear:
    """A receiver that notes what it heard and when."""

    node_num: int
    heard: list[tuple[AirFrame, float]] = field(default_factory=list)
    event: threading.Event = field(default_factory=threading.Event)

    def hear(self, frame: AirFrame, rssi: float, snr: float) -> None:
        self.heard.append((frame, time.monotonic()))
        self.event.set()


def frame(sender: int, packet_id: int = 7, hop_limit: int = 3, dest: int = BROADCAST_NUM,
          size: int = 40) -> AirFrame:
    return AirFrame(sender=sender, dest=dest, packet_id=packet_id, hop_limit=hop_limit,
                    hop_start=hop_limit, want_ack=False, channel_hash=8, channel_key=b"k",
                    region=3, modem_preset=LONG_FAST, data=bytes(size))


def mesh(topology: Topology, seed: int = 1) -> tuple[MeshAir, list[Ear]]:
    air = MeshAir(topology, random.Random(seed), time_scale=SCALE, relay_window=0.1)
    ears = [Ear(0x100 + i) for i in range(topology.size)]
    for ear in ears:
        air.join(ear)
    return air, ears


def settle(air: MeshAir, seconds: float = 0.3) -> None:
    time.sleep(seconds)  # real time: the air delivers on its own thread


def test_a_frame_floods_down_a_line_one_hop_less_at_each_relay() -> None:
    air, ears = mesh(line(6, 0.0, random.Random(0)))
    with air:
        air.transmit(frame(ears[0].node_num, hop_limit=3))
        settle(air)
    best = [max((f.hop_limit for f, _ in ear.heard), default=None) for ear in ears]
    # Hop limit 3 means three relays: places 1, 2 and 3 send it on; 4 hears it with hop
    # limit 0 and stops there; 5 never hears it.
    assert best[1:] == [3, 2, 1, 0, None]
    assert air.counters.relays == 3
    assert air.counters.transmissions == 4
    # The sender hears its own frame relayed back (its device drops it), nothing more.
    assert [f.hop_limit for f, _ in ears[0].heard] == [2]


def test_each_place_relays_a_frame_once_however_often_it_hears_it() -> None:
    # A square: 0-1, 1-3, 0-2, 2-3. Place 3 hears the frame from 1 and from 2.
    ring = Topology("ring", 4, [(0, 1, Link(5, 0)), (1, 3, Link(5, 0)), (0, 2, Link(5, 0)),
                                (2, 3, Link(5, 0))])
    air, ears = mesh(ring)
    with air:
        air.transmit(frame(ears[0].node_num, hop_limit=3))
        settle(air)
    assert len(ears[3].heard) == 2  # from 1 and from 2
    assert air.counters.relays == 3  # 1, 2 and 3 once each


def test_the_destination_of_a_direct_frame_does_not_relay_it() -> None:
    air, ears = mesh(line(3, 0.0, random.Random(0)))
    with air:
        air.transmit(frame(ears[0].node_num, dest=ears[1].node_num))
        settle(air)
    assert len(ears[1].heard) == 1
    assert ears[2].heard == []
    assert air.counters.relays == 0


def test_a_frame_is_heard_after_its_airtime_divided_by_the_time_scale() -> None:
    air, ears = mesh(line(2, 0.0, random.Random(0)))
    sent = frame(ears[0].node_num, size=200)
    expected = frame_airtime(sent.phy_payload_len, preset_name(LONG_FAST)) / SCALE
    with air:
        start = time.monotonic()
        air.transmit(sent)
        assert ears[1].event.wait(2.0)
    delay = ears[1].heard[0][1] - start
    assert expected <= delay < expected + 0.1
    assert air.counters.airtime == pytest.approx(2 * expected * SCALE)  # 0 sends, 1 relays


def test_a_radio_sends_one_frame_at_a_time() -> None:
    # The air's own clock, moved by hand: what is heard when no longer depends on how
    # soon a busy machine runs the air's thread.
    now = [0.0]
    air = MeshAir(line(2, 0.0, random.Random(0)), random.Random(1), time_scale=SCALE,
                  relay_window=0.1, clock=lambda: now[0])
    ears = [Ear(0x100), Ear(0x101)]
    for ear in ears:
        air.join(ear)
    first, second = frame(ears[0].node_num, 1, 0), frame(ears[0].node_num, 2, 0)
    airtime = frame_airtime(first.phy_payload_len, "LONG_FAST") / SCALE
    with air:
        air.transmit(first)
        air.transmit(second)  # queued behind the first, on air once it ends
        now[0] = 1.5 * airtime
        wait_until(lambda: len(ears[1].heard) >= 1)
        time.sleep(0.05)  # room for a wrong second delivery; a right one cannot happen
        assert [f.packet_id for f, _ in ears[1].heard] == [1]
        now[0] = 2.5 * airtime
        wait_until(lambda: len(ears[1].heard) == 2)
    assert [f.packet_id for f, _ in ears[1].heard] == [1, 2]


def test_lossy_links_lose_about_their_share_with_a_seeded_rng() -> None:
    air, ears = mesh(line(2, 0.3, random.Random(0)), seed=5)
    with air:
        for packet_id in range(1, 201):
            air.transmit(frame(ears[0].node_num, packet_id, hop_limit=0, size=1))
        settle(air, 1.5)
    heard = len(ears[1].heard)
    assert heard + air.counters.lost == 200
    assert 110 <= heard <= 170  # 140 expected at 30 % loss


def test_reserved_places_and_a_full_topology() -> None:
    air = MeshAir(line(2, 0.0, random.Random(0)), random.Random(0), time_scale=SCALE)
    with air:
        a, b, c = Ear(1), Ear(2), Ear(3)
        air.reserve(2, 0)
        air.join(a)
        air.join(b)
        assert (air.place_of(a), air.place_of(b)) == (1, 0)
        with pytest.raises(ValueError, match="none free"):
            air.join(c)
        air.transmit(frame(c.node_num))  # not on the air: counted, not sent
        assert air.counters.unplaced == 1 and air.counters.transmissions == 0
        with pytest.raises(ValueError, match="no place 5"):
            air.reserve(9, 5)


def test_a_failing_receiver_is_counted_and_the_air_goes_on() -> None:
    class Broken(Ear):
        def hear(self, frame: AirFrame, rssi: float, snr: float) -> None:
            raise RuntimeError("boom")

    air = MeshAir(line(3, 0.0, random.Random(0)), random.Random(0), time_scale=SCALE)
    ears = [Ear(1), Broken(2), Ear(3)]
    with air:
        for ear in ears:
            air.join(ear)
        air.transmit(frame(1))
        assert ears[2].event.wait(2.0)
    assert air.counters.receiver_errors >= 1


def test_close_stops_the_thread_and_drops_frames_on_air() -> None:
    air = MeshAir(line(2, 0.0, random.Random(0)), random.Random(0), time_scale=0.01)
    ears = [Ear(1), Ear(2)]
    for ear in ears:
        air.join(ear)
    air.transmit(frame(1))  # 64 s away at this scale
    air.close()
    assert not air._thread.is_alive()
    assert ears[1].heard == []
    air.close()  # twice is fine


def test_the_command_line_builds_a_mesh_only_when_asked() -> None:
    from meshaid.hardware.fake_radio.__main__ import build_parser, make_air

    parser = build_parser()
    local, none = make_air(parser.parse_args(["--tcp", "0", "--count", "3"]))
    assert none is None and type(local).__name__ == "LocalAir"
    args = parser.parse_args(["--tcp", "0", "--count", "4", "--topology", "line", "--loss",
                              "0.1", "--time-scale", "20", "--seed", "3"])
    air, mesh_air = make_air(args)
    assert mesh_air is air and isinstance(air, MeshAir)
    with air:
        assert air.time_scale == 20.0
        assert air.topology.size == 4 and air.topology.diameter() == 3
        assert {link.loss for link in air.topology.neighbours(1).values()} == {0.1}


@pytest.mark.parametrize(("flags", "error"), [
    (["--loss", "1"], "a loss probability is in [0, 1)"),
    (["--loss", "x"], "'x' is not a number"),
    (["--time-scale", "0"], "must be above zero"),
    (["--topology", "star"], "invalid choice: 'star'"),
])
def test_the_command_line_refuses_bad_mesh_flags(
    flags: list[str], error: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from meshaid.hardware.fake_radio.__main__ import build_parser

    with pytest.raises(SystemExit):
        build_parser().parse_args(["--tcp", "0", *flags])
    assert error in capsys.readouterr().err


def test_the_command_line_serves_radios_on_a_mesh() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "meshaid.hardware.fake_radio", "--tcp", "0", "--count", "3",
         "--topology", "line", "--loss", "0.1", "--time-scale", "10"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(3)]
        assert all(re.match(r"fake radio !4d41000\d \(.*\) on tcp 127\.0\.0\.1:\d+$", line)
                   for line in lines), lines
        # The module installs its SIGTERM handler just after printing the lines: give it
        # that moment, or the signal's default action ends the process.
        time.sleep(0.5)
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0
    assert "line mesh of 3 radios, links 0-1, 1-2, loss 0.1, airtime / 10" in err


def test_a_radio_that_left_neither_hears_nor_relays() -> None:
    air, ears = mesh(line(3, 0.0, random.Random(0)))
    with air:
        air.leave(ears[1])
        air.transmit(frame(ears[0].node_num))
        settle(air)
    assert ears[1].heard == [] and ears[2].heard == []
    assert air.counters.relays == 0 and air.counters.delivered == 0
