"""The Radio interface on a real Meshtastic device, over the unmodified ``meshtastic`` library.

``MeshtasticRadio`` connects by USB serial (``/dev/ttyUSB*``/``/dev/ttyACM*``, found on its
own when exactly one exists) or TCP (``host[:port]``, port 4403 by default), sends our
gossip frames on PRIVATE_APP (256) on one channel and residents' texts as direct messages
on TEXT_MESSAGE_APP (1), and hands what it receives to the daemon's asyncio loop.

What the firmware does to a client, and what this module does about it:

* it holds at most 16 packets to transmit and says how many slots are free in a
  QueueStatus after each packet from the client (and after a heartbeat): we keep our own
  queue and hand it a packet only while a slot is free, asking with a heartbeat when full;
* it takes one text per 2 s from the client, refusing others with a RATE_LIMIT_EXCEEDED
  NAK: texts are paced, and a refused one waits and goes again;
* past the regional duty cycle it refuses with DUTY_CYCLE_LIMIT: everything waits, for
  longer each time it happens again, and goes again;
* TOO_LARGE cannot succeed on a retry: the packet is dropped and counted.

Nothing handed to ``send`` is lost to a refusal or to the link going down: packets the
radio had not confirmed go back to the front of the queue. When the device is unplugged,
reset, or the TCP connection drops, ``connected`` turns False, ``status`` says why, and a
worker thread reconnects with exponential backoff (1, 2, 4, ... 60 s by default).

The library does the connection, the config handshake, the node DB and the framing. It
does not publish some things we need (queue status, the end of the config download, the
end of a link), and its own packet sending can block for good (see ``_LinkHooks``): we
subclass its interface classes to hear the former and to write packets with its framing
writer ourselves. Received packets come through its pypubsub topics, which are
process-wide, so every handler checks which interface a message is from.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import logging
import os
import random
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from meshtastic.protobuf import channel_pb2, config_pb2, mesh_pb2, portnums_pb2, telemetry_pb2
from meshtastic.serial_interface import SerialInterface
from meshtastic.tcp_interface import DEFAULT_TCP_PORT, TCPInterface
from meshtastic.util import DEFAULT_KEY
from pubsub import pub

from meshaid.hardware.radio import (
    BROADCAST,
    BROADCAST_NUM,
    RadioError,
    ReceiveCallback,
    Received,
)
from meshaid.protocol import airtime

logger = logging.getLogger(__name__)

PortNum = portnums_pb2.PortNum
RoutingError = mesh_pb2.Routing.Error
LoRaConfig = config_pb2.Config.LoRaConfig

GOSSIP_PORT = PortNum.PRIVATE_APP  # 256: ours, never throttled by the firmware
TEXT_PORT = PortNum.TEXT_MESSAGE_APP  # 1: what residents' phones read and write
MTU = airtime.MAX_APP_PAYLOAD  # 231 bytes on port 256 (see meshaid.protocol.airtime)
PKC_OVERHEAD = 12  # MESHTASTIC_PKC_OVERHEAD: a DM to a node with a known key is PKI-encrypted
MAX_HOP_LIMIT = 7
ERRNO_UNKNOWN = 32  # QueueStatus.res when the firmware's TX queue was full
SERIAL_PATTERNS = ("/dev/ttyUSB*", "/dev/ttyACM*")


def _largest_text() -> int:
    size = airtime.MAX_PHY_PAYLOAD
    while airtime.phy_payload_bytes(size, TEXT_PORT) + PKC_OVERHEAD > airtime.MAX_PHY_PAYLOAD:
        size -= 1
    return size


TEXT_MTU = _largest_text()  # 220 bytes of UTF-8 in one PKI-encrypted direct message

# DisplayFormatters::getModemPresetDisplayName: the name a channel with no name of its
# own shows (and hashes) as.
_PRESET_NAMES = {
    LoRaConfig.ModemPreset.LONG_FAST: "LongFast",
    LoRaConfig.ModemPreset.LONG_SLOW: "LongSlow",
    LoRaConfig.ModemPreset.VERY_LONG_SLOW: "VLongSlow",  # gone from current firmware
    LoRaConfig.ModemPreset.MEDIUM_SLOW: "MediumSlow",
    LoRaConfig.ModemPreset.MEDIUM_FAST: "MediumFast",
    LoRaConfig.ModemPreset.SHORT_SLOW: "ShortSlow",
    LoRaConfig.ModemPreset.SHORT_FAST: "ShortFast",
    LoRaConfig.ModemPreset.LONG_MODERATE: "LongMod",
    LoRaConfig.ModemPreset.SHORT_TURBO: "ShortTurbo",
    LoRaConfig.ModemPreset.LONG_TURBO: "LongTurbo",
    LoRaConfig.ModemPreset.LITE_FAST: "LiteFast",
    LoRaConfig.ModemPreset.LITE_SLOW: "LiteSlow",
    LoRaConfig.ModemPreset.NARROW_FAST: "NarrowFast",
    LoRaConfig.ModemPreset.NARROW_SLOW: "NarrowSlow",
}


def preset_display_name(preset: int) -> str:
    return _PRESET_NAMES.get(preset, "Invalid")


def psk_kind(psk: bytes) -> str:
    """How secret a channel key is: "none", "default", "simple" (simple1..9), or "private".

    All but "private" are public: the default key (``AQ==``, one byte 0x01, or its
    16-byte expansion) is printed in the firmware, and simpleN keys are derived from it.
    """
    if len(psk) == 0 or psk == b"\x00":
        return "none"
    if psk == b"\x01" or psk == DEFAULT_KEY:
        return "default"
    if len(psk) == 1:
        return "simple"
    return "private"


# -- where the radio is -------------------------------------------------------------------


@dataclass(frozen=True)
class SerialTarget:
    """A radio on a serial port; ``path`` None: find the one USB serial port there is."""

    path: str | None = None

    def __str__(self) -> str:
        return self.path or "the USB serial port"


@dataclass(frozen=True)
class TcpTarget:
    """A radio (or meshtasticd) serving the stream API over TCP."""

    host: str
    port: int = DEFAULT_TCP_PORT

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


Target = SerialTarget | TcpTarget


def parse_target(text: str | None) -> Target:
    """A radio address as a user writes it.

    Empty or "auto": the only USB serial port. Anything with a "/" (``/dev/ttyUSB0``,
    ``./link``): a serial device. Otherwise ``host``, ``host:port``, ``[v6addr]:port`` or
    ``tcp://`` followed by one of those.
    """
    text = (text or "").strip()
    if text in ("", "auto"):
        return SerialTarget(None)
    if text.startswith("tcp://"):
        text = text[len("tcp://") :].rstrip("/")
    elif "/" in text:
        return SerialTarget(text)
    host, port_text = text, ""
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        if rest and not rest.startswith(":"):
            raise RadioError(f"cannot read {text!r} as [address]:port")
        port_text = rest[1:]
    elif text.count(":") == 1:
        host, port_text = text.split(":")
    if not host:
        raise RadioError(f"no host in radio address {text!r}")
    if not port_text:
        return TcpTarget(host)
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise RadioError(f"port in radio address {text!r} must be 1..65535")
    return TcpTarget(host, int(port_text))


def find_serial_port(
    patterns: Iterable[str] = SERIAL_PATTERNS, glob_fn: Callable[[str], list[str]] = glob.glob,
) -> str:
    """The one serial port a radio can be on; RadioError when there is none or several."""
    patterns = tuple(patterns)
    found = sorted({path for pattern in patterns for path in glob_fn(pattern)})
    if len(found) == 1:
        return found[0]
    looked = ", ".join(patterns)
    if not found:
        raise RadioError(
            f"no radio found: nothing matches {looked}; plug the radio in, "
            "or give its device path or host:port"
        )
    raise RadioError(
        f"several serial ports could be the radio ({', '.join(found)}); give the one to use"
    )


# -- what the adapter knows about the device ----------------------------------------------


@dataclass(frozen=True)
class DeviceInfo:
    """The radio as it described itself during the config handshake."""

    node_num: int
    long_name: str
    short_name: str
    firmware_version: str  # "" when the firmware sent no metadata
    region: str  # e.g. "EU_868"
    modem_preset: str  # e.g. "LONG_FAST"
    hop_limit: int
    channel_index: int
    channel_name: str
    channel_key: str  # psk_kind() of the gossip channel

    @property
    def uses_default_key(self) -> bool:
        """The gossip channel is encrypted with the public default key (``AQ==``)."""
        return self.channel_key == "default"

    @property
    def channel_is_public(self) -> bool:
        """Anyone can read the gossip channel: no key, the default key, or a simpleN key."""
        return self.channel_key != "private"


@dataclass(frozen=True)
class DeviceMetrics:
    """The radio's own view of the channel, in percent (None until it reported one)."""

    channel_utilization: float | None = None  # all traffic heard, last minute
    air_util_tx: float | None = None  # own transmissions, last hour


@dataclass(frozen=True)
class RadioStatus:
    connected: bool
    text: str


# -- the send queue, without threads or clocks ---------------------------------------------


@dataclass
class Pending:
    """A packet waiting to be handed to the radio (again)."""

    port: int
    payload: bytes
    dest: int | None
    hop_limit: int | None = None
    attempts: int = 0
    seq: int = 0  # order of push; a packet sent again goes back to its place


@dataclass(frozen=True)
class RetryPolicy:
    """How long to wait after each kind of refusal, in seconds."""

    text_interval: float = 2.2  # the firmware's 2 s per text, and a margin for the link
    rate_limit_delay: float = 2.2  # after a RATE_LIMIT_EXCEEDED NAK
    duty_cycle_delay: float = 60.0  # after DUTY_CYCLE_LIMIT; doubles while refusals go on
    duty_cycle_max: float = 600.0
    refused_delay: float = 1.0  # full TX queue or another refusal in QueueStatus.res
    confirm_timeout: float = 10.0  # no QueueStatus for a packet: old firmware, assume taken
    nak_window: float = 30.0  # a NAK can still arrive this long after the QueueStatus


@dataclass
class SendCounters:
    sent: int = 0  # handed to the library (retries included)
    accepted: int = 0  # confirmed by a QueueStatus with res 0
    unconfirmed: int = 0  # no QueueStatus within confirm_timeout: taken as accepted
    retries: int = 0
    rate_limited: int = 0
    duty_cycle: int = 0
    refused: int = 0  # QueueStatus.res other than 0 and the duty cycle (queue full...)
    too_large: int = 0  # dropped
    failed: int = 0  # dropped after another NAK (no channel, no ack after retries...)
    acked: int = 0  # routing ACKs of direct messages
    send_errors: int = 0  # writing to the link failed


@dataclass
class _Flight:
    item: Pending
    since: float


class SendQueue:
    """Which packet to hand to the radio next, and what the radio's answers mean for it.

    Sans-I/O: every call takes ``now``. The caller takes a packet with ``next_ready``,
    gives it an id and reports it with ``sent`` before writing it, then passes on what the
    radio says with ``queue_status`` and ``routing``. Texts go before gossip when both
    may go; each kind keeps its order, also when a packet goes again.
    """

    def __init__(self, policy: RetryPolicy | None = None, capacity: int = 1024) -> None:
        self.policy = policy or RetryPolicy()
        self.capacity = capacity
        self.counters = SendCounters()
        self._queues: dict[int, deque[Pending]] = {TEXT_PORT: deque(), GOSSIP_PORT: deque()}
        self._ready_at: dict[int, float] = {TEXT_PORT: 0.0, GOSSIP_PORT: 0.0}
        self._in_flight: OrderedDict[int, _Flight] = OrderedDict()  # by packet id
        self._accepted: OrderedDict[int, _Flight] = OrderedDict()
        self._pushed = 0
        self._radio_free: int | None = None
        self._duty_streak = 0  # refusals in a row, each after the previous hold ended
        self._duty_hold_until = 0.0

    # -- input --------------------------------------------------------------------------

    def push(self, item: Pending) -> None:
        if self.pending >= self.capacity:
            raise RadioError(f"send queue is full ({self.capacity} packets wait for the radio)")
        self._pushed += 1
        item.seq = self._pushed
        self._queues[item.port].append(item)

    @property
    def pending(self) -> int:
        """Packets not yet confirmed by the radio (waiting or in flight)."""
        return sum(len(q) for q in self._queues.values()) + len(self._in_flight)

    @property
    def free_slots(self) -> int | None:
        """Free TX slots on the radio as far as we know; None before it said."""
        if self._radio_free is None:
            return None
        return self._radio_free - len(self._in_flight)

    def next_ready(self, now: float) -> Pending | None:
        """The packet to write now, taken off the queue; None when nothing may go."""
        self.expire(now)
        if self._no_slot():
            return None
        for port in (TEXT_PORT, GOSSIP_PORT):
            queue = self._queues[port]
            if queue and self._ready_at[port] <= now:
                return queue.popleft()
        return None

    def blocked_on_slots(self, now: float) -> bool:
        """Something may go but the radio has no free slot: ask it with a heartbeat."""
        ready = any(q and self._ready_at[p] <= now for p, q in self._queues.items())
        return ready and self._no_slot()

    def sent(self, item: Pending, packet_id: int, now: float) -> None:
        """``item`` is being written as ``packet_id`` (say so before writing it)."""
        item.attempts += 1
        self.counters.sent += 1
        if item.attempts > 1:
            self.counters.retries += 1
        if item.port == TEXT_PORT:
            next_text = now + self.policy.text_interval
            self._ready_at[TEXT_PORT] = max(self._ready_at[TEXT_PORT], next_text)
        self._in_flight[packet_id] = _Flight(item, now)

    def write_failed(self, packet_id: int, now: float) -> None:
        """Writing ``packet_id`` failed (the link is going down): it goes again later."""
        flight = self._in_flight.pop(packet_id, None)
        if flight is None:
            return  # a link reset has put it back already
        self.counters.send_errors += 1
        self._requeue([flight.item])
        self._hold_all(now + self.policy.refused_delay)

    def queue_status(self, packet_id: int, res: int, free: int | None, now: float) -> None:
        if free is not None:
            self._radio_free = free
        flight = self._in_flight.pop(packet_id, None) if packet_id else None
        if flight is None:
            return  # a heartbeat's answer, or about a packet already dealt with
        if res == 0:
            self.counters.accepted += 1
            self._duty_streak = 0
            self._accepted[packet_id] = _Flight(flight.item, now)
        elif res == RoutingError.TOO_LARGE:
            self.counters.too_large += 1
        elif res == RoutingError.DUTY_CYCLE_LIMIT:
            self._duty_cycle(flight.item, now)
        else:
            self.counters.refused += 1
            self._requeue([flight.item])
            self._hold_all(now + self.policy.refused_delay)

    def routing(self, request_id: int, error: int, now: float) -> None:
        """A ROUTING_APP answer about one of our packets: an ACK (error 0) or a NAK."""
        flight = self._in_flight.pop(request_id, None) or self._accepted.pop(request_id, None)
        if flight is None:
            return  # not ours, handled already, or past the NAK window
        item = flight.item
        if error == RoutingError.NONE:
            self.counters.acked += 1
        elif error == RoutingError.RATE_LIMIT_EXCEEDED:
            self.counters.rate_limited += 1
            self._requeue([item])
            wait_until = now + self.policy.rate_limit_delay
            self._ready_at[item.port] = max(self._ready_at[item.port], wait_until)
        elif error == RoutingError.DUTY_CYCLE_LIMIT:
            self._duty_cycle(item, now)
        elif error == RoutingError.TOO_LARGE:
            self.counters.too_large += 1
        else:
            self.counters.failed += 1

    def link_reset(self) -> None:
        """The link went down or the radio restarted: what it had not confirmed goes again."""
        self._requeue([flight.item for flight in self._in_flight.values()])
        self._in_flight.clear()
        self._radio_free = None

    # -- time -----------------------------------------------------------------------------

    def expire(self, now: float) -> None:
        limit = now - self.policy.confirm_timeout
        while self._in_flight:
            packet_id, flight = next(iter(self._in_flight.items()))
            if flight.since > limit:
                break
            del self._in_flight[packet_id]
            self.counters.unconfirmed += 1
            self._accepted[packet_id] = _Flight(flight.item, now)
        limit = now - self.policy.nak_window
        while self._accepted and next(iter(self._accepted.values())).since <= limit:
            self._accepted.popitem(last=False)

    def next_deadline(self, now: float) -> float | None:
        """When calling ``next_ready`` again may give something new (besides new input)."""
        times = [
            self._ready_at[port]
            for port, queue in self._queues.items()
            if queue and self._ready_at[port] > now
        ]
        if self._in_flight:
            times.append(next(iter(self._in_flight.values())).since + self.policy.confirm_timeout)
        return min(times) if times else None

    # -- internals --------------------------------------------------------------------------

    def _no_slot(self) -> bool:
        free = self.free_slots
        return free is not None and free <= 0

    def _requeue(self, items: list[Pending]) -> None:
        # Queues stay sorted by seq; a packet coming back is older than most, so the
        # scan for its place stops near the front.
        for item in items:
            queue = self._queues[item.port]
            index = next((i for i, q in enumerate(queue) if q.seq > item.seq), len(queue))
            queue.insert(index, item)

    def _hold_all(self, until: float) -> None:
        for port in self._ready_at:
            self._ready_at[port] = max(self._ready_at[port], until)

    def _duty_cycle(self, item: Pending, now: float) -> None:
        self.counters.duty_cycle += 1
        self._requeue([item])
        if now < self._duty_hold_until:
            return  # another packet of the same burst: the hold already covers it
        delay = min(
            self.policy.duty_cycle_delay * 2**self._duty_streak, self.policy.duty_cycle_max
        )
        self._duty_streak += 1
        self._duty_hold_until = now + delay
        self._hold_all(self._duty_hold_until)


# -- the library, with the hooks we need ------------------------------------------------------


class _LinkHooks:
    """The library's connection, config and node DB, with our own way of sending packets.

    The library sends a MeshPacket through a queue that sleeps in a loop while its count of
    the radio's free slots is 0, and keeps sleeping after the link has died (nothing will
    update the count again): a worker that called it is stuck for good. So packets and
    heartbeats are written straight to the link with the library's own framing writer,
    and the adapter's SendQueue decides when. The other methods tell the adapter what the
    library learns but does not publish; each calls the original first or last.
    """

    _meshaid_radio: MeshtasticRadio

    def meshaid_send(self, packet: mesh_pb2.MeshPacket) -> None:
        self._sendToRadioImpl(mesh_pb2.ToRadio(packet=packet))  # type: ignore[attr-defined]

    def meshaid_heartbeat(self) -> None:
        """Ask the radio for a QueueStatus now (the firmware answers every heartbeat)."""
        self._sendToRadioImpl(mesh_pb2.ToRadio(heartbeat=mesh_pb2.Heartbeat()))  # type: ignore[attr-defined]

    def _startConfig(self) -> None:
        self._meshaid_radio._link_starting(self)
        super()._startConfig()  # type: ignore[misc]

    def _handleConfigComplete(self) -> None:
        super()._handleConfigComplete()  # type: ignore[misc]
        self._meshaid_radio._link_ready(self)

    def _handleQueueStatusFromRadio(self, queueStatus: mesh_pb2.QueueStatus) -> None:
        super()._handleQueueStatusFromRadio(queueStatus)  # type: ignore[misc]
        # The library keeps a placeholder in its own send queue for every status about a
        # packet it did not send; its next heartbeat would wait for a free slot on them.
        queue = self.queue  # type: ignore[attr-defined]
        if queue.get(queueStatus.mesh_packet_id, None) is False:
            del queue[queueStatus.mesh_packet_id]
        self._meshaid_radio._queue_status(self, queueStatus)

    def _disconnected(self) -> None:
        super()._disconnected()  # type: ignore[misc]
        self._meshaid_radio._link_lost(self)

    def _startHeartbeat(self) -> None:
        # After a device reboot the library starts a second heartbeat timer without
        # stopping the first, which close() then never cancels.
        timer = getattr(self, "heartbeatTimer", None)
        if timer is not None:
            timer.cancel()
        super()._startHeartbeat()  # type: ignore[misc]


class _SerialLink(_LinkHooks, SerialInterface):  # type: ignore[misc]
    def __init__(self, radio: MeshtasticRadio, path: str, timeout: int) -> None:
        self._meshaid_radio = radio
        super().__init__(devPath=path, timeout=timeout)


class _TcpLink(_LinkHooks, TCPInterface):  # type: ignore[misc]
    def __init__(self, radio: MeshtasticRadio, host: str, port: int, timeout: int) -> None:
        self._meshaid_radio = radio
        super().__init__(hostname=host, portNumber=port, timeout=timeout)

    def _reconnect(self) -> None:
        # On a dropped connection the library waits 1 s and dials again by itself; what is
        # written meanwhile goes nowhere, so stop sending before it starts.
        self._meshaid_radio._link_interrupted(self)
        super()._reconnect()


_TOPICS = (
    "meshtastic.receive.data.PRIVATE_APP",
    "meshtastic.receive.text",
    "meshtastic.receive.routing",
    "meshtastic.receive.telemetry",
)


# -- the adapter ----------------------------------------------------------------------------


@dataclass(frozen=True)
class MeshtasticStats:
    queued: int
    received: int
    received_dropped: int  # malformed, or gossip on another channel
    reconnects: int
    send: SendCounters = field(default_factory=SendCounters)


class MeshtasticRadio:
    """A Meshtastic device as a meshaid Radio.

    ``target``: a SerialTarget, TcpTarget, or text for ``parse_target`` (None: the only
    USB serial port; RadioError now if there is none or several, and looked up again at
    each reconnection, since a replugged adapter may come back under another number).
    ``channel_index``: the channel gossip goes out on and is accepted from. ``loop``:
    where callbacks run; by default the loop running when ``on_receive`` (or ``on_text``,
    ``on_status``) is called, or else the library's thread. ``policy``: waits after each
    kind of refusal. ``clock``: monotonic seconds for pacing and backoff; it must advance
    with real time, as the worker thread sleeps until the deadlines it gives.

    A worker thread owns the library interface: it connects, writes, and reconnects.
    ``close()`` stops it and closes the interface.
    """

    mtu = MTU
    text_mtu = TEXT_MTU

    def __init__(
        self,
        target: Target | str | None = None,
        *,
        channel_index: int = 0,
        loop: asyncio.AbstractEventLoop | None = None,
        policy: RetryPolicy | None = None,
        backoff_initial: float = 1.0,
        backoff_max: float = 60.0,
        connect_timeout: int = 30,
        queue_poll_interval: float = 1.0,
        capacity: int = 1024,
        serial_patterns: Iterable[str] = SERIAL_PATTERNS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not isinstance(target, SerialTarget | TcpTarget):
            target = parse_target(target)
        self.target: Target = target
        if not 0 <= channel_index < 8:
            raise RadioError(f"channel index must be 0..7, not {channel_index}")
        self._serial_patterns = tuple(serial_patterns)
        if isinstance(self.target, SerialTarget) and self.target.path is None:
            find_serial_port(self._serial_patterns)  # fail now with the list of candidates
        self.channel_index = channel_index
        self._loop = loop
        self._backoff_initial = backoff_initial
        self._backoff_max = backoff_max
        self._backoff = backoff_initial
        self._connect_timeout = connect_timeout
        self._poll_interval = queue_poll_interval
        self._ids = random.Random()  # packet ids: the firmware drops one it saw lately
        self._clock = clock
        self._queue = SendQueue(policy, capacity)
        self._cond = threading.Condition()
        self._connected_event = threading.Event()
        self._iface: Any = None
        self._adopting = False  # a new library interface is being built
        self._link_down = True  # no usable interface: the worker must (re)connect
        self._connected = False
        self._closing = False
        self._next_attempt = clock()
        self._next_poll = 0.0
        self._status = "connecting"
        self._info: DeviceInfo | None = None
        self._metrics = DeviceMetrics()
        self._on_receive: ReceiveCallback | None = None
        self._on_text: ReceiveCallback | None = None
        self._on_status: Callable[[RadioStatus], None] | None = None
        self._received = 0
        self._received_dropped = 0
        self._reconnects = 0
        self._ever_connected = False
        for topic in _TOPICS:
            pub.subscribe(self._on_packet, topic)
        self._worker = threading.Thread(target=self._run, name="meshaid-radio", daemon=True)
        self._worker.start()

    # -- the Radio interface ----------------------------------------------------------------

    @property
    def node_id(self) -> int:
        """This radio's node number (0 until the first connection)."""
        info = self._info
        return info.node_num if info is not None else 0

    @property
    def connected(self) -> bool:
        return self._connected

    def send(
        self, payload: bytes, dest: int | None = BROADCAST, *, hop_limit: int | None = None
    ) -> None:
        """Queue a gossip frame on PRIVATE_APP, to everyone or to one node."""
        payload = bytes(payload)
        if len(payload) > MTU:
            raise RadioError(f"payload of {len(payload)} bytes is over the MTU of {MTU}")
        self._enqueue(Pending(GOSSIP_PORT, payload, dest, hop_limit))

    def on_receive(self, callback: ReceiveCallback) -> None:
        """Gossip frames (PRIVATE_APP on our channel) go to ``callback``."""
        self._on_receive = callback
        self._capture_loop()

    # -- beyond the interface -------------------------------------------------------------

    def send_text(self, text: str, dest: int) -> None:
        """Queue a direct text message to a resident's radio (TEXT_MESSAGE_APP, acked)."""
        data = text.encode("utf-8")
        if len(data) > TEXT_MTU:
            raise RadioError(f"text of {len(data)} UTF-8 bytes is over the {TEXT_MTU}-byte limit")
        if dest is None or dest == BROADCAST_NUM:
            raise RadioError("texts go to one node, not to everyone")
        self._enqueue(Pending(TEXT_PORT, data, dest))

    def on_text(self, callback: ReceiveCallback) -> None:
        """Texts (TEXT_MESSAGE_APP, any channel) go to ``callback``, payload as UTF-8 bytes."""
        self._on_text = callback
        self._capture_loop()

    def on_status(self, callback: Callable[[RadioStatus], None]) -> None:
        """``callback`` hears every change of ``connected`` and ``status``."""
        self._on_status = callback
        self._capture_loop()

    @property
    def status(self) -> str:
        return self._status

    @property
    def info(self) -> DeviceInfo | None:
        """What the radio said about itself at the last handshake (None before one)."""
        return self._info

    @property
    def firmware_version(self) -> str:
        return self._info.firmware_version if self._info else ""

    @property
    def channel_name(self) -> str:
        return self._info.channel_name if self._info else ""

    @property
    def uses_default_key(self) -> bool:
        return self._info.uses_default_key if self._info else False

    @property
    def metrics(self) -> DeviceMetrics:
        return self._metrics

    @property
    def pending(self) -> int:
        with self._cond:
            return self._queue.pending

    def stats(self) -> MeshtasticStats:
        with self._cond:
            c = self._queue.counters
            return MeshtasticStats(
                queued=self._queue.pending, received=self._received,
                received_dropped=self._received_dropped, reconnects=self._reconnects,
                send=SendCounters(**vars(c)),
            )

    def wait_connected(self, timeout: float | None = None) -> bool:
        """Block until connected (for scripts and tests; the daemon uses on_status)."""
        return self._connected_event.wait(timeout)

    def close(self, timeout: float = 5.0) -> None:
        """Stop the worker and let go of the device; queued packets are abandoned."""
        with self._cond:
            if self._closing:
                return
            self._closing = True
            self._cond.notify_all()
        self._worker.join(timeout)
        for topic in _TOPICS:
            with contextlib.suppress(Exception):
                pub.unsubscribe(self._on_packet, topic)
        self._set_status(False, "closed")

    def __enter__(self) -> MeshtasticRadio:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the worker thread ----------------------------------------------------------------

    def _enqueue(self, item: Pending) -> None:
        if item.hop_limit is not None and not 0 <= item.hop_limit <= MAX_HOP_LIMIT:
            raise RadioError(f"hop limit must be 0..{MAX_HOP_LIMIT}, not {item.hop_limit}")
        if item.dest is not None and not 0 < item.dest < BROADCAST_NUM:
            raise RadioError(f"{item.dest} is not a node number")
        with self._cond:
            if self._closing:
                raise RadioError("the radio is closed")
            if not self._connected:
                raise RadioError(f"radio not connected: {self._status}")
            if item.dest is not None and item.dest == self.node_id:
                raise RadioError("a radio cannot send to itself")
            self._queue.push(item)
            self._cond.notify_all()

    def _run(self) -> None:
        try:
            while True:
                with self._cond:
                    if self._closing:
                        return
                    now = self._clock()
                    if self._link_down:
                        if now < self._next_attempt:
                            self._cond.wait(self._next_attempt - now)
                            continue
                        old, self._iface = self._iface, None
                        self._adopting = True
                        step: tuple[str, Any, Any] = ("connect", old, None)
                    else:
                        step = self._next_step(now)
                        if step[0] == "wait":
                            self._cond.wait(step[1])
                            continue
                kind, iface, extra = step
                if kind == "connect":
                    self._discard(iface)
                    self._connect()
                elif kind == "send":
                    self._transmit(iface, extra)
                elif kind == "poll":
                    with contextlib.suppress(Exception):  # a dying link says so via hooks
                        iface.meshaid_heartbeat()
        finally:
            with self._cond:
                iface, self._iface = self._iface, None
            self._discard(iface)

    def _next_step(self, now: float) -> tuple[str, Any, Any]:
        """Under the lock: what the worker does next, given the queue and the radio."""
        iface = self._iface
        if self._connected and iface is not None:
            item = self._queue.next_ready(now)
            if item is not None:
                packet = self._packet_for(item)
                self._queue.sent(item, packet.id, now)  # before writing: answers are fast
                return ("send", iface, packet)
            if self._queue.blocked_on_slots(now):
                if now >= self._next_poll:
                    self._next_poll = now + self._poll_interval
                    return ("poll", iface, None)
                return ("wait", self._next_poll - now, None)
        deadline = self._queue.next_deadline(now)
        return ("wait", None if deadline is None else max(deadline - now, 0.0), None)

    def _packet_for(self, item: Pending) -> mesh_pb2.MeshPacket:
        # What MeshInterface.sendData would build: the firmware fills in "from".
        hop_limit = item.hop_limit
        if hop_limit is None:
            hop_limit = self._info.hop_limit if self._info is not None else 3
        packet_id = self._ids.getrandbits(32) or 1
        return mesh_pb2.MeshPacket(
            to=BROADCAST_NUM if item.dest is None else item.dest,
            id=packet_id,
            channel=self.channel_index,
            hop_limit=hop_limit,
            want_ack=item.port == TEXT_PORT,  # texts are DMs: the firmware retries until acked
            decoded=mesh_pb2.Data(portnum=item.port, payload=item.payload),
        )

    def _connect(self) -> None:
        target = self.target
        try:
            if isinstance(target, SerialTarget):
                path = target.path or find_serial_port(self._serial_patterns)
                self._set_status(False, f"opening {path}")
                iface = _SerialLink(self, path, self._connect_timeout)
            else:
                self._set_status(False, f"connecting to {target}")
                iface = _TcpLink(self, target.host, target.port, self._connect_timeout)
        except Exception as exc:  # the library raises many kinds; all mean "not now"
            with self._cond:
                self._iface = None
                self._adopting = False
                delay = self._backoff
                self._backoff = min(self._backoff * 2, self._backoff_max)
                self._next_attempt = self._clock() + delay
            self._set_status(False, f"cannot reach radio at {target}: {_reason(exc)}; "
                             f"retrying in {delay:g} s")
            return
        with self._cond:
            self._adopting = False
            self._iface = iface
            if self._closing:
                return
            # The reader thread may already have died again (then _link_lost has set the
            # next attempt): only a live link ends the reconnect loop.
            if iface.isConnected.is_set():
                self._link_down = False
                self._backoff = self._backoff_initial

    def _transmit(self, iface: Any, packet: mesh_pb2.MeshPacket) -> None:
        try:
            iface.meshaid_send(packet)
        except Exception as exc:  # serial or socket errors: the link is going down
            logger.warning("radio write failed, will retry: %s", _reason(exc))
            with self._cond:
                self._queue.write_failed(packet.id, self._clock())

    def _discard(self, iface: Any) -> None:
        if iface is not None:
            with contextlib.suppress(Exception):
                iface.close()

    # -- hooks, from the library's threads --------------------------------------------------

    def _link_starting(self, iface: Any) -> None:
        with self._cond:
            if self._closing:
                return
            if iface is not self._iface:
                if self._adopting:
                    self._iface = iface
                return
            restarted = self._connected
            self._queue.link_reset()
            self._connected = False
            self._connected_event.clear()
        if restarted:
            self._set_status(False, "radio restarted or reconnected; reloading its configuration")

    def _link_ready(self, iface: Any) -> None:
        with self._cond:
            if iface is not self._iface or self._closing:
                return
        try:
            info, usable = self._read_info(iface)
        except Exception as exc:  # a config we cannot read is as good as no radio
            self._set_status(False, f"radio sent a configuration we cannot read: {_reason(exc)}")
            return
        with self._cond:
            if iface is not self._iface or self._closing:
                return
            self._info = info
            self._metrics = _own_metrics(iface, info.node_num) or self._metrics
            if self._ever_connected:
                self._reconnects += 1
            self._ever_connected = True
            self._next_poll = 0.0
            self._cond.notify_all()
        text = (
            f"connected to {info.long_name} (!{info.node_num:08x}, firmware "
            f"{info.firmware_version or 'unknown'}) at {self.target}, channel "
            f"{info.channel_index} {info.channel_name!r}"
        )
        if not usable:
            self._set_status(False, f"{text}, but that channel is disabled on the radio")
            return
        if info.channel_is_public:
            logger.warning(
                "gossip channel %r uses a publicly known key (%s): anyone can read it",
                info.channel_name, info.channel_key,
            )
        self._set_status(True, text)

    def _link_interrupted(self, iface: Any) -> None:
        with self._cond:
            if iface is not self._iface or self._closing or not self._connected:
                return
            self._queue.link_reset()
        self._set_status(False, f"connection to {self.target} dropped; redialling")

    def _link_lost(self, iface: Any) -> None:
        with self._cond:
            if iface is not self._iface or self._closing:
                return
            self._queue.link_reset()
            self._link_down = True
            delay = self._backoff
            self._next_attempt = self._clock() + delay
            self._cond.notify_all()
        target = self.target
        if isinstance(target, SerialTarget):
            path = getattr(iface, "devPath", None) or str(target)
            why = f"radio unplugged ({path} is gone)" if not os.path.exists(path) else (
                f"serial link to {path} lost"
            )
        else:
            why = f"connection to {target} lost"
        self._set_status(False, f"{why}; reconnecting in {delay:g} s")

    def _queue_status(self, iface: Any, status: mesh_pb2.QueueStatus) -> None:
        with self._cond:
            if iface is not self._iface:
                return
            self._queue.queue_status(status.mesh_packet_id, status.res, status.free, self._clock())
            self._cond.notify_all()

    def _on_packet(self, packet: dict[str, Any], interface: Any) -> None:
        if interface is not self._iface or interface is None:
            return
        try:
            raw = packet["raw"]
            sender = int(packet["from"])
            port = raw.decoded.portnum
        except (KeyError, TypeError, ValueError, AttributeError):
            with self._cond:
                self._received_dropped += 1
            return
        if port == PortNum.ROUTING_APP:
            self._routing(raw)
            return
        if port == PortNum.TELEMETRY_APP:
            if sender == self.node_id:
                self._telemetry(raw.decoded.payload)
            return
        if port == GOSSIP_PORT:
            callback = self._on_receive
            if raw.channel != self.channel_index:
                with self._cond:
                    self._received_dropped += 1
                return
        elif port == TEXT_PORT:
            callback = self._on_text
        else:
            return
        hops = raw.hop_start - raw.hop_limit if raw.hop_start >= raw.hop_limit else 0
        received = Received(
            payload=bytes(raw.decoded.payload), sender=sender, rssi=float(raw.rx_rssi),
            snr=float(raw.rx_snr), channel=raw.channel,
            dest=None if raw.to == BROADCAST_NUM else raw.to, hops=hops,
        )
        with self._cond:
            self._received += 1
        if callback is not None:
            self._deliver(callback, received)

    def _routing(self, raw: mesh_pb2.MeshPacket) -> None:
        request_id = raw.decoded.request_id
        if not request_id:
            return
        try:
            routing = mesh_pb2.Routing.FromString(raw.decoded.payload)
        except Exception:
            return
        if not routing.HasField("error_reason"):
            return  # route request/reply: not about our sends
        with self._cond:
            self._queue.routing(request_id, routing.error_reason, self._clock())
            self._cond.notify_all()
        if routing.error_reason != RoutingError.NONE:
            logger.info(
                "radio refused packet %08x: %s", request_id,
                _enum_name(RoutingError, routing.error_reason),
            )

    def _telemetry(self, payload: bytes) -> None:
        try:
            telemetry = telemetry_pb2.Telemetry.FromString(payload)
        except Exception:
            return
        if not telemetry.HasField("device_metrics"):
            return
        dm = telemetry.device_metrics
        old = self._metrics
        self._metrics = DeviceMetrics(
            channel_utilization=dm.channel_utilization
            if dm.HasField("channel_utilization") else old.channel_utilization,
            air_util_tx=dm.air_util_tx if dm.HasField("air_util_tx") else old.air_util_tx,
        )

    # -- plumbing -----------------------------------------------------------------------------

    def _read_info(self, iface: Any) -> tuple[DeviceInfo, bool]:
        node_num = int(iface.myInfo.my_node_num)
        user = (iface.nodesByNum or {}).get(node_num, {}).get("user", {})
        lora = iface.localNode.localConfig.lora
        channels = iface.localNode.channels or []
        channel = channels[self.channel_index] if self.channel_index < len(channels) else None
        usable = channel is not None and channel.role != channel_pb2.Channel.Role.DISABLED
        settings = channel.settings if channel is not None else channel_pb2.ChannelSettings()
        preset_name = preset_display_name(lora.modem_preset) if lora.use_preset else "Custom"
        info = DeviceInfo(
            node_num=node_num,
            long_name=str(user.get("longName", "")),
            short_name=str(user.get("shortName", "")),
            firmware_version=iface.metadata.firmware_version if iface.metadata else "",
            region=_enum_name(LoRaConfig.RegionCode, lora.region),
            modem_preset=_enum_name(LoRaConfig.ModemPreset, lora.modem_preset),
            hop_limit=int(lora.hop_limit),
            channel_index=self.channel_index,
            channel_name=settings.name or preset_name,
            channel_key=psk_kind(bytes(settings.psk)),
        )
        return info, usable

    def _capture_loop(self) -> None:
        if self._loop is None:
            with contextlib.suppress(RuntimeError):
                self._loop = asyncio.get_running_loop()

    def _deliver(self, callback: Callable[[Any], None], value: Any) -> None:
        loop = self._loop
        if loop is None:
            try:
                callback(value)
            except Exception:
                logger.exception("radio callback failed")
            return
        try:
            loop.call_soon_threadsafe(callback, value)
        except RuntimeError:  # the loop is closed: the daemon is going away
            with self._cond:
                self._received_dropped += 1

    def _set_status(self, connected: bool, text: str) -> None:
        with self._cond:
            if self._closing and text != "closed":
                connected = False
            changed = (connected, text) != (self._connected, self._status)
            self._connected = connected
            self._status = text
            if connected:
                self._connected_event.set()
            else:
                self._connected_event.clear()
            self._cond.notify_all()
        if changed:
            logger.info("radio: %s", text)
            callback = self._on_status
            if callback is not None:
                self._deliver(callback, RadioStatus(connected, text))


def _own_metrics(iface: Any, node_num: int) -> DeviceMetrics | None:
    node = (iface.nodesByNum or {}).get(node_num, {})
    metrics = node.get("deviceMetrics")
    if not isinstance(metrics, dict):
        return None
    cu, tx = metrics.get("channelUtilization"), metrics.get("airUtilTx")
    return DeviceMetrics(
        channel_utilization=float(cu) if cu is not None else None,
        air_util_tx=float(tx) if tx is not None else None,
    )


def _enum_name(enum: Any, value: int) -> str:
    try:
        return str(enum.Name(value))
    except ValueError:
        return str(value)


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
