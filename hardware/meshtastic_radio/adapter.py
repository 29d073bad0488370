"""``MeshtasticRadio``: the Radio interface of hardware/radio.py on a Meshtastic device.

This is the face the daemon sees: argument checks and errors by kind, the queue of what it
sends, ``ready()`` for its pump, and the receive path (pypubsub topics of the library) to
its callbacks. The thread and the link behind it are ``LinkWorker``'s
(meshaid.hardware.meshtastic_radio.worker).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from pubsub import pub

from meshaid.hardware.meshtastic_radio.firmware import (
    GOSSIP_PORT,
    MAX_CHANNELS,
    MAX_HOP_LIMIT,
    MTU,
    ROUTING_PORT,
    TELEMETRY_PORT,
    TEXT_MTU,
    TEXT_PORT,
)
from meshaid.hardware.meshtastic_radio.hooks import TOPICS
from meshaid.hardware.meshtastic_radio.info import telemetry_metrics
from meshaid.hardware.meshtastic_radio.send_queue import Pending, RetryPolicy, SendCounters
from meshaid.hardware.meshtastic_radio.target import (
    SERIAL_PATTERNS,
    NoRadioPortError,
    SerialTarget,
    Target,
    TcpTarget,
    find_serial_port,
    parse_target,
)
from meshaid.hardware.meshtastic_radio.worker import LinkWorker
from meshaid.hardware.radio import (
    BROADCAST,
    BROADCAST_NUM,
    PayloadTooLargeError,
    RadioAddressError,
    RadioInfo,
    RadioMetrics,
    RadioNotConnectedError,
    ReceiveCallback,
    Received,
    StatusCallback,
)


@dataclass(frozen=True)
class MeshtasticStats:
    queued: int
    received: int
    received_dropped: int  # malformed, or gossip on another channel
    reconnects: int
    send: SendCounters = field(default_factory=SendCounters)


class MeshtasticRadio(LinkWorker):
    """A Meshtastic device as a meshaid Radio.

    ``target``: a SerialTarget, TcpTarget, or text for ``parse_target`` (None: the only
    USB serial port; RadioAddressError now if there are several; while there is none the
    worker keeps looking, as at each reconnection, since a radio may be plugged in after
    boot and a replugged adapter may come back under another number).
    ``channel_index``: the channel gossip goes out on and is accepted from. ``loop``:
    where callbacks run; by default the loop running when ``on_receive`` (or ``on_text``,
    ``on_status``) is called, or else the library's thread. ``policy``: waits after each
    kind of refusal. ``clock``: monotonic seconds for pacing and backoff; it must advance
    with real time, as the worker thread sleeps until the deadlines it gives.

    ``close()`` stops the worker thread and closes the library interface; so does leaving
    a ``with`` block.
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
        if not 0 <= channel_index < MAX_CHANNELS:
            raise RadioAddressError(
                f"channel index must be 0..{MAX_CHANNELS - 1}, not {channel_index}"
            )
        patterns = tuple(serial_patterns)
        if isinstance(target, SerialTarget) and target.path is None:
            # Several candidates: fail now with the list. None yet: the worker waits for one.
            with contextlib.suppress(NoRadioPortError):
                find_serial_port(patterns)
        super().__init__(
            target, channel_index=channel_index, loop=loop, policy=policy,
            backoff_initial=backoff_initial, backoff_max=backoff_max,
            connect_timeout=connect_timeout, queue_poll_interval=queue_poll_interval,
            capacity=capacity, serial_patterns=patterns, clock=clock,
        )
        self._on_receive: ReceiveCallback | None = None
        self._on_text: ReceiveCallback | None = None
        self._received = 0
        self._received_dropped = 0
        for topic in TOPICS:
            pub.subscribe(self._on_packet, topic)
        self._start()

    # -- the Radio interface ----------------------------------------------------------------

    @property
    def node_id(self) -> int:
        """This radio's node number (0 until the first connection)."""
        info = self._info
        return info.node_num if info is not None else 0

    @property
    def connected(self) -> bool:
        return self._connected

    @property
    def status(self) -> str:
        return self._status

    @property
    def address(self) -> str:
        return str(self.target)

    @property
    def info(self) -> RadioInfo | None:
        """What the radio said about itself at the last handshake (None before one)."""
        return self._info

    @property
    def metrics(self) -> RadioMetrics:
        return self._metrics

    @property
    def pending(self) -> int:
        """Frames and texts not yet confirmed by the radio (waiting or in flight)."""
        with self._cond:
            return self._queue.pending

    def ready(self) -> bool:
        """Connected, and every gossip frame handed to ``send`` taken by the radio.

        Taken: confirmed by a QueueStatus, dropped, or given no QueueStatus within the
        confirm timeout. A frame the radio refuses later goes back to waiting. Texts do
        not count: they have a queue order and pacing of their own.
        """
        with self._cond:
            return self._ready_locked()

    def send(
        self, payload: bytes, dest: int | None = BROADCAST, *, hop_limit: int | None = None
    ) -> None:
        """Queue a gossip frame on PRIVATE_APP, to everyone or to one node."""
        payload = bytes(payload)
        if len(payload) > MTU:
            raise PayloadTooLargeError(
                f"payload of {len(payload)} bytes is over the MTU of {MTU}"
            )
        self._enqueue(Pending(GOSSIP_PORT, payload, dest, hop_limit))

    def send_text(self, text: str, dest: int) -> None:
        """Queue a direct text message to a resident's radio (TEXT_MESSAGE_APP, acked)."""
        data = text.encode("utf-8")
        if len(data) > TEXT_MTU:
            raise PayloadTooLargeError(
                f"text of {len(data)} UTF-8 bytes is over the {TEXT_MTU}-byte limit"
            )
        if dest is None or dest == BROADCAST_NUM:
            raise RadioAddressError("texts go to one node, not to everyone")
        self._enqueue(Pending(TEXT_PORT, data, dest))

    def on_receive(self, callback: ReceiveCallback) -> None:
        """Gossip frames (PRIVATE_APP on our channel) go to ``callback``."""
        self._on_receive = callback
        self._capture_loop()

    def on_text(self, callback: ReceiveCallback) -> None:
        """Texts (TEXT_MESSAGE_APP, any channel) go to ``callback``, payload as UTF-8 bytes."""
        self._on_text = callback
        self._capture_loop()

    def on_status(self, callback: StatusCallback) -> None:
        """``callback`` hears every change of ``connected`` and ``status``, and the current
        status again when ``ready()`` turns true after gossip was queued."""
        self._on_status = callback
        self._capture_loop()

    # -- beyond the interface -------------------------------------------------------------

    @property
    def firmware_version(self) -> str:
        return self._info.firmware_version if self._info else ""

    @property
    def channel_name(self) -> str:
        return self._info.channel_name if self._info else ""

    @property
    def uses_default_key(self) -> bool:
        return self._info.uses_default_key if self._info else False

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
        for topic in TOPICS:
            with contextlib.suppress(Exception):
                pub.unsubscribe(self._on_packet, topic)
        self._set_status(False, "closed")

    def __enter__(self) -> MeshtasticRadio:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- internals ------------------------------------------------------------------------

    def _enqueue(self, item: Pending) -> None:
        if item.hop_limit is not None and not 0 <= item.hop_limit <= MAX_HOP_LIMIT:
            raise RadioAddressError(
                f"hop limit must be 0..{MAX_HOP_LIMIT}, not {item.hop_limit}"
            )
        if item.dest is not None and not 0 < item.dest < BROADCAST_NUM:
            raise RadioAddressError(f"{item.dest} is not a node number")
        with self._cond:
            if self._closing:
                raise RadioNotConnectedError("the radio is closed")
            if not self._connected:
                raise RadioNotConnectedError(f"radio not connected: {self._status}")
            if item.dest is not None and item.dest == self.node_id:
                raise RadioAddressError("a radio cannot send to itself")
            self._queue.push(item)
            if item.port == GOSSIP_PORT:
                self._told_ready = False  # the caller sees ready() false from here on
            self._cond.notify_all()

    # -- what the library hands over ------------------------------------------------------

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
        if port == ROUTING_PORT:
            self._routing(raw)
            return
        if port == TELEMETRY_PORT:
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
            # Set by firmware 2.5+ on a direct message it decrypted with the sender's key.
            pki_encrypted=port == TEXT_PORT and bool(raw.pki_encrypted),
            public_key=bytes(raw.public_key) if port == TEXT_PORT and raw.pki_encrypted else b"",
        )
        with self._cond:
            self._received += 1
        if callback is not None and not self._deliver(callback, received):
            with self._cond:
                self._received_dropped += 1

    def _telemetry(self, payload: bytes) -> None:
        metrics = telemetry_metrics(payload, self._metrics)
        if metrics is not None:
            self._metrics = metrics
