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
    gone_learned: int = 0  # seqs a neighbour said were pruned
    budget_blocked: int = 0  # times a due frame had to wait for the budget
    reassembly: ReassemblyStats = field(default_factory=ReassemblyStats)

    @property
    def airtime_total(self) -> float:
        return sum(self.airtime_sent.values())
