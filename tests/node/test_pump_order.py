"""The runs the pump hands the board to keep never name a record the board has not
stored: a crash between the two would leave a seq counted as held that no store holds,
and it would never be asked for again."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

from meshaid.hardware.memory_radio import MemoryRadio
from meshaid.node.daemon.pump import Pump, PumpConfig
from meshaid.protocol import frames
from meshaid.protocol.record import SignedRecord
from meshaid.sync.engine import SyncEngine
from recordgen import Signer


class OrderBoard:
    def __init__(self) -> None:
        self.stored: set[tuple[int, int]] = set()
        self.violations: list[tuple[int, int]] = []

    def accept(self, records: Sequence[SignedRecord], now: float) -> None:
        self.stored.update(r.record_id for r in records)

    def keep_known(self, runs: Mapping[int, Sequence[tuple[int, int]]]) -> None:
        for origin, spans in runs.items():
            for first, last in spans:
                self.violations += [(origin, s) for s in range(first, last + 1)
                                    if (origin, s) not in self.stored]


def test_records_taken_in_the_step_of_a_prune_are_stored_before_the_runs_are_kept() -> None:
    signer = Signer(31)
    engine = SyncEngine({signer.origin: signer.public_key}.get, random.Random(1), node_id=5)
    radio, board = MemoryRadio(5), OrderBoard()
    pump = Pump(engine, radio, board, wall_minutes=lambda: 1_500_000,
                config=PumpConfig(prune_every=60.0))
    pump.step(0.0)
    now = 0.0
    for i in range(6):
        now = 60.0 * (i + 1)  # each record heard in the very step a prune is due
        rec = signer.create(f"tarps, lot {i}")
        radio.hear(frames.encode(frames.RecordsFrame((rec.raw,))), 7)
        pump.step(now)
    assert len(board.stored) == 6
    assert board.violations == []
