"""Driving one sync engine by its own deadlines, as the pump would with nothing heard."""

from __future__ import annotations

from meshaid.sync.engine import SyncEngine


def run_until(e: SyncEngine, start: float, end: float) -> list[tuple[float, bytes]]:
    """Drive ``e`` from ``start`` to ``end``; every frame it sends, with when."""
    sent: list[tuple[float, bytes]] = []
    now = start
    while now <= end:
        e.handle_timer(now)
        while (out := e.poll_transmit(now)) is not None:
            sent.append((now, out.payload))
        deadline = e.next_deadline()
        if deadline is None:
            break
        now = max(deadline, now + 1e-3)
    return sent
