"""How the simulator's figures are spelled, by `meshaid sim` and in BENCHMARKS.md.

``missing`` is what stands for a figure that does not exist (no delivered copy, no
record of that kind): a hyphen on a terminal, an en dash in the Markdown tables.
"""

from __future__ import annotations

from meshaid.node.sim.measures import Percentiles


def duration(seconds: float | None) -> str:
    """Seconds under two minutes, minutes under two hours, else hours; None: never."""
    if seconds is None:
        return "never"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def percent(value: float | None, digits: int = 2, missing: str = "-") -> str:
    return missing if value is None else f"{100 * value:.{digits}f} %"


def number(value: float | None, digits: int = 1, unit: str = "", missing: str = "-") -> str:
    if value is None:
        return missing
    return f"{value:.{digits}f} {unit}" if unit else f"{value:.{digits}f}"


def spread(p: Percentiles | None, missing: str = "-") -> str:
    """p50 / p90 / p99 / max of a convergence or catch-up time."""
    if p is None or p.count == 0:
        return missing
    return " / ".join(duration(v) for v in (p.p50, p.p90, p.p99, p.max))
