"""Run the simulation benchmarks and write their results into BENCHMARKS.md.

    .venv/bin/python scripts/bench_sim.py                 # every run, two at a time
    .venv/bin/python scripts/bench_sim.py --jobs 1 --out /tmp/bench.md

Runs S1 at 0, 10, 20 and 30 % loss, S2, S3, S4 and the idle scenario, each with the sync
engine and both baselines on the same mesh and workload, checks the goals of the sync
issue, and replaces the simulation section of the output file (between the sim:begin
and sim:end markers; the rest of the file is left alone).
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import sys
import time
from dataclasses import replace
from pathlib import Path

from meshaid.cli.figures import duration, number, percent, spread
from meshaid.node.sim.measures import RunResult
from meshaid.node.sim.scenarios import SCENARIOS, Scenario, make_text
from meshaid.node.sim.simulation import build_topology, run_scenario
from meshaid.protocol import textpack

BEGIN = "<!-- sim:begin -->"
END = "<!-- sim:end -->"
DASH = "–"  # a figure that does not exist, in the Markdown tables
COMMAND = ".venv/bin/python scripts/bench_sim.py"

RUNS: list[tuple[str, Scenario]] = [
    *[(f"S1, {int(loss * 100)} % loss", replace(SCENARIOS["S1"], loss=loss))
      for loss in (0.0, 0.1, 0.2, 0.3)],
    ("S2", SCENARIOS["S2"]),
    ("S3", SCENARIOS["S3"]),
    ("S4", SCENARIOS["S4"]),
    ("idle", SCENARIOS["idle"]),
]


def _run(item: tuple[str, Scenario]) -> tuple[str, Scenario, list[RunResult]]:
    label, sc = item
    # Every protocol as daemons run it (roster checks, sealed frames), then the engine
    # once more with both off: what security costs (the last result, not in the tables).
    results = run_scenario(sc)
    return label, sc, results + run_scenario(sc, ("engine",), secure=False)


def _pct(value: float | None, digits: int = 2) -> str:
    return percent(value, digits, missing=DASH)


def _num(value: float | None, digits: int = 1, unit: str = "") -> str:
    return number(value, digits, unit, missing=DASH)


def scenario_table(sc: Scenario, results: list[RunResult]) -> str:
    rows: list[tuple[str, list[str]]] = [
        ("delivery", [_pct(r.delivery) for r in results]),
        ("records lost / entries resurrected",
         [f"{r.lost} / {r.resurrected}" for r in results]),
        ("boards identical", ["yes" if r.boards_identical else f"no ({r.distinct_boards})"
                              for r in results]),
    ]
    for action, label in (("new", "new entry"), ("edit", "edit"), ("withdraw", "withdrawal"),
                          ("alert", "alert")):
        count = results[0].convergence[action].count
        if count:
            rows.append((f"{label} ({count}), p50 / p90 / p99 / max",
                         [spread(r.convergence[action], DASH) for r in results]))
    if any(r.rejoin is not None for r in results):
        rows.append(("wiped node catch-up, p50 / p90 / p99 / max", [
            spread(r.rejoin, DASH) for r in results]))
    rows += [
        ("worst sliding hour, one node", [_pct(r.worst_hour_airtime_share) for r in results]),
        (f"nodes over budget ({100 * sc.budget_share:g} %) / over duty cycle "
         f"({100 * sc.duty_cycle:g} %)",
         [f"{r.over_budget_nodes} / {r.over_duty_cycle_nodes}" for r in results]),
        ("channel utilisation, mean / max",
         [f"{_pct(r.channel_utilisation, 1)} / {_pct(r.channel_utilisation_max, 1)}"
          for r in results]),
        ("airtime per hour, all nodes", [_num(r.airtime_per_hour, 1, "s") for r in results]),
        ("frames sent / relayed by the mesh",
         [f"{r.frames_sent} / {r.frames_relayed}" for r in results]),
        ("bytes on air per delivered copy", [_num(r.bytes_per_delivered_copy) for r in results]),
        ("airtime per delivered copy",
         [_num(r.airtime_per_delivered_copy, 3, "s") for r in results]),
        ("η (lower bound × delivery / airtime)", [_num(r.eta, 3) for r in results]),
        ("simulation CPU time", [f"{r.cpu_seconds:.0f} s" for r in results]),
    ]
    head = "| | " + " | ".join(r.title for r in results) + " |"
    rule = "|---|" + "---|" * len(results)
    body = ["| " + label + " | " + " | ".join(cells) + " |" for label, cells in rows]
    return "\n".join([head, rule, *body])


def _by(results: list[RunResult], name: str) -> RunResult:
    return next(r for r in results if r.protocol == name)


def goals(done: list[tuple[str, Scenario, list[RunResult]]]) -> str:
    work = [(label, res) for label, sc, res in done if sc.name != "idle"]
    idle = next(res for label, sc, res in done if sc.name == "idle")
    s2 = next(res for label, sc, res in done if sc.name == "S2")
    s1_20 = next(res for label, sc, res in done if sc.name == "S1" and sc.loss == 0.2)
    rows: list[tuple[str, str, str, bool]] = []

    misses = [f"{label}: {_pct(_by(res, 'engine').delivery)}, "
              f"{_by(res, 'engine').resurrected} resurrected"
              for label, res in work
              if _by(res, "engine").delivery < 1.0 or _by(res, "engine").resurrected]
    rows.append(("100 % delivery and no resurrection, every scenario", "all runs",
                 "; ".join(misses) if misses else "all runs", not misses))

    engine_s2 = _by(s2, "engine")
    p99_new = engine_s2.convergence["new"].p99
    p99_alert = engine_s2.convergence["alert"].p99
    rows.append(("S2: new entry everywhere, p99", "≤ 15 min", duration(p99_new),
                 p99_new is not None and p99_new <= 900))
    rows.append(("S2: alert everywhere, p99", "≤ 3 min", duration(p99_alert),
                 p99_alert is not None and p99_alert <= 180))

    engine_idle = _by(idle, "engine")
    later = engine_idle.hourly_airtime[1:] or engine_idle.hourly_airtime
    idle_cost = sum(later) / len(later) if later else 0.0
    rows.append(("idle cost, whole neighbourhood (hours 2-6 of the idle run)",
                 "≤ 2 s per hour", f"{idle_cost:.2f} s per hour", idle_cost <= 2.0))

    over = [f"{label}: {_by(res, 'engine').over_budget_nodes}" for label, res in work
            if _by(res, "engine").over_budget_nodes]
    rows.append(("no node over its budget in any sliding hour", "0 nodes",
                 "; ".join(over) if over else "0 nodes, every run", not over))

    ratios = []
    for label, res in work:
        e, b = _by(res, "engine"), _by(res, "periodic")
        if e.airtime_per_delivered_copy and b.airtime_per_delivered_copy:
            ratios.append((label, b.airtime_per_delivered_copy / e.airtime_per_delivered_copy))
    worst = min(ratios, key=lambda x: x[1]) if ratios else None
    rows.append(("airtime per delivered copy, (b) / engine", "≥ 3× everywhere",
                 f"{worst[1]:.1f}× at worst ({worst[0]})" if worst else "–",
                 bool(ratios) and all(x >= 3 for _, x in ratios)))

    vs_a = []
    for label, res in work:
        e, a = _by(res, "engine"), _by(res, "flooding")
        vs_a.append((label, e.delivery > a.delivery or e.delivery == a.delivery == 1.0,
                     e.airtime_total <= a.airtime_total, e.airtime_total / a.airtime_total
                     if a.airtime_total else None))
    better = all(d for _, d, _, _ in vs_a)
    cheaper = all(c for _, _, c, _ in vs_a)
    spent = ", ".join(f"{label} {x:.1f}×" for label, _, _, x in vs_a if x is not None)
    rows.append(("delivery above (a), every scenario", "higher",
                 "yes" if better else "no", better))
    rows.append(("for no more airtime than (a): engine airtime / (a) airtime", "≤ 1×",
                 spent, cheaper))

    eta = _by(s1_20, "engine").eta
    rows.append(("η, S1 at 20 % loss", "≥ 0.5", _num(eta, 2), eta is not None and eta >= 0.5))

    cpu = engine_s2.cpu_seconds
    rows.append(("simulating S2 (50 nodes, 25 h) with the engine, CPU time", "< 60 s",
                 f"{cpu:.0f} s", cpu < 60))
    lines = ["| goal | target | measured (sync engine) | met |", "|---|---|---|---|"]
    lines += [f"| {g} | {t} | {m} | {'yes' if ok else '**no**'} |" for g, t, m, ok in rows]
    return "\n".join(lines)


INTRO = """\
## Sync engine on a simulated LoRa mesh

Written by `{command}` ({total:.0f} s for all runs); seed 1 throughout, so the figures
repeat exactly. Every scenario runs three protocols on the same mesh and the same
workload: the **sync engine** (sync/engine.py), **(a) naive flooding** (each record sent
once by its creator and relayed by Meshtastic's managed flooding, hop limit 3, no
repair: how most Meshtastic bulletin boards work) and **(b) periodic rebroadcast** (each
node sends everything it holds, newest first, in rounds every 60 minutes, to its
neighbours, within the same 5 % airtime budget as the engine). See sync/baselines.py.
Every node runs as a member of a formed neighbourhood does: it accepts a record only
when the signed roster names its origin's key (sync/roster.py) and seals every frame
with the epoch key, 45 bytes each (node/sim/security.py); the baselines' frames are
sealed the same way. "What security costs" runs the engine once more with both off.

### The simulator (hardware/sim/lorasim.py)

Discrete-event, simulated clock, LONG_FAST airtime from protocol/airtime.py with the
16-byte header and the Data wrapper counted. Modelled after the firmware: managed
flooding with hop limit 3 (three relays, so four hops), relay delay from the SNR-based
contention window (weaker signal relays first) and cancellation on hearing another
relay; own frames wait a random contention delay from the channel utilisation and back
off while the channel is busy (activity detection needs one slot, so two nodes starting
within a slot collide); half duplex; collisions at the receiver unless one frame is
6 dB stronger; per-link loss on top; the 10 % duty cycle enforced per sliding hour; TX
queue of 16. Not modelled: direct-message ACKs and retries, next-hop routing, router
roles, outside interference. The signal model (SNR from +10 dB near to -15 dB at the
edge of range, log-distance with exponent 3 in the random graph) is a model, not a
measurement. Posts are made-up texts with the dev corpus's length spread (median 72
bytes); the current textpack packs them to {packed:.2f} of their UTF-8 size (its own
notes give 0.40 for the dev corpus), so records may be a few bytes off real ones.

### Scenarios

* **S1**: clique of 20 nodes, 2,000 entries at the start, 10 new entries, 3 edits and 2
  withdrawals an hour for 24 h, then 1 h to settle; 0, 10, 20 and 30 % link loss.
* **S2**: 50 nodes on a random geometric graph {s2_across} hops across (mean degree
  {s2_degree:.1f}), 20 % loss, 2,000 entries at the start, 18 new entries, 2 alerts, 4
  edits and 3 withdrawals an hour for 24 h, then 1 h to settle.
* **S3**: S2, with node 7 switched off at hour 4 and back at hour 5 wiped: empty store,
  new key, as after a reinstall. It must catch up on every entry.
* **S4**: S2, with one node's clock 5 years ahead and one booting in 1970, and the mesh
  cut in two halves (west and east) from hour 6 to hour 12 while 500 more entries are
  made on both sides.
* **idle**: the S1 mesh at 20 % loss with its 2,000 entries and nothing new, 6 h.

### What the figures mean

* **delivery**: copies delivered / copies owed at the end. A record made during the run
  is owed to every node but its creator; a wiped node that came back is owed every
  record. A copy counts when the node's board shows that record's content or a newer
  version of the entry. Entries that expire during the run (a trade a day after its
  date, an alert after two days) may be pruned by the engine and are not owed.
  **records lost**: records still missing on some node at the end.
  **entries resurrected**: entries withdrawn by their owner that some node shows open
  at the end. **boards identical**: all nodes show the same live entries at the end.
* **convergence** (p50 / p90 / p99 / max, nearest rank): for each record made during
  the run, the time from its creation until the last node owed it has it; "never" when
  that share of records never got everywhere. **wiped node catch-up**: time from its
  return until it held each record it was owed.
* **worst sliding hour**: a node's most airtime on air in any 60-minute window, relays
  included. **over budget**: airtime the protocol handed to its radio in some sliding
  hour above its budget (5 %). **over duty cycle**: on air above 10 % in some sliding
  hour, or a frame the firmware refused for it.
* **channel utilisation**: per node, airtime of every frame it heard or sent over the run
  (summed, as the firmware counts it).
* **per delivered copy**: bytes (LoRa PHY payload, header included) and airtime of all
  frames of the run, relays included, divided by the copies delivered.
* **η = lower bound × delivery / airtime used**. The lower bound: each record made during
  the run and still live at the end sent once, alone in as few frames as hold its
  bytes, by as few transmitters as let every node hear it (1 in a clique; a greedy
  connected dominating set from its creator otherwise, which can exceed the true
  minimum), divided by the delivery probability of a link (1 - loss); plus, for a wiped
  node, each record it was owed sent once. A protocol earns the bound in proportion to
  the delivery it achieved. Idle traffic (digests) counts in the airtime used, not in
  the bound.
"""


SECURITY_INTRO = """\
The sync engine as every table here runs it (roster checks, every frame sealed with
XChaCha20-Poly1305: 45 bytes and their airtime on each frame) against the same engine on
the same mesh and workload with plain frames and any key of the run trusted. The
difference is the whole price of privacy and trust on air; the roster's own records
are not in it (every node holds the roster from the start).
"""


def security_cost(done: list[tuple[str, Scenario, list[RunResult]]]) -> str:
    """The engine with roster checks and sealed frames against the engine without."""
    head = ("| run | delivery, secure / plain | new entry p99, secure / plain | bytes on air "
            "per delivered copy, secure / plain | airtime per delivered copy, secure / plain "
            "| simulation CPU, secure / plain |")
    rows = [head, "|---|---|---|---|---|---|"]
    for label, _sc, results in done:
        secure, plain = _by(results[:-1], "engine"), results[-1]
        new_s, new_p = secure.convergence["new"].p99, plain.convergence["new"].p99
        rows.append(
            f"| {label} | {_pct(secure.delivery)} / {_pct(plain.delivery)} | "
            f"{duration(new_s) if new_s is not None else DASH} / "
            f"{duration(new_p) if new_p is not None else DASH} | "
            f"{_num(secure.bytes_per_delivered_copy)} / {_num(plain.bytes_per_delivered_copy)} | "
            f"{_num(secure.airtime_per_delivered_copy, 3, 's')} / "
            f"{_num(plain.airtime_per_delivered_copy, 3, 's')} | "
            f"{secure.cpu_seconds:.0f} s / {plain.cpu_seconds:.0f} s |")
    return "\n".join(rows)


def render(done: list[tuple[str, Scenario, list[RunResult]]], total: float) -> str:
    s2 = build_topology(SCENARIOS["S2"])
    rng = random.Random(1)
    texts = [make_text(rng) for _ in range(500)]
    packed = sum(len(textpack.pack(t)) for t in texts) / sum(len(t.encode()) for t in texts)
    parts = [INTRO.format(command=COMMAND, total=total, s2_across=s2.diameter(),
                          s2_degree=s2.mean_degree(), packed=packed).rstrip("\n")]
    shown = [(label, sc, results[:-1]) for label, sc, results in done]
    parts.append("### Goals (from the sync issue)\n\n" + goals(shown))
    parts.append("### What security costs\n\n" + SECURITY_INTRO + "\n" + security_cost(done))
    for label, sc, results in shown:
        parts.append(f"### {label}\n\n{scenario_table(sc, results)}")
    return BEGIN + "\n" + "\n\n".join(parts) + "\n" + END + "\n"


def write(out: Path, section: str) -> None:
    old = out.read_text(encoding="utf-8") if out.exists() else "# Benchmarks\n"
    if BEGIN in old and END in old:
        head, rest = old.split(BEGIN, 1)
        tail = rest.split(END, 1)[1].lstrip("\n")
        text = head + section + ("\n" + tail if tail else "")
    else:
        text = old.rstrip("\n") + "\n\n" + section
    out.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1]
                        / "BENCHMARKS.md")
    parser.add_argument("--jobs", type=int, default=2, help="runs at a time (processes)")
    args = parser.parse_args()
    started = time.perf_counter()
    done: list[tuple[str, Scenario, list[RunResult]]] = []
    with multiprocessing.Pool(max(args.jobs, 1)) as pool:
        for label, sc, results in pool.imap(_run, RUNS):
            print(f"{label}: done after {time.perf_counter() - started:.0f} s", file=sys.stderr)
            done.append((label, sc, results))
    write(args.out, render(done, time.perf_counter() - started))
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
