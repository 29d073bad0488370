"""Two simple ways to share a board, to measure the sync engine against.

* ``NaiveFlooding``: each record is sent once, by the node that made it, as a broadcast
  that the mesh's managed flooding relays (the radio's hop limit, 3 by default). Nothing is
  ever repeated or repaired. This is how most Meshtastic bulletin boards share posts.
* ``PeriodicRebroadcast``: every node sends every record it holds, again and again: each
  period (60 minutes by default) it starts a round over its whole store, newest first
  (by when this node got the record), with as many records in a frame as fit. Frames go
  to neighbours only (the driver sends them with hop limit 0); records travel further
  because every node repeats them. A round stops where the airtime budget runs out (5 %
  of every sliding hour by default, half the EU 10 % duty cycle, as the firmware keeps
  its own periodic traffic to half) and the next round starts again from the newest: with
  thousands of entries, the oldest are repeated rarely or never, which a naive
  implementation would do too. A record this node creates goes out at once, ahead of
  the round.

Both verify every record before accepting it (a VerifyCache shared by the nodes of one
simulation saves decoding and checking the same bytes again) and emit the same events as
the engine. Pure: ``now`` and randomness come from the caller.

Frame format, shared by both (first byte says which):

    0xB0 | (length: 2 bytes big-endian | record bytes)*       whole records
    0xB1 | message id: 2 bytes | index: 1 | count: 1 | chunk  one part of a long record

A record too long for one frame is cut into parts (at most 8) that share a message id;
the receiver puts them back together and drops parts that stay incomplete for 10 minutes.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Iterable, Sequence

from meshaid.protocol import airtime
from meshaid.protocol.errors import DecodeError, UsageError
from meshaid.protocol.record import MAX_RECORD_BYTES, RecordId, SignedRecord
from meshaid.sync.api import (
    Event,
    FrameDropped,
    KeyLookup,
    Outgoing,
    PeerSeen,
    RecordsAccepted,
)
from meshaid.sync.verify import VerifyCache

RECORDS_FRAME = 0xB0
FRAGMENT_FRAME = 0xB1
LENGTH_BYTES = 2
FRAGMENT_HEADER = 5
MAX_FRAGMENTS = 8
REASSEMBLY_SECONDS = 600.0
MAX_REASSEMBLIES = 64
HOUR = 3600.0


def pack_frames(records: Sequence[SignedRecord], mtu: int, next_message_id: int) -> list[bytes]:
    """Frames carrying ``records`` in order: whole records batched, long ones in parts.

    Message ids for parts count up from ``next_message_id`` (modulo 2^16).
    """
    if mtu < FRAGMENT_HEADER + 1:
        raise UsageError(f"an MTU of {mtu} bytes cannot carry records")
    frames: list[bytes] = []
    batch = bytearray()
    message_id = next_message_id
    for rec in records:
        raw = rec.raw
        whole = LENGTH_BYTES + len(raw)
        if 1 + whole > mtu:
            chunk = mtu - FRAGMENT_HEADER
            parts = [raw[i:i + chunk] for i in range(0, len(raw), chunk)]
            if len(parts) > MAX_FRAGMENTS:
                raise UsageError(f"a {len(raw)}-byte record needs more than {MAX_FRAGMENTS} parts")
            mid = (message_id % 0x10000).to_bytes(2, "big")
            message_id += 1
            for index, part in enumerate(parts):
                frames.append(bytes([FRAGMENT_FRAME]) + mid + bytes([index, len(parts)]) + part)
            continue
        if batch and len(batch) + whole > mtu:
            frames.append(bytes(batch))
            batch = bytearray()
        if not batch:
            batch.append(RECORDS_FRAME)
        batch += len(raw).to_bytes(LENGTH_BYTES, "big") + raw
    if batch:
        frames.append(bytes(batch))
    return frames


class _Reassembly:
    __slots__ = ("count", "parts", "started")

    def __init__(self, count: int, started: float) -> None:
        self.count = count
        self.parts: dict[int, bytes] = {}
        self.started = started


class _Receiver:
    """What both baselines do with frames from the air: parse, verify, store, report."""

    def __init__(
        self, keys: KeyLookup, records: Iterable[SignedRecord], verify_cache: VerifyCache | None
    ) -> None:
        self._keys = keys
        self._cache = verify_cache or VerifyCache()
        self.store: dict[RecordId, SignedRecord] = {}
        self.arrival_order: list[SignedRecord] = []
        self._raw_seen: set[bytes] = set()
        self._events: list[Event] = []
        self._reassembly: dict[tuple[int, int], _Reassembly] = {}
        self.dropped = 0
        for rec in records:
            self._keep(rec)

    def _keep(self, rec: SignedRecord) -> None:
        self._raw_seen.add(rec.raw)
        self.store.setdefault(rec.record_id, rec)
        self.arrival_order.append(rec)

    def _drop(self, sender: int, reason: str) -> None:
        self.dropped += 1
        self._events.append(FrameDropped(sender, reason))

    def receive(self, payload: bytes, sender: int, now: float) -> None:
        raws = self._parse(bytes(payload), sender, now)
        if raws is None:
            return
        self._events.append(PeerSeen(sender, now))
        accepted: list[SignedRecord] = []
        for raw in raws:
            rec = self._verify(raw, sender)
            if rec is not None:
                self._keep(rec)
                accepted.append(rec)
        if accepted:
            self._events.append(RecordsAccepted(tuple(accepted)))

    def _parse(self, payload: bytes, sender: int, now: float) -> list[bytes] | None:
        if not payload:
            self._drop(sender, "empty frame")
            return None
        kind = payload[0]
        if kind == RECORDS_FRAME:
            raws: list[bytes] = []
            at = 1
            while at < len(payload):
                if at + LENGTH_BYTES > len(payload):
                    self._drop(sender, "truncated record length")
                    return None
                size = int.from_bytes(payload[at:at + LENGTH_BYTES], "big")
                at += LENGTH_BYTES
                if size == 0 or at + size > len(payload):
                    self._drop(sender, "record length past the end of the frame")
                    return None
                raws.append(payload[at:at + size])
                at += size
            if not raws:
                self._drop(sender, "frame without records")
                return None
            return raws
        if kind == FRAGMENT_FRAME:
            return self._fragment(payload, sender, now)
        self._drop(sender, f"unknown frame type {kind:#04x}")
        return None

    def _fragment(self, payload: bytes, sender: int, now: float) -> list[bytes] | None:
        if len(payload) <= FRAGMENT_HEADER:
            self._drop(sender, "truncated fragment")
            return None
        message_id = int.from_bytes(payload[1:3], "big")
        index, count = payload[3], payload[4]
        if not 1 < count <= MAX_FRAGMENTS or index >= count:
            self._drop(sender, f"bad fragment {index} of {count}")
            return None
        for key in [k for k, v in self._reassembly.items() if now - v.started > REASSEMBLY_SECONDS]:
            del self._reassembly[key]
        key = (sender, message_id)
        slot = self._reassembly.get(key)
        if slot is None or slot.count != count:
            if len(self._reassembly) >= MAX_REASSEMBLIES:
                oldest = min(self._reassembly, key=lambda k: self._reassembly[k].started)
                del self._reassembly[oldest]
            slot = self._reassembly[key] = _Reassembly(count, now)
        slot.parts[index] = payload[FRAGMENT_HEADER:]
        if len(slot.parts) < count:
            return []
        del self._reassembly[key]
        raw = b"".join(slot.parts[i] for i in range(count))
        if len(raw) > MAX_RECORD_BYTES:
            self._drop(sender, "reassembled record too long")
            return None
        return [raw]

    def _verify(self, raw: bytes, sender: int) -> SignedRecord | None:
        if raw in self._raw_seen:
            return None
        try:
            rec = self._cache.decode(raw)
        except DecodeError as exc:
            self._drop(sender, f"bad record: {exc}")
            return None
        key = self._keys(rec.body.origin)
        if key is None:
            self._drop(sender, f"record from unknown origin {rec.body.origin:#010x}")
            return None
        if not self._cache.verify(rec, key):
            self._drop(sender, "bad signature")
            return None
        return rec

    def drain_events(self) -> list[Event]:
        events, self._events = self._events, []
        return events


class NaiveFlooding(_Receiver):
    """Baseline (a): send each new record once; the mesh floods it; no repair."""

    def __init__(
        self,
        keys: KeyLookup,
        records: Iterable[SignedRecord] = (),
        *,
        rng: random.Random,
        mtu: int = airtime.MAX_APP_PAYLOAD,
        verify_cache: VerifyCache | None = None,
    ) -> None:
        super().__init__(keys, records, verify_cache)
        self._mtu = mtu
        self._message_id = rng.randrange(0x10000)
        self._outbox: deque[bytes] = deque()

    def add_local(self, record: SignedRecord, now: float) -> None:
        self._keep(record)
        frames = pack_frames([record], self._mtu, self._message_id)
        self._message_id += 1
        self._outbox.extend(frames)

    def poll_transmit(self, now: float) -> Outgoing | None:
        return Outgoing(self._outbox.popleft()) if self._outbox else None

    def next_deadline(self) -> float | None:
        return None

    def handle_timer(self, now: float) -> None:
        return None


class PeriodicRebroadcast(_Receiver):
    """Baseline (b): every period, rebroadcast everything held, within an airtime budget."""

    def __init__(
        self,
        keys: KeyLookup,
        records: Iterable[SignedRecord] = (),
        *,
        rng: random.Random,
        now: float = 0.0,
        period: float = HOUR,
        budget_share: float = 0.05,
        mtu: int = airtime.MAX_APP_PAYLOAD,
        preset: str = airtime.DEFAULT_PRESET,
        verify_cache: VerifyCache | None = None,
    ) -> None:
        if period <= 0:
            raise UsageError("the period must be positive")
        if not 0 < budget_share <= 1:
            raise UsageError("the budget share must be in (0, 1]")
        super().__init__(keys, records, verify_cache)
        self._mtu = mtu
        self._preset = preset
        self._period = period
        self._budget = budget_share * HOUR
        self._message_id = rng.randrange(0x10000)
        # Nodes do not start their rounds in step.
        self._next_round = now + rng.uniform(0, period)
        self._round: deque[SignedRecord] = deque()
        self._urgent: deque[bytes] = deque()
        self._frames: deque[bytes] = deque()
        self._sent: deque[tuple[float, float]] = deque()
        self._sent_total = 0.0
        self._blocked_until: float | None = None

    def add_local(self, record: SignedRecord, now: float) -> None:
        self._keep(record)
        self._urgent.extend(pack_frames([record], self._mtu, self._message_id))
        self._message_id += 1

    def handle_timer(self, now: float) -> None:
        if now >= self._next_round:
            # A new round replaces what is left of the last one, newest records first.
            self._round = deque(reversed(self.arrival_order))
            self._frames.clear()
            while self._next_round <= now:
                self._next_round += self._period

    def _used(self, now: float) -> float:
        # The same sum as in poll_transmit's blocked_until, so that the budget frees up
        # exactly when it said it would.
        while self._sent and self._sent[0][0] + HOUR <= now:
            self._sent_total -= self._sent.popleft()[1]
        return self._sent_total

    def _next_frame(self) -> bytes | None:
        if self._urgent:
            return self._urgent[0]
        if not self._frames and self._round:
            batch: list[SignedRecord] = []
            room = self._mtu - 1
            while self._round:
                size = LENGTH_BYTES + len(self._round[0].raw)
                if batch and size > room:
                    break
                batch.append(self._round.popleft())
                room -= size
                if room <= LENGTH_BYTES:
                    break
            self._frames.extend(pack_frames(batch, self._mtu, self._message_id))
            self._message_id += 1
        return self._frames[0] if self._frames else None

    def poll_transmit(self, now: float) -> Outgoing | None:
        frame = self._next_frame()
        if frame is None:
            return None
        cost = airtime.airtime_seconds(len(frame), self._preset)
        if self._used(now) + cost > self._budget:
            oldest = self._sent[0][0] if self._sent else now
            self._blocked_until = oldest + HOUR
            return None
        self._blocked_until = None
        (self._urgent if self._urgent else self._frames).popleft()
        self._sent.append((now, cost))
        self._sent_total += cost
        return Outgoing(frame)

    def next_deadline(self) -> float | None:
        if self._blocked_until is not None:
            return min(self._next_round, self._blocked_until)
        return self._next_round
