"""Digests: what ours say, when they go (Trickle), and what hearing a neighbour's means.

A digest carries a hash of the vector, its size, the origins that changed lately, a
rotating window of the others while a difference is being looked for, and our neighbour
list when relaying needs it. Trickle times them: an idle, consistent neighbourhood sends
about one an hour; news is announced by one digest within ``trickle_reset``, an alert or
an unexplained difference resets the interval. A neighbour's digest tells repair what
exists and who is ahead, and answers whether the sender is a few records behind.
"""

from __future__ import annotations

from collections import OrderedDict

from meshaid.protocol import frames
from meshaid.protocol.frames import DigestEntry, DigestFrame
from meshaid.sync.answers import Answers
from meshaid.sync.context import Context
from meshaid.sync.planning import Draft
from meshaid.sync.relaying import Relaying
from meshaid.sync.repair import Repair
from meshaid.sync.trickle import Trickle


class Digests:
    def __init__(
        self, ctx: Context, relaying: Relaying, repair: Repair, answers: Answers
    ) -> None:
        cfg = ctx.config
        self._ctx = ctx
        self._relaying = relaying
        self._repair = repair
        self._answers = answers
        self._trickle = Trickle(cfg.trickle_imin, cfg.trickle_imax, cfg.trickle_k, ctx.rng)
        self._pending = False
        self._recent: OrderedDict[int, float] = OrderedDict()  # origin -> last change
        self._window_until = float("-inf")
        self._rotation = 0
        self._mismatch_reset_at = float("-inf")

    # ----------------------------------------------------------------- timing

    def start(self, now: float, empty: bool) -> None:
        """The engine's first call. An ``empty`` node (new or wiped) speaks up at once
        (Imin), so that neighbours answer with their digests and it can ask them for
        everything."""
        if empty:
            self._trickle.start(now)
        else:
            self._trickle.start(now, self._ctx.config.trickle_reset)

    def advance(self, now: float) -> None:
        if self._trickle.advance(now):
            self._pending = True

    @property
    def due(self) -> float | None:
        """-inf while a digest waits to be sent (due whatever the clock says), else None."""
        return float("-inf") if self._pending else None

    def wakeup(self) -> float | None:
        """When Trickle next needs ``advance``."""
        return self._trickle.next_deadline()

    def changed(self, origin: int, now: float, alert: bool, news: bool = True) -> None:
        """New seqs of ``origin`` are known; ``news``: Trickle's "new data" event (RFC 6206
        rule 6). A new alert resets Trickle to Imin; other news is announced by one digest
        within ``trickle_reset``, after which the interval it interrupted goes on."""
        self._recent[origin] = now
        self._recent.move_to_end(origin)
        while len(self._recent) > max(self._ctx.config.digest_recent_entries, 1) * 4:
            self._recent.popitem(last=False)
        if news and alert:
            self._trickle.hear_inconsistent(now)
        elif news:
            self._trickle.announce(now, self._ctx.config.trickle_reset)

    def trust_changed(self, now: float) -> None:
        """Records refused as untrusted may now be taken: Trickle back to Imin (RFC 6206
        rule 6, an inconsistency), so that the neighbours' digests soon say what they hold
        (refused records were never counted as known, nor wanted)."""
        self._trickle.hear_inconsistent(now)

    def announces(self, now: float) -> bool:
        """Whether this node is one of the few in its neighbourhood to announce a pushed
        record it received (see SyncConfig.news_announcers)."""
        ctx = self._ctx
        chance = ctx.config.news_announcers / max(ctx.neighbour_count(now), 1)
        return ctx.rng.random() < chance

    # ----------------------------------------------------------------- hearing one

    def on_digest(self, frame: DigestFrame, sender: int, now: float) -> None:
        ctx = self._ctx
        cfg = ctx.config
        vector = ctx.vector
        if frame.neighbours is not None:
            self._relaying.learn_list(sender, frame.neighbours)
        same = frame.vector_hash == vector.digest_hash()
        self._repair.heard_digest(sender, frame.total, now, same)
        if same:
            self._trickle.hear_consistent()
            return
        explained = 0
        behind = 0  # seqs the sender lacks, on the origins it listed
        due, answering = self._answers.unasked_due(frame.total, now)
        lacking: list[tuple[int, int]] = []
        for origin, seq in frame.entries:
            if not ctx.trusts(origin, seq):
                continue
            ours = vector.highest(origin)
            behind += max(ours - seq, 0)
            if seq > ours:
                self._repair.note_exists(origin, seq, now)
                explained += seq - ours
            elif seq < ours:
                # The sender lacks what follows: relays of it we skipped by pruning go now.
                self._relaying.make_good(origin, seq + 1, None, now)
                if answering:
                    lacking.append((origin, seq))
        if lacking:
            # The sender is behind on these origins: answer now, no request needed.
            self._answers.answer_unasked(sender, lacking, now, due)
        if frame.total - explained > vector.total:
            # The sender holds more than the listed origins explain: ask with our whole vector.
            self._repair.schedule_complete(now)
        if (explained or behind) and frame.total - explained + behind == vector.total:
            # The listed origins show the whole difference (a missed push, most often): a
            # request or an answer repairs it, and more digests would only repeat it. A
            # node far behind (wiped, or back after days) still makes its neighbours'
            # digests come sooner, to learn whom to ask.
            return
        if now >= self._mismatch_reset_at + cfg.mismatch_hold:
            # One reset per hold time: once a difference is found, requests repair it; more
            # digests would only repeat it (a long catch-up otherwise kept every node's
            # digests at the shortest interval).
            self._trickle.hear_inconsistent(now, cfg.trickle_reset)
            self._mismatch_reset_at = now
        # Our next digests list a rotating window of origins, so the difference is found.
        self._window_until = now + 2 * cfg.trickle_reset

    # ----------------------------------------------------------------- sending one

    def build(self, now: float) -> Draft | None:
        if not self._pending:
            return None
        frame, rotated = self._digest(now)

        def commit(_airtime: float) -> None:
            self._pending = False
            self._rotation = rotated
            if frame.neighbours is not None:
                self._relaying.carried(frame.neighbours, now)

        return Draft(frames.encode(frame), "digest", commit)

    def frame(self, now: float) -> DigestFrame:
        """The digest this node would send at ``now``."""
        return self._digest(now)[0]

    def _digest(self, now: float) -> tuple[DigestFrame, int]:
        cfg = self._ctx.config
        vector = self._ctx.vector
        entries: list[DigestEntry] = []
        listed: set[int] = set()
        size = frames.DIGEST_FIXED_MAX
        neighbours = self._relaying.list_to_carry(now)
        if neighbours is not None:
            size += frames.neighbours_size(len(neighbours))

        def add(origin: int) -> bool:
            nonlocal size
            entry = DigestEntry(origin, vector.highest(origin))
            if entry.seq == 0 or size + frames.digest_entry_size(entry) > cfg.mtu:
                return False
            entries.append(entry)
            listed.add(origin)
            size += frames.digest_entry_size(entry)
            return True

        for origin in reversed(self._recent):
            if len(entries) >= cfg.digest_recent_entries:
                break
            if self._recent[origin] + cfg.digest_recent_window < now:
                break
            add(origin)
        rotation = self._rotation
        if now < self._window_until:
            origins = vector.origins()
            for step in range(len(origins)):
                if len(entries) >= cfg.digest_max_entries:
                    break
                origin = origins[(self._rotation + step) % len(origins)]
                rotation = (self._rotation + step + 1) % len(origins)
                if origin not in listed and not add(origin):
                    break
        frame = DigestFrame(vector.digest_hash(), vector.total, tuple(entries), neighbours)
        return frame, rotation
