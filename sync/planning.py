"""Turning the work the parts queued into frames on air, within the airtime budget.

The other parts build drafts: a payload, the budget share it is charged to, and what
sending it changes for them (commit) or undoing the building (cancel). The planner asks
them in priority order, charges what fits, splits payloads longer than the MTU into
fragments, and says when to be called next. ``RecordFrames`` fills RECORDS frames from
the outbox and paces our answers.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from meshaid.protocol import fragment, frames
from meshaid.protocol.frames import FrameType, RecordsFrame
from meshaid.sync.budget import Share
from meshaid.sync.context import Context
from meshaid.sync.outbox import Item, Reason

# Queued records looked at to fill a frame after the first.
FILL_LOOKAHEAD = 8
# A frame ready to go: payload, airtime, type name for the stats.
Planned = tuple[bytes, float, str]


def _nothing() -> None:
    pass


@dataclass(slots=True)
class Draft:
    """A frame's payload as built, before fragmenting. ``commit`` is called with the
    airtime of all its frames once they are handed over; ``cancel`` when the budget holds
    it back, to undo what building it took."""

    payload: bytes
    kind: str
    commit: Callable[[float], None]
    share: Share = Share.ORDINARY
    cancel: Callable[[], None] = _nothing


Builder = Callable[[float], Draft | None]


class RecordFrames:
    """RECORDS frames from the outbox: the most urgent record and what fits beside it."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        self.answer_not_before = float("-inf")

    def paced(self, item: Item, now: float) -> bool:
        return item.reason == Reason.ANSWER and not item.alert and now < self.answer_not_before

    def build_alerts(self, now: float) -> Draft | None:
        return self.build(now, alerts_only=True)

    def build(self, now: float, alerts_only: bool = False) -> Draft | None:
        ctx = self._ctx
        outbox = ctx.outbox
        top = outbox.peek()
        ttl = ctx.config.answer_ttl
        while top is not None and top.reason == Reason.ANSWER and top.due + ttl < now:
            # Waited too long (our budget was spent): the requester has asked others by now.
            outbox.pop()
            ctx.stats.answers_expired += 1
            top = outbox.peek()
        if top is None or (alerts_only and not top.alert) or self.paced(top, now):
            return None
        first = outbox.pop()
        assert first is not None
        items = [first]
        mtu = ctx.config.mtu
        size = 1 + frames.record_item_size(len(first.record.raw))
        if size <= mtu:
            set_aside: list[Item] = []
            for _ in range(FILL_LOOKAHEAD):
                if len(items) >= ctx.config.max_batch_records:
                    break
                nxt = outbox.pop()
                if nxt is None:
                    break
                extra = frames.record_item_size(len(nxt.record.raw))
                fits = size + extra <= mtu and nxt.relay == first.relay
                if fits and (nxt.alert or not first.alert) and not self.paced(nxt, now):
                    items.append(nxt)
                    size += extra
                else:
                    set_aside.append(nxt)
            for item in set_aside:
                outbox.restore(item)

        def commit(airtime: float) -> None:
            for item in items:
                ctx.stats.records_sent[item.reason.name.lower()] += 1
            if not first.relay and not first.alert:
                gap = ctx.draw(ctx.config.answer_gap)
                self.answer_not_before = now + gap + airtime

        def cancel() -> None:
            for item in items:
                outbox.restore(item)

        payload = frames.encode(RecordsFrame(tuple(i.record.raw for i in items), first.relay))
        kind = "push" if first.relay else "answer"
        share = Share.ALERT if first.alert else Share.ORDINARY if first.relay else Share.BULK
        return Draft(payload, kind, commit, share, cancel)


class Planner:
    """Picks the next frame: ``builders`` in priority order, the first whose draft fits."""

    def __init__(
        self,
        ctx: Context,
        airtime: Callable[[int], float],
        records: RecordFrames,
        builders: tuple[Builder, ...],
    ) -> None:
        self._ctx = ctx
        self._airtime = airtime
        self._records = records
        self._builders = builders
        self._planned: deque[Planned] = deque()  # fragments of one message, in order
        self._msg_id = ctx.rng.randrange(fragment.MSG_ID_MODULUS)
        self._blocked_until: float | None = None

    def poll(self, now: float, timers: Iterable[float | None]) -> bytes | None:
        """The next frame to send, charged to the budget. ``timers``: when each part's
        scheduled frame falls due (None: none; -inf: due whatever the clock says)."""
        planned = self._next_frame(now, timers)
        if planned is None:
            return None
        payload, airtime, kind = planned
        stats = self._ctx.stats
        self._ctx.budget.spend(now, airtime)
        stats.frames_sent[kind] += 1
        stats.bytes_sent[kind] += len(payload)
        stats.airtime_sent[kind] += airtime
        self._blocked_until = None
        return payload

    def deadline(
        self, now: float, timers: Iterable[float | None], wakeup: float | None
    ) -> float | None:
        """When to be polled next (see ``poll``); ``wakeup``: a timer that may make more
        work, due even when it has passed."""
        outbox = self._ctx.outbox
        times = [t for t in (wakeup, outbox.next_due()) if t is not None]
        due = [t for t in timers if t is not None]
        times += [t for t in due if t > now]
        ready = bool(self._planned) or any(t <= now for t in due)
        top = outbox.peek()
        if top is not None:
            if self._records.paced(top, now):
                times.append(self._records.answer_not_before)
            else:
                ready = True
        if ready:
            blocked = self._blocked_until
            times.append(blocked if blocked is not None and blocked > now else now)
        return min(times) if times else None

    def _next_frame(self, now: float, timers: Iterable[float | None]) -> Planned | None:
        """The most urgent frame that is due and fits the budget, if any."""
        if self._planned:
            return self._planned.popleft()
        # A cheap test before building frames: most polls find nothing to send.
        if self._ctx.outbox.peek() is None and not any(
            t is not None and t <= now for t in timers
        ):
            return None
        budget = self._ctx.budget
        blocked: float | None = None
        for build in self._builders:
            draft = build(now)
            if draft is None:
                continue
            planned = self._fragments(draft)
            airtime = 0.0
            for _, seconds, _ in planned:
                airtime += seconds
            if not budget.allows(now, airtime, draft.share):
                free = budget.available_at(now, airtime, draft.share)
                blocked = free if blocked is None else min(blocked, free)
                self._ctx.stats.budget_blocked += 1
                draft.cancel()
                if draft.share == Share.BULK:
                    continue  # bulk has the smallest cap: an ordinary frame may still fit
                # Otherwise strict order: a frame that does not fit holds back those after
                # it, so a big frame is not starved by small ones; alerts have the largest
                # cap, so when one does not fit nothing else would.
                break
            draft.commit(airtime)
            if len(planned) > 1:
                self._msg_id = (self._msg_id + 1) % fragment.MSG_ID_MODULUS
            self._planned.extend(planned[1:])
            return planned[0]
        self._blocked_until = blocked
        return None

    def _fragments(self, draft: Draft) -> list[Planned]:
        """One frame, or the fragments of a payload longer than the MTU."""
        mtu = self._ctx.config.mtu
        payload = draft.payload
        if len(payload) <= mtu:
            return [(payload, self._airtime(len(payload)), draft.kind)]
        head = bytes([frames.header(FrameType.FRAGMENT)])
        parts = fragment.split(payload, self._msg_id, mtu - 1)
        return [(head + part, self._airtime(len(part) + 1), "fragment") for part in parts]
