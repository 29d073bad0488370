"""The pump: one node's loop body, between a radio, a gossip protocol and a board.

The daemon (node/daemon/service.py) drives it with asyncio on a real radio; the simulator
(node/sim/simulation.py) drives the same class on the simulated LoRa mesh; the sync tests
drive it on in-memory radios. Whoever drives it owns the clock: ``step(now)`` does what is
due at ``now`` and ``next_wakeup()`` says when to call it again; the radio's callbacks call
``wake`` (given by the driver) when something arrives.

One step, in order:

* frames heard since the last step -> opened with the neighbourhood's key (``sealer``) ->
  ``protocol.receive``; a frame that does not open is dropped and counted unparsed;
* residents' texts -> the desk, which keeps its replies in its outbox (in the store);
  the oldest goes to ``radio.send_text`` when the radio is connected, one per
  ``text_interval`` (the firmware takes one text per 2 s from its client), and only
  within the airtime budget: every reply is charged to the engine's budget
  (``SyncEngine.may_spend``/``spend``) and to the share of it replies may use;
* this node's own new records (from ``local``, polled every ``local_poll_every`` seconds
  or at once after a text) -> ``protocol.add_local``;
* pruning with the wall clock, every ``prune_every`` seconds, and the known seq runs
  handed to the board to keep across restarts;
* the protocol's timers; its events -> the board (accepted records), the neighbour
  table (peers heard), the counters (frames dropped);
* frames -> sealed -> ``radio.send``, only while ``radio.ready()`` (and never unsealed when
  a sealer is given but holds no key): frames stay in the protocol until
  the radio has room, so a relay the protocol cancels on overhearing never leaves, on a
  real radio as in the simulator.
"""

from __future__ import annotations

import logging
from collections import Counter, deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from meshaid.hardware.radio import (
    PayloadTooLargeError,
    Radio,
    RadioAddressError,
    RadioError,
    RadioStatus,
    Received,
)
from meshaid.protocol.airtime import airtime_seconds, frame_airtime, phy_payload_bytes
from meshaid.protocol.errors import UsageError
from meshaid.protocol.record import SignedRecord
from meshaid.sync.api import FrameDropped, GossipProtocol, PeerSeen, RecordsAccepted
from meshaid.sync.budget import AirtimeBudget

from .channel_manners import ChannelManners

logger = logging.getLogger(__name__)

# While the radio is away, due frames wait; its status callback wakes the pump sooner.
DISCONNECTED_RETRY = 1.0
# Gossip goes to neighbours only: the engine relays what its neighbours lack itself, and
# letting the firmware flood every frame three hops too would multiply the airtime.
GOSSIP_HOP_LIMIT = 0
TEXT_PORT = 1  # TEXT_MESSAGE_APP
# A PKI-encrypted direct message carries 12 bytes more (its tag and nonce); replies are
# charged as if each were one.
PKI_OVERHEAD = 12
# Replies held back by the budget are looked at again this much later.
REPLY_RETRY = 10.0


def text_airtime(text: str, preset: str) -> float:
    """Seconds on air of one direct text of ``text`` (its UTF-8 size, PKI-sealed)."""
    size = len(text.encode("utf-8")) + PKI_OVERHEAD
    return frame_airtime(min(phy_payload_bytes(size, TEXT_PORT), 255), preset)


class Board(Protocol):
    """Where accepted records go, and what the node keeps of the protocol between runs."""

    def accept(self, records: Sequence[SignedRecord], now: float) -> None:
        """Records the protocol verified and found new: store (merge) them."""

    def keep_known(self, runs: Mapping[int, Sequence[tuple[int, int]]]) -> None:
        """Every origin's seq runs known to the protocol (held, pruned or reported
        pruned), to load again after a restart so nobody is asked for them again."""


class LocalRecords(Protocol):
    """This node's own records, made elsewhere (the CLI, the desk), not yet handed over."""

    def take_new(self) -> list[SignedRecord]:
        """Records made since the last call, in seq order."""


class Sealer(Protocol):
    """Seals gossip frames with the neighbourhood's key (meshaid.node.membership.keyring)."""

    @property
    def overhead(self) -> int:
        """Bytes sealing adds to a frame."""

    def can_seal(self) -> bool:
        """Whether a key is held: without one, nothing is sent."""

    def seal(self, payload: bytes) -> bytes: ...

    def open(self, frame: bytes) -> bytes | None:
        """The payload, or None for a frame this node cannot open (counted by the sealer)."""

    def catch_up(self, frame: bytes, now: float) -> list[bytes]:
        """Frames to send because ``frame`` (just opened) was sealed with an older epoch
        than ours: its sender missed a re-key, and cannot read what we send now."""


class Desk(Protocol):
    """Answers residents' direct messages (meshaid.node.desk.desk.PhoneDesk)."""

    def handle(
        self, sender: int, text: str, wall: float, *, key: bytes | None = None
    ) -> Sequence[TextReply]:
        """Answer one text (``wall``: Unix seconds, for ages shown to residents; ``key``:
        the sender's public key when it came PKI-encrypted), queueing the replies."""

    def replies_due(self, wall: float) -> Sequence[TextReply]:
        """The oldest replies waiting to be sent, first first."""

    def reply_sent(self, reply: Any) -> None:
        """A reply from ``replies_due`` is with the radio: forget it."""

    def reply_refused(self, reply: Any) -> None:
        """The radio will never take this reply: drop it."""

    def queue_texts(self, texts: Sequence[Any], wall: float) -> None:
        """Queue texts made elsewhere (notices) like replies."""

    @property
    def replies_waiting(self) -> int: ...


class TextReply(Protocol):
    @property
    def dest(self) -> int: ...

    @property
    def text(self) -> str: ...


@runtime_checkable
class AirtimeAccount(Protocol):
    """A protocol whose airtime budget the pump charges what it sends besides gossip."""

    def may_spend(self, seconds: float, now: float) -> bool: ...

    def spend(self, seconds: float, now: float) -> None: ...


@runtime_checkable
class Noticing(Protocol):
    """A board that has texts for residents about records it took (a match of their post:
    meshaid.node.committee.notices)."""

    def notices(self, records: Sequence[SignedRecord]) -> Sequence[TextReply]: ...


@runtime_checkable
class Prunable(Protocol):
    def prune(self, wall_minutes: int) -> object: ...

    def known_runs(self) -> Mapping[int, Sequence[tuple[int, int]]]: ...


@dataclass
class Neighbour:
    node: int
    first_heard: float  # driver time
    last_heard: float
    frames: int = 0


@dataclass(frozen=True)
class PumpConfig:
    """How often the pump does its housekeeping, in the driver's seconds."""

    local_poll_every: float = 3.0  # a post from another process goes on air within this
    prune_every: float = 60.0  # expiry is by the minute: once a minute is enough
    hop_limit: int | None = GOSSIP_HOP_LIMIT  # None: the radio's default (flooding baseline)
    budget_seconds: float = 180.0  # for the airtime shown in status (the engine has its own)
    preset: str = "LONG_FAST"
    text_interval: float = 2.5  # between replies handed to the radio
    reply_share: float = 0.25  # of the budget, at most, for replies to phones


class Pump:
    """One node's pump; see the module docstring. Not thread-safe: one driver calls it."""

    def __init__(
        self,
        protocol: GossipProtocol,
        radio: Radio,
        board: Board,
        *,
        wall_minutes: Callable[[], int] | None = None,
        wall: Callable[[], float] = lambda: 0.0,
        config: PumpConfig | None = None,
        local: LocalRecords | None = None,
        desk: Desk | None = None,
        sealer: Sealer | None = None,
        wake: Callable[[], None] | None = None,
        on_sent: Callable[[float, int], None] | None = None,
    ) -> None:
        self.protocol = protocol
        self.radio = radio
        self.board = board
        self.config = config or PumpConfig()
        self.local = local
        self.desk = desk
        self.sealer = sealer
        self._wall_minutes = wall_minutes
        self._wall = wall
        self._wake = wake or (lambda: None)
        self._on_sent = on_sent  # (now, payload bytes) of each frame handed to the radio
        self.manners = ChannelManners()
        # What this node handed to the radio in the last hour, charged as the engine does.
        self.airtime = AirtimeBudget(self.config.budget_seconds, 0.0)
        self.reply_airtime = AirtimeBudget(
            self.config.budget_seconds * self.config.reply_share, 0.0)
        self._next_text = float("-inf")
        self.neighbours: dict[int, Neighbour] = {}
        self.counters: Counter[str] = Counter()
        self._inbox: deque[Received] = deque()
        self._texts: deque[Received] = deque()
        self._catch_up: deque[bytes] = deque()  # sealed already, for a node behind an epoch
        self._next_local = float("-inf")
        self._next_prune = float("-inf")
        self._local_now = False
        self._stepping = False
        self._again = False
        # Pruning needs the wall clock; without one (hand-driven tests) nothing is pruned.
        self._prunes = wall_minutes is not None and isinstance(protocol, Prunable)
        radio.on_receive(self._heard)
        radio.on_text(self._text_heard)
        radio.on_status(self._radio_changed)

    # -- what the driver calls ----------------------------------------------------------

    def add_local(self, record: SignedRecord, now: float) -> None:
        """A record this node just made and stored: spread it (the simulator's path)."""
        self.protocol.add_local(record, now)
        self.step(now)

    def step(self, now: float) -> None:
        """Do everything that is due at ``now``."""
        if self._stepping:  # a radio callback during our own send: go round once more
            self._again = True
            return
        self._stepping = True
        try:
            self._again = True
            while self._again:
                self._again = False
                self._step(now)
        finally:
            self._stepping = False

    def next_wakeup(self, now: float) -> float | None:
        """When ``step`` should run next; None when only an arrival can give it work."""
        times = []
        if self.local is not None:
            times.append(self._next_local)
        if self._prunes:
            times.append(self._next_prune)
        if self.desk is not None and self.desk.replies_waiting and self.radio.connected:
            times.append(max(self._next_text, now))
        deadline = self.protocol.next_deadline()
        # A due frame waiting for a connected radio's room: its status callback wakes us.
        waiting = deadline is not None and deadline <= now and self.radio.connected and (
            not self.radio.ready())
        if deadline is not None and not waiting:
            wait = deadline - now
            if not self.radio.connected:
                wait = max(wait, DISCONNECTED_RETRY)
            held = self.manners.wait(self.radio.metrics.channel_utilisation, now)
            if held is not None:
                wait = max(wait, held)
            times.append(now + wait)
        return min(times) if times else None

    def pick_up_local(self) -> None:
        """Look for this node's new records at the next step, not at the next poll."""
        self._local_now = True
        self._wake()

    # -- one step -----------------------------------------------------------------------

    def _step(self, now: float) -> None:
        proto = self.protocol
        while self._inbox:
            rx = self._inbox.popleft()
            payload = rx.payload
            if self.sealer is not None:
                opened = self.sealer.open(rx.payload)
                if opened is None:  # not of our neighbourhood, or forged: never parsed
                    self.counters["frames_not_opened"] += 1
                    continue
                payload = opened
                self._catch_up.extend(self.sealer.catch_up(rx.payload, now))
            proto.receive(payload, rx.sender, now)
        if self._texts:
            self._answer_texts()
        if self.desk is not None and now >= self._next_text and self.desk.replies_waiting:
            self._send_reply(now)
        if self.local is not None and (self._local_now or now >= self._next_local):
            self._local_now = False
            self._next_local = now + self.config.local_poll_every
            self._hand_local(now)
        if self._prunes and now >= self._next_prune:
            assert isinstance(proto, Prunable)
            self._next_prune = now + self.config.prune_every
            # Records the engine took are stored first: the runs kept with the prune must
            # not name a seq the store lacks (it would never be asked for again).
            self._handle_events(now)
            self._prune(proto)
        due = proto.next_deadline()
        if due is not None and due <= now:
            proto.handle_timer(now)
        self._handle_events(now)
        self._transmit(now)
        self._handle_events(now)

    def _hand_local(self, now: float) -> None:
        assert self.local is not None
        try:
            records = self.local.take_new()
        except Exception as exc:  # a busy database: the next poll tries again
            self.counters["local_read_failed"] += 1
            logger.error("cannot read this node's new records: %s", exc)
            return
        for rec in records:
            try:
                self.protocol.add_local(rec, now)
            except UsageError as exc:
                logger.error("own record %d not sent: %s", rec.body.seq, exc)
                continue
            logger.info("own record %08x/%d queued for the air", rec.body.origin, rec.body.seq)
        self._notify(records)

    def _prune(self, proto: Prunable) -> None:
        assert self._wall_minutes is not None
        try:
            minute = self._wall_minutes()
        except Exception as exc:  # a busy database behind the clock: next time
            logger.error("cannot read the wall clock: %s", exc)
            return
        proto.prune(minute)
        try:
            self.board.keep_known(proto.known_runs())
        except Exception as exc:
            self.counters["keep_known_failed"] += 1
            logger.error("cannot keep the known seq runs: %s", exc)

    def _transmit(self, now: float) -> None:
        radio = self.radio
        if self.sealer is not None and not self.sealer.can_seal():
            return  # no epoch key: gossip is never sent unsealed
        while self._catch_up and radio.connected and radio.ready():
            frame = self._catch_up.popleft()
            try:
                radio.send(frame, None, hop_limit=self.config.hop_limit)
            except RadioError as exc:
                logger.warning("catch-up frame not sent: %s", exc)
                break
            self.airtime.spend(now, airtime_seconds(len(frame), self.config.preset))
            self.counters["catch_up_frames_sent"] += 1
        while radio.connected and radio.ready():
            utilisation = radio.metrics.channel_utilisation
            if not self.manners.may_send(utilisation, now):
                self.counters["held_for_busy_channel"] += 1
                return
            out = self.protocol.poll_transmit(now)
            if out is None:
                return
            payload = out.payload if self.sealer is None else self.sealer.seal(out.payload)
            self.airtime.spend(now, airtime_seconds(len(payload), self.config.preset))
            before = radio.pending
            try:
                radio.send(payload, out.dest, hop_limit=self.config.hop_limit)
            except RadioError as exc:  # went down meanwhile: digests repair what is lost
                self.counters["send_failed"] += 1
                logger.warning("frame of %d bytes not sent: %s", len(out.payload), exc)
                return
            self.counters["frames_sent"] += 1
            if self._on_sent is not None:
                self._on_sent(now, len(payload))
            self.manners.sent(utilisation, now)
            if radio.pending <= before:
                return  # refused at once (duty cycle): the radio counted it; wait

    def _handle_events(self, now: float) -> None:
        for event in self.protocol.drain_events():
            if isinstance(event, RecordsAccepted):
                self.board.accept(event.records, now)
                self._notify(event.records)
            elif isinstance(event, PeerSeen):
                known = self.neighbours.get(event.node)
                if known is None:
                    known = self.neighbours[event.node] = Neighbour(event.node, now, now)
                    logger.info("neighbour !%08x heard", event.node)
                known.last_heard = now
                known.frames += 1
            elif isinstance(event, FrameDropped):
                self.counters["frames_dropped"] += 1
                logger.debug("frame from !%08x dropped: %s", event.sender, event.reason)

    def _notify(self, records: Sequence[SignedRecord]) -> None:
        """Texts the board has for residents about these records, sent like replies."""
        if not records or not isinstance(self.board, Noticing):
            return
        try:
            notices = self.board.notices(records)
        except Exception:  # a notice is a courtesy: it must never stop the node
            self.counters["notices_failed"] += 1
            logger.exception("notices for %d records failed", len(records))
            return
        if self.desk is not None and notices:  # through the outbox: limited, charged, kept
            self.desk.queue_texts(notices, self._wall())
            self.counters["notices_queued"] += len(notices)
            return
        for notice in notices:
            try:
                self.radio.send_text(notice.text, notice.dest)
            except RadioError as exc:
                self.counters["notices_failed"] += 1
                logger.warning("notice to !%08x not sent: %s", notice.dest, exc)
            else:
                self.counters["notices_sent"] += 1

    def _answer_texts(self) -> None:
        while self._texts:
            rx = self._texts.popleft()
            if self.desk is None:
                self.counters["texts_ignored"] += 1
                continue
            text = rx.payload.decode("utf-8", errors="replace")
            self.counters["texts_received"] += 1
            logger.info("text from !%08x (%d bytes)", rx.sender, len(rx.payload))
            key = rx.public_key if rx.pki_encrypted else None
            try:
                self.desk.handle(rx.sender, text, self._wall(), key=key)
            except Exception:  # the desk answers everything; a bug must not stop the node
                self.counters["texts_failed"] += 1
                logger.exception("phone desk failed on a text from !%08x", rx.sender)
                continue
            self._local_now = True  # a resident's post goes on air at once

    def _send_reply(self, now: float) -> None:
        """The oldest reply waiting to the radio, if the radio and the budgets have room."""
        assert self.desk is not None
        if not self.radio.connected:
            return
        try:
            due = self.desk.replies_due(self._wall())
        except Exception as exc:  # a busy database: the next step tries again
            self.counters["replies_read_failed"] += 1
            logger.error("cannot read the replies waiting: %s", exc)
            self._next_text = now + self.config.text_interval
            return
        for reply in due[:1]:
            seconds = text_airtime(reply.text, self.config.preset)
            engine = self.protocol
            if not self.reply_airtime.allows(now, seconds) or (
                isinstance(engine, AirtimeAccount) and not engine.may_spend(seconds, now)
            ):
                self.counters["replies_held_for_budget"] += 1
                self._next_text = now + REPLY_RETRY
                return
            try:
                self.radio.send_text(reply.text, reply.dest)
            except (PayloadTooLargeError, RadioAddressError) as exc:
                self.counters["replies_failed"] += 1
                logger.warning("reply to !%08x dropped: %s", reply.dest, exc)
                self._settle(self.desk.reply_refused, reply)
                return
            except RadioError as exc:  # unplugged or full: it stays queued
                self.counters["replies_failed"] += 1
                logger.warning("reply to !%08x not sent yet: %s", reply.dest, exc)
                self._next_text = now + self.config.text_interval
                return
            self._settle(self.desk.reply_sent, reply)
            self.counters["replies_sent"] += 1
            self.reply_airtime.spend(now, seconds)
            self.airtime.spend(now, seconds)
            if isinstance(engine, AirtimeAccount):
                engine.spend(seconds, now)
            self._next_text = now + self.config.text_interval

    def _settle(self, settle: Callable[[Any], None], reply: TextReply) -> None:
        try:
            settle(reply)
        except Exception as exc:  # a busy database: the reply may go twice, never lost
            self.counters["replies_not_settled"] += 1
            logger.error("reply to !%08x not marked as sent: %s", reply.dest, exc)

    # -- radio callbacks (the driver's loop) ----------------------------------------------

    def _heard(self, rx: Received) -> None:
        self._inbox.append(rx)
        self._wake()

    def _text_heard(self, rx: Received) -> None:
        if rx.dest is None:  # channel chat, not a message to this node
            self.counters["texts_ignored"] += 1
            return
        self._texts.append(rx)
        self._wake()

    def _radio_changed(self, _status: RadioStatus) -> None:
        self._wake()
