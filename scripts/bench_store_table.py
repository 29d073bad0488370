"""The rows of ``bench_store.py``'s table: what each measures, its goal, and how its figure
is read from a tree's figures and from the yardstick's. Kept apart so that bench_store.py
stays short."""

from __future__ import annotations

from typing import Any

from bench_store_committee import COMMITTEE_ROWS

MiB = 1024 * 1024


def secs(v: float) -> str:
    return f"{v:.2f} s" if v < 10 else f"{v:.0f} s"


# (key, what, goal, met) for each row; the figure of a row is what ``value`` reads.
ROWS: list[tuple[str, str, str, Any]] = [
    ("help", "`meshaid --help`", "≤ 0.25 s", lambda v: v <= 0.25),
    ("empty_board", "`meshaid board` on an empty board (a read command's start-up)",
     "≤ 0.25 s", lambda v: v <= 0.25),
    ("post", "`meshaid post need ...`", "≤ 0.35 s", lambda v: v <= 0.35),
    ("board", "`meshaid board` (first page of 50)", "≤ 0.5 s", lambda v: v <= 0.5),
    ("board_json", "`meshaid board --json` (first page)", "≤ 0.5 s", lambda v: v <= 0.5),
    ("need_open", "`meshaid board --kind need --status open`", "≤ 0.5 s", lambda v: v <= 0.5),
    ("search", "`meshaid board --search water`", "≤ 0.5 s", lambda v: v <= 0.5),
    ("search_accent", "`meshaid board --search ninos` (finds niños)", "≤ 0.5 s",
     lambda v: v <= 0.5),
    ("show", "`meshaid show CODE`", "≤ 0.5 s", lambda v: v <= 0.5),
    ("status", "`meshaid status` (no daemon running)", "–", None),
    ("all_json", "`meshaid board --all --json` (every active entry)", "–", None),
    *COMMITTEE_ROWS,
    ("batched", "merge, records the sync engine verified, 1,000 a transaction",
     "≥ 5,000 /s", lambda v: v >= 5000),
    ("single", "merge, one record a transaction", "≥ 500 /s", lambda v: v >= 500),
    ("bytes", "merge, records as bytes (USB stick), 1,000 a transaction: decode and verify",
     "–", None),
    ("daemon", "daemon start-up: CPU until it has loaded the store (as the daemon counts it)",
     "≤ 2 s", lambda v: v <= 2),
    ("daemon_first", "… and until its first step is done (pruning what expired while it was "
     "off)", "–", None),
    ("daemon_idle_cpu", "… of which a daemon with an empty store takes to start", "–", None),
    ("load", "… of which load_sync_state and SyncEngine.load, in-process CPU", "–", None),
    ("daemon_idle", "daemon memory, empty store, idle", "≤ 60 MiB", lambda v: v <= 60 * MiB),
    ("memory", "daemon memory with the store loaded", "≤ 120 MiB", lambda v: v <= 120 * MiB),
]


def value(key: str, f: dict[str, Any]) -> float | None:
    """The figure of row ``key`` in a tree's figures (None when not measured)."""
    if not f:
        return None
    if key in ("batched", "single", "bytes"):
        return float(f["merge"][key])
    if key == "load":
        return float(f["load"]["store_cpu"] + f["load"]["engine_cpu"])
    if key == "daemon":
        return float(f["daemon"]["cpu"])
    if key == "daemon_first":
        first = f["daemon"].get("first_step_cpu")
        return None if first is None else float(first)
    if key == "daemon_idle_cpu":
        return float(f["daemon_idle"]["cpu"])
    if key in ("daemon_idle", "memory"):
        return float(f["daemon_idle" if key == "daemon_idle" else "daemon"]["rss"])
    return float(f[key]["wall"]) if key in f else None


def yard_value(key: str, y: dict[str, Any]) -> float | None:
    if key in ("batched", "single", "bytes"):
        return float(y[key])
    if key == "memory":
        return float(y["memory"])
    if key == "daemon_idle":
        return float(y["idle"])
    if key in ("load", "daemon"):
        return float(y["load"]["cpu"])
    if key == "daemon_idle_cpu":
        return float(y["help"]["cpu"])
    return float(y[key]["wall"]) if key in y else None


def show(key: str, v: float | None) -> str:
    if v is None:
        return "–"
    if key in ("batched", "single", "bytes"):
        return f"{v:,.0f} /s"
    if key in ("daemon_idle", "memory"):
        return f"{v / MiB:.0f} MiB"
    return secs(v)


def cpu(key: str, f: dict[str, Any]) -> float | None:
    """The CPU seconds of a row that is one whole process."""
    entry = f.get(key) if f else None
    if key in ("daemon", "daemon_first", "daemon_idle", "load", "daemon_idle_cpu") or not \
            isinstance(entry, dict):
        return None
    return float(entry["cpu"]) if "cpu" in entry else None


def table(now: dict[str, Any], yard: dict[str, Any], before: dict[str, Any], rev: str) -> str:
    yard = {**yard, **{k: now[f"yard_{k}"] for k in ("batched", "single", "bytes")}}
    lines = [f"| what | before ({rev or 'not measured'}) | now | now, CPU time | yardstick "
             "| now ÷ yardstick | goal | met |", "|---|---|---|---|---|---|---|---|"]
    for key, what, goal, met in ROWS:
        v, y, b, c = value(key, now), yard_value(key, yard), value(key, before), cpu(key, now)
        ratio = "–" if v is None or y is None or not y else f"{v / y:.1f}×"
        ok = "–"
        if met is not None and v is not None:
            ok = "yes" if met(v) else ("**no** (CPU time: yes)" if c and met(c) else "**no**")
        lines.append(f"| {what} | {show(key, b)} | {show(key, v)} | {show(key, c)} "
                     f"| {show(key, y)} | {ratio} | {goal} | {ok} |")
    return "\n".join(lines)
