"""What a sync engine did, in plain counters the simulator and the daemon can read."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from meshaid.protocol.fragment import ReassemblyStats


@dataclass
class SyncStats:
    frames_sent: Counter[str] = field(default_factory=Counter)  # by frame type
    bytes_sent: Counter[str] = field(default_factory=Counter)
    airtime_sent: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    frames_received: Counter[str] = field(default_factory=Counter)
    dropped: Counter[str] = field(default_factory=Counter)  # by reason
    records_sent: Counter[str] = field(default_factory=Counter)  # push / relay / answer
    records_accepted: int = 0
    records_duplicate: int = 0
    records_expired: int = 0  # arrived already expired: counted as held, not kept
    records_pruned: int = 0
    equivocations: int = 0  # second, different records for one (origin, seq): evidence
    relays_suppressed: int = 0
    relays_pruned: int = 0  # every neighbour of ours had heard a copy (neighbours.py)
    answers_suppressed: int = 0
    requests_sent: int = 0
    requests_suppressed: int = 0  # a neighbour asked first
    requests_answered: int = 0  # requests heard that this node had something for
    requests_declined: int = 0  # named, but our share for answers was spent
    answers_expired: int = 0  # queued answers dropped after waiting too long
    gone_learned: int = 0  # seqs a neighbour said were pruned, paused as claims
    gone_refused: int = 0  # GONE ranges not believed (signed records show them too new)
    # Verified records refused, by reason: untrusted (the trust hook said no), unauthorised
    # (not the entry's owner, by the authorised hook), rate (the origin's bucket),
    # live_cap, entry_cap, control_cap: never kept, relayed, or counted as known.
    refused: Counter[str] = field(default_factory=Counter)
    records_stale: int = 0  # too old by a clock not yet confirmed: turned away, not counted
    requests_limited: int = 0  # requests (or unasked answers) cut to a requester's share
    unasked_limited: int = 0  # unasked answers cut to their share of the budget
    answerers_skipped: int = 0  # named answerers that sent nothing in their turn
    relays_made_good: int = 0  # pruned relays sent after all: a neighbour lacked them
    budget_blocked: int = 0  # times a due frame had to wait for the budget
    reassembly: ReassemblyStats = field(default_factory=ReassemblyStats)

    @property
    def airtime_total(self) -> float:
        return sum(self.airtime_sent.values())
