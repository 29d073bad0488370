"""The worker thread of ``MeshtasticRadio`` and the life of its link to the radio.

``LinkWorker`` owns the library interface (a ``SerialLink`` or ``TcpLink``, whose hooks
report to it): it connects, hands the SendQueue's packets to the radio while it has free
TX slots, asks with a heartbeat when it has none, passes the radio's answers to the queue,
and reconnects with exponential backoff when the link goes. It keeps ``connected``,
``status`` and what the radio said about itself, and tells the ``on_status`` callback of
changes, on the callback loop. ``MeshtasticRadio`` (meshaid.hardware.meshtastic_radio.
adapter) adds the Radio interface and the receive path on top.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import threading
from collections.abc import Callable, Mapping
from typing import Any

from meshtastic.protobuf import mesh_pb2

from meshaid.hardware.meshtastic_radio.contacts import contact_packet
from meshaid.hardware.meshtastic_radio.firmware import GOSSIP_PORT, TEXT_PORT, RoutingError
from meshaid.hardware.meshtastic_radio.hooks import SerialLink, TcpLink
from meshaid.hardware.meshtastic_radio.info import enum_name, own_metrics, read_info
from meshaid.hardware.meshtastic_radio.send_queue import Pending, RetryPolicy, SendQueue
from meshaid.hardware.meshtastic_radio.target import SerialTarget, Target, find_serial_port
from meshaid.hardware.radio import (
    BROADCAST_NUM,
    RadioInfo,
    RadioMetrics,
    RadioStatus,
    StatusCallback,
    checked_pins,
)

logger = logging.getLogger(__name__)


class LinkWorker:
    """The thread that keeps the link to one radio and writes its send queue.

    Its state is shared with the library's threads (the hooks, pypubsub) and the callers
    of the Radio interface, all under ``_cond``. ``_start`` starts the thread.
    """

    def __init__(
        self,
        target: Target,
        *,
        channel_index: int,
        loop: asyncio.AbstractEventLoop | None,
        policy: RetryPolicy | None,
        backoff_initial: float,
        backoff_max: float,
        connect_timeout: int,
        queue_poll_interval: float,
        capacity: int,
        serial_patterns: tuple[str, ...],
        clock: Callable[[], float],
    ) -> None:
        self.target = target
        self.channel_index = channel_index
        self._serial_patterns = serial_patterns
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
        self._told_ready = False  # ready() was true when on_status last fired, or since
        self._info: RadioInfo | None = None
        self._metrics = RadioMetrics()
        self._on_status: StatusCallback | None = None
        self._reconnects = 0
        self._ever_connected = False
        self._pins: dict[int, bytes] = {}  # residents' radio keys, to pin on every link
        self._unpinned: list[int] = []  # those not yet handed to the radio on this link
        self._worker = threading.Thread(target=self._run, name="meshaid-radio", daemon=True)

    def _start(self) -> None:
        self._worker.start()

    def pin_keys(self, keys: Mapping[int, bytes]) -> None:
        """See Radio.pin_keys: new or changed keys go to the radio now, all of them again
        on each new link. A radio taken off the list keeps its contact on the device (its
        texts are refused by the roster check all the same)."""
        pins = checked_pins(keys)
        with self._cond:
            changed = {n for n, k in pins.items() if self._pins.get(n) != k}
            self._unpinned = sorted(changed | (set(self._unpinned) & pins.keys()))
            self._pins = pins
            self._cond.notify_all()

    # -- the worker thread ----------------------------------------------------------------

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
                        if step[0] == "wait" and not self._ready_news():
                            self._cond.wait(step[1])
                            continue
                kind, iface, extra = step
                if kind == "wait":
                    # ready() turned true unannounced: _next_step gave up waiting for the
                    # QueueStatus of the last gossip frame (old firmware).
                    self._tell_if_ready()
                elif kind == "connect":
                    self._discard(iface)
                    self._connect()
                elif kind == "send":
                    self._transmit(iface, extra)
                elif kind == "pin":
                    # Local admin: nothing goes on air. A link dying meanwhile says so via
                    # hooks, and the next link pins every key again.
                    with contextlib.suppress(Exception):
                        iface.meshaid_send(extra)
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
        if self._connected and iface is not None and self._unpinned and self._info:
            node = self._unpinned.pop(0)
            packet_id = self._ids.getrandbits(32) or 1
            return ("pin", iface, contact_packet(self._info.node_num, node, self._pins[node],
                                                 packet_id))
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
                iface = SerialLink(self, path, self._connect_timeout)
            else:
                self._set_status(False, f"connecting to {target}")
                iface = TcpLink(self, target.host, target.port, self._connect_timeout)
        except Exception as exc:  # the library raises many kinds; all mean "not now"
            with self._cond:
                self._iface = None
                self._adopting = False
                delay = self._backoff
                self._backoff = min(self._backoff * 2, self._backoff_max)
                self._next_attempt = self._clock() + delay
            self._set_status(False, f"cannot reach radio at {target}: {reason(exc)}; "
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
            logger.warning("radio write failed, will retry: %s", reason(exc))
            with self._cond:
                self._queue.write_failed(packet.id, self._clock())

    def _discard(self, iface: Any) -> None:
        if iface is not None:
            with contextlib.suppress(Exception):
                iface.close()

    # -- link hooks, from the library's threads --------------------------------------------------

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
            info, usable = read_info(iface, self.channel_index)
        except Exception as exc:  # a config we cannot read is as good as no radio
            self._set_status(False, f"radio sent a configuration we cannot read: {reason(exc)}")
            return
        with self._cond:
            if iface is not self._iface or self._closing:
                return
            self._info = info
            self._unpinned = sorted(self._pins)  # the radio may have been reset meanwhile
            self._metrics = own_metrics(iface, info.node_num) or self._metrics
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
        self._tell_if_ready()

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
        self._tell_if_ready()
        if routing.error_reason != RoutingError.NONE:
            logger.info(
                "radio refused packet %08x: %s", request_id,
                enum_name(mesh_pb2.Routing.Error, routing.error_reason),
            )

    # -- plumbing -----------------------------------------------------------------------------

    def _ready_locked(self) -> bool:
        return self._connected and not self._closing and not self._queue.outstanding(GOSSIP_PORT)

    def _ready_news(self) -> bool:
        """Under the lock: ready() is true and on_status has not said so since it was false."""
        return not self._told_ready and self._ready_locked()

    def _tell_if_ready(self) -> None:
        """Call on_status with the current status if ready() turned true since it was false."""
        with self._cond:
            ready = self._ready_locked()
            tell = ready and not self._told_ready
            self._told_ready = ready
            status = RadioStatus(self._connected, self._status)
        callback = self._on_status
        if tell and callback is not None:
            self._deliver(callback, status)

    def _capture_loop(self) -> None:
        if self._loop is None:
            with contextlib.suppress(RuntimeError):
                self._loop = asyncio.get_running_loop()

    def _deliver(self, callback: Callable[[Any], None], value: Any) -> bool:
        """``callback(value)`` on the callback loop; False when that loop is closed."""
        loop = self._loop
        if loop is None:
            try:
                callback(value)
            except Exception:
                logger.exception("radio callback failed")
            return True
        try:
            loop.call_soon_threadsafe(callback, value)
        except RuntimeError:  # the loop is closed: the daemon is going away
            return False
        return True

    def _set_status(self, connected: bool, text: str) -> None:
        with self._cond:
            if self._closing and text != "closed":
                connected = False
            changed = (connected, text) != (self._connected, self._status)
            self._connected = connected
            self._status = text
            if changed:  # the callback below makes the owner look at ready() again
                self._told_ready = self._ready_locked()
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


def reason(exc: BaseException) -> str:
    """The first line of an exception's message, for a status text or a log line."""
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
