"""Accepting records: our own, and those heard on air, judged one by one.

A record from the air is a copy (suppressing ours), evidence of an equivocation,
unverifiable, refused (its key per the trust hook, its signer may not change that entry,
expired, over its origin's limits), or new: then it is stored, announced, counted for
repair, and relayed when it came in a push or may be news beyond us. A record for a seq
we know but do not hold (pruned) is judged again like a new one. Of
two records an origin signed for one seq, every node keeps the one with the lower digest.
"""

from __future__ import annotations

from collections import OrderedDict

from meshaid.protocol.errors import DecodeError, UsageError
from meshaid.protocol.frames import RecordsFrame
from meshaid.protocol.record import RecordId, SignedRecord
from meshaid.sync.api import RecordsAccepted
from meshaid.sync.context import Context
from meshaid.sync.digests import Digests
from meshaid.sync.holdings import Verdict
from meshaid.sync.outbox import Reason
from meshaid.sync.relaying import Relaying
from meshaid.sync.repair import Repair

# Records refused as untrusted kept to be judged again when trust grows (a new roster
# version in force), the oldest out first: a joined node hears its neighbours' posts
# before the roster that names them, and asking for them all again cost each hop a round
# of digests, requests and answers (the demo's line of four, at 10 % loss, often took
# more than two minutes). Bounded in memory (a record is at most a frame or two) and in
# work (each is verified at most once per trust change), whoever sent them.
MAX_UNTRUSTED = 64


class Accepting:
    def __init__(
        self, ctx: Context, relaying: Relaying, repair: Repair, digests: Digests
    ) -> None:
        self._ctx = ctx
        self._relaying = relaying
        self._repair = repair
        self._digests = digests
        # Records refused as untrusted: id -> (record, sender, came in a push).
        self._untrusted: OrderedDict[RecordId, tuple[SignedRecord, int, bool]] = OrderedDict()

    def add_local(self, record: SignedRecord, now: float) -> None:
        holdings = self._ctx.holdings
        rid = record.record_id
        held = holdings.get(rid)
        if held is not None:
            if held.raw != record.raw:
                raise UsageError(f"seq {rid.seq} of origin {rid.origin:08x} is already used")
            return
        holdings.store(record, holdings.wall)
        for dropped in holdings.take_dropped():
            self._ctx.outbox.cancel(dropped.record_id)
        self._relaying.pushed(now)
        self._digests.changed(rid.origin, now, self._ctx.is_alert(record))
        self._relaying.queue(record, Reason.PUSH, now)

    def on_records(self, frame: RecordsFrame, sender: int, now: float) -> None:
        ctx = self._ctx
        if frame.relay:
            self._relaying.pushed(now)
        stored = ctx.stats.records_accepted
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
        if not frame.relay and ctx.stats.records_accepted > stored:
            # It answers, with records we keep: worth naming (a flooder's answers, all
            # refused, do not count: see sources.py).
            self._repair.heard_answer(sender, now)

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
        # Known but not held: pruned here, or it arrived expired. Judged again below, as a
        # record new to us: only our own judgement of a signed record made it known. With
        # no clock, it stays as it is.
        known = held is None and ctx.vector.knows(rid.origin, rid.seq)
        if known and holdings.wall is None:
            stats.records_expired += 1
            return None
        if held is not None and holdings.is_evidence(rec):
            stats.records_duplicate += 1
            self._counter_equivocation(held, rec, now)
            return None
        key = ctx.key_for(rid.origin, rid.seq)
        if key is None:
            if ctx.trust is None:
                ctx.drop(sender, "unknown_origin")
            else:
                stats.refused["untrusted"] += 1
                self._keep_untrusted(rec, sender, relay)
            return None
        if not ctx.cache.verify(rec, key):
            ctx.drop(sender, "bad_signature")
            return None
        holdings.note_time(rec)
        if not ctx.authorised(rec):
            # A change to an entry the signer may not change is neither kept nor passed on.
            self._refused(rec, "unauthorised")
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
        verdict = holdings.judge(rec)
        if verdict == Verdict.STALE:
            stats.records_stale += 1
            return None
        if verdict == Verdict.EXPIRED:
            stats.records_expired += 1
            self._expired(rec, now)
            return None
        admission, refusal = holdings.limits.judge(rec)
        if refusal is not None:
            self._refused(rec, refusal)
            return None
        new_seq = holdings.store(rec, holdings.wall, admission)
        for dropped in holdings.take_dropped():
            ctx.outbox.cancel(dropped.record_id)
            stats.refused["rate"] += 1
        stats.records_accepted += 1
        if not relay:
            self._repair.answered(now)
        self._relaying.arrived(relay)
        self._repair.note_exists(rid.origin, rid.seq, now)
        self._repair.progressed(rid.origin, now, answered=not relay)
        if new_seq:
            # A pushed record is news the neighbourhood may have missed: a few of the nodes
            # that heard it announce it with a digest soon (all of them, for an alert). A
            # repair is not: we asked for it and neighbours heard the same answer; counting
            # repairs as news kept every digest interval at its shortest through a long
            # catch-up, and the digests ate the budget the answers needed (simulator).
            alert = ctx.is_alert(rec)
            news = relay and (alert or self._digests.announces(now))
            self._digests.changed(rid.origin, now, alert, news=news)
        if new_seq or known:
            # A repair we did not ask for answered a neighbour that lacked what we lacked:
            # after a partition, the nodes beyond us lack it too, so it spreads like a
            # push (one relay per cluster) rather than by a request at every hop. So does
            # one we asked for while some neighbour is far behind us: after a partition
            # every node has asked, and hop-by-hop requests took more than 12 hours to
            # carry the other side's records across the simulator's mesh. What a node
            # catching up alone asked for (its neighbours all ahead) goes no further.
            # One taken back (known, not held) goes on like a new one. So does one a
            # neighbour asked for too: it may not hear the node that answered us (in a line,
            # each hop waited for a request and its retries of its own).
            repair = self._repair
            if (relay or not repair.asked_for(rid.origin) or repair.neighbour_behind(now)
                    or repair.neighbour_asked(rid.origin, rid.seq, now)):
                self._relaying.queue(rec, Reason.RELAY, now, sender=sender)
        return rec

    def _keep_untrusted(self, rec: SignedRecord, sender: int, relay: bool) -> None:
        kept = self._untrusted
        kept[rec.record_id] = (rec, sender, relay)
        kept.move_to_end(rec.record_id)
        while len(kept) > MAX_UNTRUSTED:
            kept.popitem(last=False)

    def trust_changed(self, now: float) -> None:
        """The trust hook trusts more: judge again the records it refused lately, as if
        they had just arrived (verified, stored, passed on as they came)."""
        kept, self._untrusted = self._untrusted, OrderedDict()
        accepted: list[SignedRecord] = []
        for rec, sender, relay in kept.values():
            rid = rec.record_id
            if self._ctx.key_for(rid.origin, rid.seq) is None:
                self._untrusted[rid] = (rec, sender, relay)  # still refused: keep it
                continue
            if self._ctx.holdings.get(rid) is not None:
                continue  # it came again meanwhile
            taken = self._take(rec, sender, now, relay=relay)
            if taken is not None:
                accepted.append(taken)
        if accepted:
            self._ctx.events.append(RecordsAccepted(tuple(accepted)))

    def _expired(self, rec: SignedRecord, now: float) -> None:
        """``rec`` arrived expired: not kept, but its seq counts as known, as on the nodes
        that held and pruned it, so nobody asks for it again."""
        rid = rec.record_id
        self._ctx.vector.add(rid.origin, rid.seq)
        self._repair.note_exists(rid.origin, rid.seq, now)
        self._repair.progressed(rid.origin, now)

    def _refused(self, rec: SignedRecord, reason: str) -> None:
        """``rec`` verified but is refused (its signer may not change that entry, or its
        origin went beyond its limits): neither kept, announced nor passed on, and not
        counted as known either. Nodes it never reached do not know its seq; counted here,
        our vectors would differ for good, and the GONE claims that a node sends for seqs
        it knows but does not hold kept all of them asking (the simulator's S2 with one
        member flooding spent 11,000 s of requests and 6,700 s of GONE frames a day). Not
        counted, it is asked for now and then, with the backoff, by the nodes near its
        origin, and judged again each time it comes."""
        self._ctx.stats.refused[reason] += 1

    def _counter_equivocation(self, held: SignedRecord, heard: SignedRecord, now: float) -> None:
        """``heard`` lost to ``held`` (lower digest) for its seq, yet a neighbour sent it:
        answer with ``held`` so the neighbourhood replaces it."""
        if held.digest < heard.digest:
            self._relaying.queue(held, Reason.ANSWER, now)
