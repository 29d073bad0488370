"""What a simulation run measures: the figures of a run, and who holds what since when.

The definitions of every figure are in BENCHMARKS.md; node/sim/simulation.py fills them in.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from meshaid.node.sim.scenarios import Planned
from meshaid.protocol import airtime
from meshaid.protocol.record import EntryId, RecordId, SignedRecord
from meshaid.sync.merge import Board, join


@dataclass(frozen=True)
class Percentiles:
    """Seconds; None where that share of records never converged."""

    count: int
    p50: float | None
    p90: float | None
    p99: float | None
    max: float | None

    @classmethod
    def of(cls, values: Sequence[float]) -> Percentiles:
        ordered = sorted(values)

        def rank(p: float) -> float | None:
            if not ordered:
                return None
            value = ordered[max(math.ceil(p / 100 * len(ordered)) - 1, 0)]
            return None if math.isinf(value) else value

        return cls(len(ordered), rank(50), rank(90), rank(99), rank(100))

    def as_dict(self) -> dict[str, float | int | None]:
        return {"count": self.count, "p50": self.p50, "p90": self.p90, "p99": self.p99,
                "max": self.max}


@dataclass(frozen=True)
class RunResult:
    """What one protocol achieved on one scenario."""

    scenario: str
    protocol: str
    title: str
    delivery: float
    copies_expected: int
    copies_delivered: int
    lost: int
    resurrected: int
    boards_identical: bool
    distinct_boards: int
    convergence: dict[str, Percentiles]
    rejoin: Percentiles | None
    worst_hour_airtime_share: float
    over_budget_nodes: int
    over_duty_cycle_nodes: int
    channel_utilisation: float
    channel_utilisation_max: float
    airtime_total: float
    bytes_total: int
    frames_sent: int
    frames_relayed: int
    collisions: int
    bytes_per_delivered_copy: float | None
    airtime_per_delivered_copy: float | None
    airtime_lower_bound: float
    eta: float | None
    airtime_per_hour: float
    hourly_airtime: tuple[float, ...]
    frames_dropped: int
    unknown_records: int
    expired_records: int  # made during the run for entries expired by its end: not counted
    simulated_hours: float
    wall_seconds: float
    cpu_seconds: float  # of this process: the same on a busy machine, unlike wall time

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if isinstance(value, Percentiles):
                value = value.as_dict()
            elif isinstance(value, dict):
                value = {k: v.as_dict() for k, v in value.items()}
            elif isinstance(value, tuple):
                value = [round(v, 3) for v in value]
            out[name] = value
        return out


@dataclass
class Tracker:
    """Which node holds what, and since when."""

    nodes: int
    pending: list[dict[EntryId, list[SignedRecord]]] = field(default_factory=list)
    created_at: dict[RecordId, float] = field(default_factory=dict)
    action: dict[RecordId, str] = field(default_factory=dict)
    creator: dict[RecordId, tuple[int, int]] = field(default_factory=dict)  # (node, life)
    first_cover: dict[RecordId, dict[int, float]] = field(default_factory=dict)
    rejoined_at: dict[int, float] = field(default_factory=dict)
    rejoin_pending: dict[int, set[RecordId]] = field(default_factory=dict)
    rejoin_times: list[tuple[RecordId, float]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.pending = [{} for _ in range(self.nodes)]

    def created(self, planned: Planned, life: int) -> None:
        rec = planned.record
        rid = rec.record_id
        self.created_at[rid] = planned.at
        self.action[rid] = planned.action
        self.creator[rid] = (planned.node, life)
        self.first_cover[rid] = {}
        eid = rec.entry_id
        for n in range(self.nodes):
            if n != planned.node:
                self.pending[n].setdefault(eid, []).append(rec)

    def rejoin(self, node: int, at: float, records: Sequence[SignedRecord]) -> None:
        self.rejoined_at[node] = at
        self.rejoin_pending[node] = {r.record_id for r in records}
        by_entry: dict[EntryId, list[SignedRecord]] = {}
        for rec in records:
            by_entry.setdefault(rec.entry_id, []).append(rec)
        self.pending[node] = by_entry

    def check(self, node: int, board: Board, eid: EntryId, now: float) -> None:
        waiting = self.pending[node].get(eid)
        if not waiting:
            return
        state = board.entries.get(eid)
        if state is None:
            return
        keep = []
        for rec in waiting:
            if join(state, rec) is not state:
                keep.append(rec)
                continue
            rid = rec.record_id
            covers = self.first_cover.get(rid)
            if covers is not None and node not in covers:
                covers[node] = now
            again = self.rejoin_pending.get(node)
            if again is not None and rid in again:
                again.discard(rid)
                self.rejoin_times.append((rid, now - self.rejoined_at[node]))
        if keep:
            self.pending[node][eid] = keep
        else:
            del self.pending[node][eid]


def live_hash(board: Board, live: set[EntryId]) -> bytes:
    """Board.state_hash restricted to the entries in ``live``."""
    h = hashlib.sha256()
    for eid in sorted(live & board.entries.keys()):
        st = board.entries[eid]
        h.update(eid.origin.to_bytes(4, "big") + eid.seq.to_bytes(4, "big"))
        h.update(st.content.digest + st.status_record.digest)
    return h.digest()


def covered(board: Board, rec: SignedRecord) -> bool:
    """Whether ``board`` shows ``rec``'s content or something newer for its entry."""
    state = board.entries.get(rec.entry_id)
    return state is not None and join(state, rec) is state


def record_airtime(rec: SignedRecord, preset: str, mtu: int = airtime.MAX_APP_PAYLOAD) -> float:
    """Airtime of a record's bytes alone, in as few frames as can hold them."""
    size = len(rec.raw)
    total = 0.0
    while size > 0:
        chunk = min(size, mtu)
        total += airtime.airtime_seconds(chunk, preset)
        size -= chunk
    return total
