"""A discrete-event simulation of a Meshtastic LoRa mesh, deterministic by seed.

Each node gets a SimRadio (a meshaid.hardware.radio.Radio); frames travel over the links
of a Topology in simulated time, with what the firmware and the physics add on the way:

* time on air from meshaid.protocol.airtime (16-byte header and Data wrapper counted);
* managed flooding (FloodingRouter.cpp): a node relays a frame it has not seen while its
  hop limit is above 0, after a delay that is shorter when the signal was weaker
  (``getTxDelayMsecWeighted``: 2*CWmax slots plus a random number of slots below
  2^CW, CW mapped from SNR -20..10 dB to 3..8), and drops its pending relay when it hears
  someone else relay the same packet first;
* a sender waits a random number of slots below 2^CW, CW mapped from the channel
  utilisation of the last minute (``getTxDelayMsec``), and backs off again while it hears
  a frame (listen before talk: channel activity detection sees any frame in range that
  started at least one slot earlier);
* half duplex: a node transmitting hears nothing;
* collisions: two frames overlapping at a receiver are both lost, unless one is at least
  ``capture_db`` stronger (a simple capture model: the stronger survives);
* per-link loss on top of that, nodes switched off and on (a reboot forgets the queue and
  the list of packets seen), and partitions that cut every link between groups;
* the regional duty cycle: a node refuses to queue a frame while its airtime in the last
  hour is over the limit (``Router::send``, DUTY_CYCLE_LIMIT), own frames and relays alike.

Not modelled: ACKs and retries of direct messages, next-hop routing, router roles, the
hop-limit "upgrade" of a queued relay, propagation delay, interference from outside the
mesh. The clock is simulated: nothing here reads real time or sleeps.
"""

from __future__ import annotations

import heapq
import random
from collections import deque
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from meshaid.hardware.radio import (
    BROADCAST,
    PayloadTooLargeError,
    RadioAddressError,
    RadioInfo,
    RadioMetrics,
    RadioNotConnectedError,
    RadioStatus,
    ReceiveCallback,
    Received,
    StatusCallback,
    checked_pins,
)
from meshaid.hardware.sim.topology import Link, Topology
from meshaid.protocol import airtime
from meshaid.protocol.errors import UsageError

CW_MIN = 3  # RadioInterface.h
CW_MAX = 8
SNR_MIN_DB = -20  # RadioInterface::getCWsize
SNR_MAX_DB = 10
DEFAULT_HOP_LIMIT = 3  # the firmware default; 7 at most
MAX_HOP_LIMIT = 7
TEXT_MTU = 200  # what the phone app shows of one message
TX_QUEUE_LEN = 16  # MAX_TX_QUEUE
UTIL_WINDOW = 60.0  # channel utilisation is taken over the last minute (airtime.h)
UTIL_SNAPSHOT_SECONDS = 10.0
SEEN_SECONDS = 600.0  # how long a node remembers a packet id (a model choice)
HOUR = 3600.0


def slot_seconds(preset: str | airtime.Preset) -> float:
    """``computeSlotTimeMsec``: CAD (2.5 symbols) + 0.2 ms propagation + 0.4 ms turnaround
    + 7 ms MAC processing, truncated to whole milliseconds as the firmware stores it."""
    p = airtime.preset_named(preset)
    return int(2.5 * p.symbol_seconds * 1000 + 0.2 + 0.4 + 7) / 1000.0


def _arduino_map(x: float, in_min: int, in_max: int, out_min: int, out_max: int) -> int:
    """Arduino's integer ``map``: the value is truncated first and the quotient toward 0."""
    num = (int(x) - in_min) * (out_max - out_min)
    den = in_max - in_min
    quotient = abs(num) // den
    return (quotient if num >= 0 else -quotient) + out_min


def cw_for_snr(snr: float) -> int:
    return min(max(_arduino_map(snr, SNR_MIN_DB, SNR_MAX_DB, CW_MIN, CW_MAX), CW_MIN), CW_MAX)


def cw_for_utilisation(percent: float) -> int:
    return min(max(_arduino_map(percent, 0, 100, CW_MIN, CW_MAX), CW_MIN), CW_MAX)


class _Packet:
    __slots__ = ("airtime", "dest", "hop_limit", "hop_start", "packet_id", "payload", "phy_bytes",
                 "src")

    def __init__(self, src: int, dest: int | None, packet_id: int, hop_limit: int,
                 hop_start: int, payload: bytes, phy_bytes: int, airtime: float) -> None:
        self.src = src
        self.dest = dest
        self.packet_id = packet_id
        self.hop_limit = hop_limit
        self.hop_start = hop_start
        self.payload = payload
        self.phy_bytes = phy_bytes
        self.airtime = airtime

    def relayed(self) -> _Packet:
        return _Packet(self.src, self.dest, self.packet_id, self.hop_limit - 1, self.hop_start,
                       self.payload, self.phy_bytes, self.airtime)


class _Queued:
    __slots__ = ("packet", "ready", "relay")

    def __init__(self, packet: _Packet, ready: float, relay: bool) -> None:
        self.packet = packet
        self.ready = ready
        self.relay = relay


class _Tx:
    __slots__ = ("arrivals", "end", "packet", "queued", "sender", "start")

    def __init__(self, sender: SimRadio, queued: _Queued, start: float) -> None:
        self.sender = sender
        self.queued = queued
        self.packet = queued.packet
        self.start = start
        self.end = start + queued.packet.airtime
        self.arrivals: list[_Arrival] = []


class _Arrival:
    __slots__ = ("link", "ok", "receiver", "tx")

    def __init__(self, tx: _Tx, receiver: SimRadio, link: Link) -> None:
        self.tx = tx
        self.receiver = receiver
        self.link = link
        self.ok = True


@dataclass(frozen=True)
class RadioStats:
    """What one node's radio did during a run."""

    frames_sent: int  # own frames put on air
    frames_relayed: int  # other nodes' frames rebroadcast
    airtime_sent: float  # seconds on air, own frames and relays
    bytes_sent: int  # LoRa PHY bytes on air, header included
    frames_received: int  # frames handed to the application
    duplicates: int  # frames heard again after the first copy
    relays_cancelled: int  # pending relays dropped on hearing another node's relay
    collisions: int  # arrivals lost to an overlapping frame
    deaf_while_sending: int  # arrivals lost because this node was transmitting
    link_losses: int  # clean arrivals lost to the link's loss probability
    refused_duty_cycle: int  # frames refused because the last hour was over the duty cycle
    refused_queue_full: int  # frames refused because the TX queue was full
    channel_busy_backoffs: int  # transmissions deferred because the channel was busy
    channel_busy_seconds: float  # airtime heard or sent (summed, as the firmware counts it)


class SimRadio:
    """One node's radio in a LoraMesh: the firmware's view of the air, and a Radio."""

    def __init__(self, mesh: LoraMesh, index: int, node_id: int, mtu: int) -> None:
        self._mesh = mesh
        self.index = index
        self._node_id = node_id
        self._mtu = mtu
        self.on = True
        self.transmitting: _Tx | None = None
        self.arriving: list[_Arrival] = []
        self.queue: list[_Queued] = []
        self.own_pending = 0  # own frames queued or on air
        self.seen: dict[tuple[int, int], float] = {}
        self.callback: ReceiveCallback | None = None
        self.sent_callback: Callable[[], None] | None = None
        self.status_callback: StatusCallback | None = None
        self.text_callback: ReceiveCallback | None = None
        self.texts_sent: list[tuple[int, str]] = []  # (dest, text): the mesh carries no texts
        self.pinned: dict[int, bytes] = {}  # what pin_keys was last given
        self.attempt_version = 0
        self.attempt_at: float | None = None
        self.hour_log: deque[tuple[float, float]] = deque()
        self.hour_sum = 0.0
        self.util_marks: deque[tuple[float, float]] = deque([(0.0, 0.0)])
        self.tx_log: list[tuple[float, float]] = []
        self.counts = dict.fromkeys(
            ("frames_sent", "frames_relayed", "bytes_sent", "frames_received", "duplicates",
             "relays_cancelled", "collisions", "deaf_while_sending", "link_losses",
             "refused_duty_cycle", "refused_queue_full", "channel_busy_backoffs"), 0)
        self.airtime_sent = 0.0
        self.busy_seconds = 0.0

    # -- the Radio interface ------------------------------------------------------------

    @property
    def node_id(self) -> int:
        return self._node_id

    @property
    def mtu(self) -> int:
        return self._mtu

    @property
    def connected(self) -> bool:
        return self.on

    @property
    def text_mtu(self) -> int:
        return TEXT_MTU

    @property
    def status(self) -> str:
        return "on" if self.on else "switched off"

    @property
    def address(self) -> str:
        return f"sim:{self.index}"

    @property
    def info(self) -> RadioInfo | None:
        return None

    @property
    def metrics(self) -> RadioMetrics:
        # The firmware's channel utilisation is not modelled as a reading (CAD and the
        # contention window are): the pump's channel manners never hold frames here.
        return RadioMetrics()

    @property
    def pending(self) -> int:
        return self.own_pending

    def ready(self) -> bool:
        """On, and none of its own frames queued or on air (as the firmware's queue shows)."""
        return self.on and self.own_pending == 0

    def send(self, payload: bytes, dest: int | None = BROADCAST, *,
             hop_limit: int | None = None) -> None:
        if not self.on:
            raise RadioNotConnectedError(f"node {self._node_id:#x} is switched off")
        if len(payload) > self._mtu:
            raise PayloadTooLargeError(
                f"payload of {len(payload)} bytes is over the MTU of {self._mtu}")
        if dest == self._node_id:
            raise RadioAddressError("a radio cannot send to itself")
        hops = self._mesh.hop_limit if hop_limit is None else hop_limit
        if not 0 <= hops <= MAX_HOP_LIMIT:
            raise RadioAddressError(f"hop limit must be 0..{MAX_HOP_LIMIT}, not {hop_limit}")
        self._mesh._send_own(self, bytes(payload), dest, hops)

    def send_text(self, text: str, dest: int) -> None:
        """Kept in ``texts_sent``: the simulated neighbourhood has no phones on air."""
        if not self.on:
            raise RadioNotConnectedError(f"node {self._node_id:#x} is switched off")
        if len(text.encode("utf-8")) > TEXT_MTU:
            raise PayloadTooLargeError(f"text over the {TEXT_MTU}-byte limit")
        self.texts_sent.append((dest, text))

    def pin_keys(self, keys: Mapping[int, bytes]) -> None:
        """Kept in ``pinned``: the simulated mesh carries no direct messages to open."""
        self.pinned = checked_pins(keys)

    def on_receive(self, callback: ReceiveCallback) -> None:
        self.callback = callback

    def on_text(self, callback: ReceiveCallback) -> None:
        self.text_callback = callback

    def on_status(self, callback: StatusCallback) -> None:
        """Called when the node is switched on or off, and when an own frame left the air."""
        self.status_callback = callback

    def _status_changed(self) -> None:
        if self.status_callback is not None:
            self.status_callback(RadioStatus(self.on, self.status))

    # -- for the simulation's driver ----------------------------------------------------

    def on_sent(self, callback: Callable[[], None] | None) -> None:
        """Call ``callback`` each time one of this node's own frames has left the air."""
        self.sent_callback = callback

    def stats(self) -> RadioStats:
        return RadioStats(**self.counts, airtime_sent=self.airtime_sent,
                          channel_busy_seconds=self.busy_seconds)


class LoraMesh:
    """The simulated air, clock and event queue of a whole mesh."""

    def __init__(
        self,
        topology: Topology,
        seed: int | random.Random = 0,
        *,
        preset: str = airtime.DEFAULT_PRESET,
        hop_limit: int = DEFAULT_HOP_LIMIT,
        duty_cycle: float = 0.10,
        capture_db: float | None = 6.0,
        node_ids: Sequence[int] | None = None,
        mtu: int = airtime.MAX_APP_PAYLOAD,
    ) -> None:
        if not 0 <= hop_limit <= MAX_HOP_LIMIT:
            raise UsageError(f"hop limit must be 0..{MAX_HOP_LIMIT}")
        if not 0 < duty_cycle <= 1:
            raise UsageError("duty cycle must be in (0, 1]")
        if not 0 < mtu <= airtime.MAX_APP_PAYLOAD:
            raise UsageError(f"MTU must be 1..{airtime.MAX_APP_PAYLOAD}")
        self.topology = topology
        self.rng = seed if isinstance(seed, random.Random) else random.Random(seed)
        self.preset = airtime.preset_named(preset)
        self.slot = slot_seconds(self.preset)
        self.hop_limit = hop_limit
        self.duty_cycle = duty_cycle
        self.capture_db = capture_db
        self.now = 0.0
        self._queue: list[tuple[float, int, Callable[..., None], tuple[Any, ...]]] = []
        self._seq = 0
        ids = list(node_ids) if node_ids is not None else [i + 1 for i in range(topology.size)]
        if len(ids) != topology.size or len(set(ids)) != len(ids):
            raise UsageError("node_ids must name every node once")
        self.radios = [SimRadio(self, i, ids[i], mtu) for i in range(topology.size)]
        self._by_id = {r.node_id: r for r in self.radios}
        self._neighbours = [
            [(self.radios[j], link) for j, link in sorted(topology.neighbours(i).items())]
            for i in range(topology.size)
        ]
        self._group: list[int] | None = None
        self._airtime = [airtime.airtime_seconds(n, self.preset) for n in range(mtu + 1)]
        self._phy = [airtime.phy_payload_bytes(n) for n in range(mtu + 1)]
        self.hourly_airtime: list[float] = []

    # -- clock and events ----------------------------------------------------------------

    def schedule(self, at: float, fn: Callable[..., None], *args: Any) -> None:
        """Run ``fn(*args)`` at simulated time ``at`` (now, if ``at`` is in the past)."""
        self._seq += 1
        heapq.heappush(self._queue, (max(at, self.now), self._seq, fn, args))

    def run_until(self, until: float) -> None:
        """Process every event up to ``until``, then set the clock to ``until``."""
        queue = self._queue
        while queue and queue[0][0] <= until:
            at, _, fn, args = heapq.heappop(queue)
            self.now = at
            fn(*args)
        self.now = max(self.now, until)

    def airtime_of(self, payload_bytes: int) -> float:
        """Seconds on air of a frame carrying ``payload_bytes`` (up to the MTU)."""
        return self._airtime[payload_bytes]

    def radio(self, node_id: int) -> SimRadio:
        return self._by_id[node_id]

    # -- the world changing ---------------------------------------------------------------

    def power_off(self, index: int) -> None:
        """Switch a node off: it stops hearing and sending; its queue and memory are lost."""
        r = self.radios[index]
        if not r.on:
            return
        r.on = False
        r.queue.clear()
        r.own_pending = 0
        r.seen.clear()
        r.attempt_version += 1
        r.attempt_at = None
        for arr in r.arriving:
            arr.ok = False
        if r.transmitting is not None:
            for arr in r.transmitting.arrivals:
                arr.ok = False  # cut off mid-frame: the receivers get garbage
        r._status_changed()

    def power_on(self, index: int) -> None:
        self.radios[index].on = True
        self.radios[index]._status_changed()

    def partition(self, groups: Sequence[Collection[int]]) -> None:
        """Cut every link between different groups; nodes in no group form one more group."""
        group = [len(groups)] * self.topology.size
        for gid, members in enumerate(groups):
            for index in members:
                if not 0 <= index < self.topology.size:
                    raise UsageError(f"no node {index} in this mesh")
                group[index] = gid
        self._group = group

    def heal(self) -> None:
        self._group = None

    # -- transmit path --------------------------------------------------------------------

    def _hour_share(self, r: SimRadio) -> float:
        log = r.hour_log
        horizon = self.now - HOUR
        while log and log[0][0] < horizon:
            r.hour_sum -= log.popleft()[1]
        return r.hour_sum / HOUR

    def _utilisation_percent(self, r: SimRadio) -> float:
        # Busy seconds are a running total; marks of it every 10 s give the last minute's
        # share to within one mark, as the firmware's six 10-second periods do.
        marks = r.util_marks
        now = self.now
        if now - marks[-1][0] >= UTIL_SNAPSHOT_SECONDS:
            marks.append((now, r.busy_seconds))
        while len(marks) > 1 and marks[1][0] <= now - UTIL_WINDOW:
            marks.popleft()
        since, busy_then = marks[0]
        span = max(now - since, UTIL_WINDOW)
        return 100.0 * (r.busy_seconds - busy_then) / span

    def _tx_delay(self, r: SimRadio) -> float:
        cw = cw_for_utilisation(self._utilisation_percent(r))
        return self.rng.randrange(2**cw) * self.slot

    def _send_own(self, r: SimRadio, payload: bytes, dest: int | None, hops: int) -> None:
        size = len(payload)
        packet = _Packet(r.node_id, dest, self.rng.randrange(1, 2**32), hops, hops, payload,
                         self._phy[size], self._airtime[size])
        r.seen[(packet.src, packet.packet_id)] = self.now
        if self._enqueue(r, packet, self.now + self._tx_delay(r), relay=False):
            r.own_pending += 1

    def _enqueue(self, r: SimRadio, packet: _Packet, ready: float, relay: bool) -> bool:
        if self.duty_cycle < 1 and self._hour_share(r) > self.duty_cycle:
            r.counts["refused_duty_cycle"] += 1
            return False
        if len(r.queue) >= TX_QUEUE_LEN:
            r.counts["refused_queue_full"] += 1
            return False
        r.queue.append(_Queued(packet, ready, relay))
        if r.transmitting is None and (r.attempt_at is None or ready < r.attempt_at):
            self._arm(r, ready)
        return True

    def _arm(self, r: SimRadio, at: float) -> None:
        r.attempt_version += 1
        r.attempt_at = at
        self.schedule(at, self._attempt, r, r.attempt_version)

    def _attempt(self, r: SimRadio, version: int) -> None:
        if version != r.attempt_version or not r.on or r.transmitting is not None:
            return
        r.attempt_at = None
        queue = r.queue
        if not queue:
            return
        head = queue[0]
        for q in queue:
            if q.ready < head.ready:
                head = q
        if head.ready > self.now:
            self._arm(r, head.ready)
            return
        if r.arriving and self._channel_busy(r):
            # Listen before talk: the channel is busy, so wait a CAD slot and a fresh
            # random contention delay (startTransmitTimer after isChannelActive).
            r.counts["channel_busy_backoffs"] += 1
            self._arm(r, self.now + self.slot + self._tx_delay(r))
            return
        queue.remove(head)
        self._start_tx(r, head)

    def _channel_busy(self, r: SimRadio) -> bool:
        # Channel activity detection needs a slot (the firmware's definition of a slot: the
        # time to detect that a transmission has started), so two nodes that start within
        # one slot of each other both see a free channel and collide.
        detectable = self.now - self.slot
        return any(arr.tx.start <= detectable for arr in r.arriving)

    def _start_tx(self, r: SimRadio, queued: _Queued) -> None:
        packet = queued.packet
        tx = _Tx(r, queued, self.now)
        r.transmitting = tx
        for arr in r.arriving:
            if arr.ok:
                arr.ok = False
                r.counts["deaf_while_sending"] += 1
        r.counts["frames_relayed" if queued.relay else "frames_sent"] += 1
        r.counts["bytes_sent"] += packet.phy_bytes
        r.airtime_sent += packet.airtime
        r.hour_log.append((self.now, packet.airtime))
        r.hour_sum += packet.airtime
        r.tx_log.append((self.now, packet.airtime))
        r.busy_seconds += packet.airtime
        hour = int(self.now // HOUR)
        while len(self.hourly_airtime) <= hour:
            self.hourly_airtime.append(0.0)
        self.hourly_airtime[hour] += packet.airtime
        group = self._group
        capture = self.capture_db
        seconds = packet.airtime
        arrivals = tx.arrivals
        mine = r.index
        for j, link in self._neighbours[mine]:
            if not j.on or (group is not None and group[j.index] != group[mine]):
                continue
            arr = _Arrival(tx, j, link)
            if j.transmitting is not None:
                arr.ok = False
                j.counts["deaf_while_sending"] += 1
            if j.arriving:
                for other in j.arriving:
                    self._overlap(arr, other, capture)
            j.arriving.append(arr)
            arrivals.append(arr)
            j.busy_seconds += seconds
        self.schedule(tx.end, self._end_tx, tx)

    @staticmethod
    def _overlap(new: _Arrival, old: _Arrival, capture: float | None) -> None:
        j = new.receiver
        new_wins = capture is not None and new.link.snr >= old.link.snr + capture
        old_wins = capture is not None and old.link.snr >= new.link.snr + capture
        if not old_wins and old.ok:
            old.ok = False
            j.counts["collisions"] += 1
        if not new_wins and new.ok:
            new.ok = False
            j.counts["collisions"] += 1

    def _end_tx(self, tx: _Tx) -> None:
        r = tx.sender
        r.transmitting = None
        rng = self.rng
        for arr in tx.arrivals:
            j = arr.receiver
            j.arriving.remove(arr)
            if not arr.ok or not j.on:
                continue
            if arr.link.loss and rng.random() < arr.link.loss:
                j.counts["link_losses"] += 1
                continue
            self._deliver(j, tx.packet, arr.link)
        if not tx.queued.relay and r.on:
            r.own_pending -= 1
            if r.sent_callback is not None:
                r.sent_callback()
            r._status_changed()
        if r.on and r.queue and r.transmitting is None:
            # startTransmitTimer after a send: a fresh contention delay before the next.
            self._arm(r, self.now + self._tx_delay(r))

    def _deliver(self, j: SimRadio, packet: _Packet, link: Link) -> None:
        key = (packet.src, packet.packet_id)
        seen = j.seen
        if key in seen:
            j.counts["duplicates"] += 1
            if j.queue:
                # Managed flooding: someone else relayed it, so ours would be redundant.
                src, pid = key
                keep = [q for q in j.queue
                        if not (q.relay and q.packet.src == src and q.packet.packet_id == pid)]
                if len(keep) != len(j.queue):
                    j.counts["relays_cancelled"] += len(j.queue) - len(keep)
                    j.queue[:] = keep
            return
        if len(seen) > 4096:
            horizon = self.now - SEEN_SECONDS
            j.seen = seen = {k: t for k, t in seen.items() if t >= horizon}
        seen[key] = self.now
        if packet.dest != j.node_id and packet.hop_limit > 0:
            delay = (2 * CW_MAX + self.rng.randrange(2 ** cw_for_snr(link.snr))) * self.slot
            self._enqueue(j, packet.relayed(), self.now + delay, relay=True)
        if (packet.dest is None or packet.dest == j.node_id) and j.callback is not None:
            j.counts["frames_received"] += 1
            j.callback(Received(
                payload=packet.payload, sender=packet.src, rssi=link.rssi, snr=link.snr,
                channel=0, dest=packet.dest, hops=packet.hop_start - packet.hop_limit,
            ))

    # -- results --------------------------------------------------------------------------

    def worst_hour_share(self, index: int) -> float:
        """The node's largest airtime on air in any sliding hour, as a share of the hour."""
        return worst_window_share(self.radios[index].tx_log, HOUR)


def worst_window_share(log: Sequence[tuple[float, float]], window: float) -> float:
    """The largest share of any ``window`` seconds taken by the (start, seconds) spans in
    ``log`` (sorted by start). Windows start at each span; a span that runs past the end
    of a window counts only for its part inside."""
    n = len(log)
    best = total = 0.0
    end = 0
    for start, seconds in log:
        horizon = start + window
        while end < n and log[end][0] + log[end][1] <= horizon:
            total += log[end][1]
            end += 1
        partial = horizon - log[end][0] if end < n and log[end][0] < horizon else 0.0
        best = max(best, total + partial)
        total -= seconds  # this span leaves the window before the next one starts
    return best / window
