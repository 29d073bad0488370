"""Accepting records: our own, and those heard on air, judged one by one.

A record from the air is a copy (suppressing ours), already known (pruned or reported
gone), evidence of an equivocation, unverifiable, or new: then it is stored, announced,
counted for repair, and relayed when it came in a push or may be news beyond us. Of two
records an origin signed for one seq, every node keeps the one with the lower digest.
"""

from __future__ import annotations

from meshaid.protocol.errors import DecodeError, UsageError
from meshaid.protocol.frames import RecordsFrame
from meshaid.protocol.record import SignedRecord
from meshaid.sync.api import RecordsAccepted
from meshaid.sync.context import Context
from meshaid.sync.digests import Digests
from meshaid.sync.outbox import Reason
from meshaid.sync.priority import is_alert
from meshaid.sync.relaying import Relaying
from meshaid.sync.repair import Repair


class Accepting:
    def __init__(
        self, ctx: Context, relaying: Relaying, repair: Repair, digests: Digests
    ) -> None:
        self._ctx = ctx
        self._relaying = relaying
        self._repair = repair
        self._digests = digests

    def add_local(self, record: SignedRecord, now: float) -> None:
        holdings = self._ctx.holdings
        rid = record.record_id
        held = holdings.get(rid)
        if held is not None:
            if held.raw != record.raw:
                raise UsageError(f"seq {rid.seq} of origin {rid.origin:08x} is already used")
            return
        holdings.store(record, holdings.wall)
        self._relaying.pushed(now)
        self._digests.changed(rid.origin, now, is_alert(record.body))
        self._relaying.queue(record, Reason.PUSH, now)

    def on_records(self, frame: RecordsFrame, sender: int, now: float) -> None:
        ctx = self._ctx
        if frame.relay:
            self._relaying.pushed(now)
        accepted: list[SignedRecord] = []
        for raw in frame.records:
            rid = ctx.holdings.id_of(raw)
            if rid is not None:
                self._relaying.heard(rid, sender, now)
                ctx.stats.records_duplicate += 1
                continue
            try:
                rec = ctx.cache.decode(raw)
            except DecodeError:
                ctx.drop(sender, "bad_record")
                continue
            taken = self._take(rec, sender, now, relay=frame.relay)
            if taken is not None:
                accepted.append(taken)
        if accepted:
            ctx.events.append(RecordsAccepted(tuple(accepted)))

    def _take(self, rec: SignedRecord, sender: int, now: float, relay: bool) -> SignedRecord | None:
        """Judge one record from the air; returns it when it is to be announced."""
        ctx = self._ctx
        stats = ctx.stats
        rid = rec.record_id
        self._relaying.heard(rid, sender, now)
        holdings = ctx.holdings
        held = holdings.get(rid)
        if held is not None and held.raw == rec.raw:
            stats.records_duplicate += 1
            return None
        # Known but not held: pruned here, or reported pruned by a neighbour. Take it back
        # only if our clock says it has not expired (a neighbour's report may have been
        # wrong); with no clock, leave it pruned.
        if (
            held is None
            and ctx.vector.knows(rid.origin, rid.seq)
            and (holdings.wall is None or holdings.expired(rec))
        ):
            stats.records_expired += 1
            return None
        if held is not None and holdings.is_evidence(rec):
            stats.records_duplicate += 1
            self._counter_equivocation(held, rec, now)
            return None
        key = ctx.keys(rid.origin)
        if key is None:
            ctx.drop(sender, "unknown_origin")
            return None
        if not ctx.cache.verify(rec, key):
            ctx.drop(sender, "bad_signature")
            return None
        if held is not None:
            # Same (origin, seq), other bytes: the origin signed two records (a node
            # reinstalled with its old key reuses seqs). Announce it so the store keeps
            # the evidence. Every node holds the one with the lower digest, the store's
            # rule, so the boards agree: take it and pass it on if it is this one, else
            # answer with ours, so the neighbours that sent the other learn which counts.
            stats.equivocations += 1
            if rec.digest < held.digest:
                ctx.outbox.cancel(rid)
                holdings.replace(rec)
                self._relaying.queue(rec, Reason.RELAY, now)
            else:
                holdings.add_evidence(rec)
                self._counter_equivocation(held, rec, now)
            return rec
        expired = holdings.expired(rec)
        if expired:
            # Counted as held, so nobody asks for it again; not kept.
            new_seq = ctx.vector.add(rid.origin, rid.seq)
            stats.records_expired += 1
        else:
            new_seq = holdings.store(rec, holdings.wall)
            stats.records_accepted += 1
            if not relay:
                self._repair.answered(now)
            self._relaying.arrived(relay)
        self._repair.note_exists(rid.origin, rid.seq, now)
        self._repair.progressed(rid.origin, now, answered=not relay)
        if expired:
            return None
        if new_seq:
            # A pushed record is news the neighbourhood may have missed: a few of the nodes
            # that heard it announce it with a digest soon (all of them, for an alert). A
            # repair is not: we asked for it and neighbours heard the same answer; counting
            # repairs as news kept every digest interval at its shortest through a long
            # catch-up, and the digests ate the budget the answers needed (simulator).
            alert = is_alert(rec.body)
            news = relay and (alert or self._digests.announces(now))
            self._digests.changed(rid.origin, now, alert, news=news)
            # A repair we did not ask for answered a neighbour that lacked what we lacked:
            # after a partition, the nodes beyond us lack it too, so it spreads like a
            # push (one relay per cluster) rather than by a request at every hop. So does
            # one we asked for while some neighbour is far behind us: after a partition
            # every node has asked, and hop-by-hop requests took more than 12 hours to
            # carry the other side's records across the simulator's mesh. What a node
            # catching up alone asked for (its neighbours all ahead) goes no further.
            repair = self._repair
            if relay or not repair.asked_for(rid.origin) or repair.neighbour_behind(now):
                self._relaying.queue(rec, Reason.RELAY, now, sender=sender)
        return rec

    def _counter_equivocation(self, held: SignedRecord, heard: SignedRecord, now: float) -> None:
        """``heard`` lost to ``held`` (lower digest) for its seq, yet a neighbour sent it:
        answer with ``held`` so the neighbourhood replaces it."""
        if held.digest < heard.digest:
            self._relaying.queue(held, Reason.ANSWER, now)
