"""A lossy multi-hop LoRa mesh in real time, as an ``Air`` for fake radios.

``LocalAir`` lets every radio hear every other at once; ``MeshAir`` puts the radios on a
``Topology`` (meshaid.hardware.sim.topology: who hears whom, and each link's loss) and moves
frames the way a Meshtastic mesh floods them:

* a frame is heard by the sender's neighbours once its LoRa airtime has passed
  (meshaid.protocol.airtime, for the frame's preset), divided by ``time_scale`` so that a
  demo of minutes fits in seconds; a radio sends one frame at a time, so its frames queue
  behind each other;
* each link loses a frame with its loss probability, drawn from a seeded random.Random;
* a radio that hears a frame for the first time (by sender and packet id) and is not its
  destination sends it on once, with the hop limit one lower, when the hop limit was above
  zero; after a short random wait (a shortened form of the firmware's contention window:
  the cancel-on-overhear refinement of managed flooding is not modelled); a radio with a
  ``may_relay(frame)`` (a FakeDevice) is asked first, and past its duty cycle it does not;
* there are no collisions and no half-duplex deafness: two frames on air at once are both
  heard. What this air exercises is loss and hops, not contention (hardware/sim/lorasim.py
  models that, in simulated time).

Radios take the topology's free places in the order they join, unless ``reserve`` gave
them one.
One thread delivers frames when they are due; ``close`` stops it. Receivers are called
from that thread, outside the air's lock, so a receiver may transmit from inside ``hear``.
"""

from __future__ import annotations

import dataclasses
import heapq
import itertools
import logging
import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from meshtastic.protobuf import config_pb2

from meshaid.hardware.fake_radio.air import AirFrame, Receiver
from meshaid.hardware.sim.topology import Link, Topology
from meshaid.protocol.airtime import DEFAULT_PRESET, PRESETS, frame_airtime

LoRaConfig = config_pb2.Config.LoRaConfig
logger = logging.getLogger(__name__)

# How many (sender, packet id) pairs each place remembers, to relay a frame only once;
# the firmware's PacketHistory keeps a similar few hundred.
SEEN_PER_NODE = 512
# Longest wait before a relay, in unscaled seconds. The firmware waits a random number of
# slots of a contention window that grows with SNR; a few hundred ms on LONG_FAST.
RELAY_WINDOW = 0.5


@dataclass
class MeshAirCounters:
    """What the air did, for tests and the demo's summary."""

    transmissions: int = 0  # frames put on air, originals and relays
    relays: int = 0
    delivered: int = 0  # frame arrivals handed to a receiver
    lost: int = 0  # arrivals dropped by link loss
    unplaced: int = 0  # frames from a radio with no place in the topology
    airtime: float = 0.0  # unscaled seconds of airtime, all transmissions
    receiver_errors: int = 0


@dataclass(order=True)
class _Due:
    at: float
    order: int
    place: int = dataclasses.field(compare=False)
    frame: AirFrame = dataclasses.field(compare=False)
    link: Link = dataclasses.field(compare=False)


def preset_name(modem_preset: int) -> str:
    """The airtime table's name for a Config.LoRaConfig.ModemPreset value."""
    name = str(LoRaConfig.ModemPreset.Name(modem_preset))
    return name if name in PRESETS else DEFAULT_PRESET


class MeshAir:
    """Fake radios on ``topology``, flooding, with loss, in (scaled) real time."""

    def __init__(
        self,
        topology: Topology,
        rng: random.Random,
        *,
        time_scale: float = 10.0,
        relay_window: float = RELAY_WINDOW,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if time_scale <= 0:
            raise ValueError(f"time_scale must be above zero, not {time_scale}")
        self.topology = topology
        self.time_scale = time_scale
        self.relay_window = relay_window
        self.counters = MeshAirCounters()
        self._rng = rng
        self._clock = clock
        self._places: list[Receiver | None] = [None] * topology.size
        self._reserved: dict[int, int] = {}  # node number -> place
        self._seen: list[OrderedDict[tuple[int, int], None]] = [
            OrderedDict() for _ in range(topology.size)
        ]
        self._busy_until = [0.0] * topology.size
        self._due: list[_Due] = []
        self._order = itertools.count()
        self._lock = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="mesh-air", daemon=True)
        self._thread.start()

    # -- Air ------------------------------------------------------------------------------

    def join(self, radio: Receiver) -> None:
        with self._lock:
            if radio in self._places:
                return
            place = self._reserved.get(radio.node_num)
            if place is None:
                free = [
                    p for p, r in enumerate(self._places)
                    if r is None and p not in self._reserved.values()
                ]
                if not free:
                    raise ValueError(
                        f"the {self.topology.name} topology has {self.topology.size} places, "
                        "none free"
                    )
                place = free[0]
            elif self._places[place] is not None:
                raise ValueError(f"place {place} is taken")
            self._places[place] = radio

    def reserve(self, node_num: int, place: int) -> None:
        """The radio ``node_num`` takes ``place`` when it joins (others skip that place)."""
        with self._lock:
            if not 0 <= place < self.topology.size:
                raise ValueError(f"no place {place} in a topology of {self.topology.size}")
            if place in self._reserved.values() or self._places[place] is not None:
                raise ValueError(f"place {place} is taken")
            self._reserved[node_num] = place

    def leave(self, radio: Receiver) -> None:
        with self._lock:
            if radio in self._places:
                self._places[self._places.index(radio)] = None

    def transmit(self, frame: AirFrame) -> None:
        with self._lock:
            place = self._place_of(frame.sender)
            if place is None:
                self.counters.unplaced += 1
                return
            self._remember(place, frame)
            self._send(place, frame, self._clock())

    # -- the rest -------------------------------------------------------------------------

    def place_of(self, radio: Receiver) -> int | None:
        with self._lock:
            return self._places.index(radio) if radio in self._places else None

    def close(self) -> None:
        """Stop delivering; frames still on air are dropped."""
        with self._lock:
            self._closed = True
            self._due.clear()
            self._lock.notify_all()
        if self._thread is not threading.current_thread():
            self._thread.join()

    def __enter__(self) -> MeshAir:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _place_of(self, node_num: int) -> int | None:
        for place, radio in enumerate(self._places):
            if radio is not None and radio.node_num == node_num:
                return place
        return None

    def _remember(self, place: int, frame: AirFrame) -> bool:
        """Note that ``place`` has the frame; False when it had it already."""
        seen = self._seen[place]
        key = (frame.sender, frame.packet_id)
        if key in seen:
            return False
        seen[key] = None
        while len(seen) > SEEN_PER_NODE:
            seen.popitem(last=False)
        return True

    def _send(self, place: int, frame: AirFrame, earliest: float) -> None:
        """Put ``frame`` on air from ``place`` (lock held): its neighbours hear it later."""
        seconds = frame_airtime(frame.phy_payload_len, preset_name(frame.modem_preset))
        start = max(earliest, self._busy_until[place])
        end = start + seconds / self.time_scale
        self._busy_until[place] = end
        self.counters.transmissions += 1
        self.counters.airtime += seconds
        for neighbour, link in self.topology.neighbours(place).items():
            if self._rng.random() < link.loss:
                self.counters.lost += 1
                continue
            heapq.heappush(self._due, _Due(end, next(self._order), neighbour, frame, link))
        self._lock.notify_all()

    def _arrive(self, due: _Due, now: float) -> Receiver | None:
        """The frame reached ``due.place`` (lock held): relay it if new; who hears it."""
        frame = due.frame
        radio = self._places[due.place]
        new = self._remember(due.place, frame)
        # An empty place hears nothing and relays nothing; the destination keeps the frame.
        if radio is None:
            return None
        relays = new and frame.hop_limit > 0 and frame.dest != radio.node_num
        if relays and _may_relay(radio, frame):
            relayed = dataclasses.replace(frame, hop_limit=frame.hop_limit - 1)
            wait = self._rng.uniform(0.0, self.relay_window) / self.time_scale
            self.counters.relays += 1
            self._send(due.place, relayed, now + wait)
        self.counters.delivered += 1
        return radio

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._closed and (not self._due or self._due[0].at > self._clock()):
                    timeout = self._due[0].at - self._clock() if self._due else None
                    self._lock.wait(timeout)
                if self._closed:
                    return
                now = self._clock()
                arrivals: list[tuple[Receiver, _Due]] = []
                while self._due and self._due[0].at <= now:
                    due = heapq.heappop(self._due)
                    radio = self._arrive(due, now)
                    if radio is not None:
                        arrivals.append((radio, due))
            for radio, due in arrivals:
                try:
                    radio.hear(due.frame, due.link.rssi, due.link.snr)
                except Exception:  # one broken receiver must not silence the whole air
                    with self._lock:
                        self.counters.receiver_errors += 1
                    logger.exception("radio !%08x failed on a frame", radio.node_num)


def _may_relay(radio: Receiver, frame: AirFrame) -> bool:
    # Lock order: the air's lock, then the device's (a device never calls the air holding
    # its own lock).
    ask = getattr(radio, "may_relay", None)
    return True if ask is None else bool(ask(frame))
