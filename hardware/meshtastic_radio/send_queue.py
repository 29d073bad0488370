"""The send queue: which packet to hand to the radio next, and what its answers mean.

Sans-I/O: no threads, no clock (every call takes ``now``), no ``meshtastic`` import. The
adapter (meshaid.hardware.meshtastic_radio.adapter) drives it from its worker thread and
feeds it the radio's QueueStatus and ROUTING_APP answers. What the firmware does that the
rules here answer is listed in the package docstring (meshaid.hardware.meshtastic_radio).
"""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass

from meshaid.hardware.meshtastic_radio.firmware import GOSSIP_PORT, TEXT_PORT, RoutingError
from meshaid.hardware.radio import RadioQueueFullError


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
            raise RadioQueueFullError(
                f"send queue is full ({self.capacity} packets wait for the radio)"
            )
        self._pushed += 1
        item.seq = self._pushed
        self._queues[item.port].append(item)

    @property
    def pending(self) -> int:
        """Packets not yet confirmed by the radio (waiting or in flight)."""
        return sum(len(q) for q in self._queues.values()) + len(self._in_flight)

    def outstanding(self, port: int) -> int:
        """Packets of ``port`` not yet taken by the radio: waiting, or written and not
        yet confirmed by a QueueStatus (nor given up on waiting for one)."""
        in_flight = sum(1 for flight in self._in_flight.values() if flight.item.port == port)
        return len(self._queues[port]) + in_flight

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

