"""Store and command-line speed at 100,000 entries, written into BENCHMARKS.md.

    .venv/bin/python scripts/bench_store.py --write                  # build, measure, write
    .venv/bin/python scripts/bench_store.py --before c07571f --write # also the code at a rev
    .venv/bin/python scripts/bench_store.py --entries 20000          # a quicker look

Builds a node home with a board of ENTRIES entries from 24 other nodes (plus a few own
posts), every record signed and merged through the project's own APIs (``sign``,
``BoardStore.apply_all`` 1,000 at a time), then measures what a node does with it: each
read command and ``post`` as a whole ``meshaid`` process, merging records from another
node, the daemon's start-up on a fake radio, and its memory. Each figure has a yardstick
measured in the same run: plain sqlite3 (or bare Python) doing the same work on the same
database, so the ratio says what meshaid adds. ``--before REV`` measures the same things
with the code of a git revision (``git archive``, on a copy of the board migrated down to
that revision's schema); without it, the previous run's before-figures are kept.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench_store_committee import committee_commands
from bench_store_table import MiB, secs, table
from bench_store_work import (
    MERGE_SPLIT,
    Workload,
    _summary,
    build,
    child_load,
    child_merge,
    merge_parts,
    sql_listing,
    sql_post,
    sqlite_merge,
    write_raws,
)
from nacl.signing import SigningKey

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "BENCHMARKS.md"
BEGIN, END = "<!-- store:begin -->", "<!-- store:end -->"
HEADING = "## Store and command-line speed"
COMMAND = ".venv/bin/python scripts/bench_store.py"


# -- running processes ----------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """One process: wall and CPU seconds, peak memory, exit code, output."""

    wall: float
    cpu: float
    rss: int
    code: int
    out: bytes
    err: bytes


# Put before the code of a ``python -c`` process: at exit it writes its peak memory to
# stderr (getrusage's ru_maxrss would count the memory of the parent it was forked from).
PEAK = ("import atexit, os\natexit.register(lambda: os.write(2, b'\\n@peak ' + next(line for "
        "line in open('/proc/self/status', 'rb') if line.startswith(b'VmHWM'))))\n")


def python(code: str) -> list[str]:
    return [sys.executable, "-c", PEAK + code]


def run(argv: list[str], env: dict[str, str]) -> Run:
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        errors, _sep, peak = err.read().partition(b"\n@peak VmHWM:")
        rss = int(peak.split()[0]) * 1024 if peak else 0
        return Run(wall, usage.ru_utime + usage.ru_stime, rss, proc.returncode, out.read(),
                   errors)


def median_run(argv: list[str], env: dict[str, str], repeats: int) -> dict[str, float]:
    """Medians of ``repeats`` runs after a warm-up (which writes the bytecode); one run when
    a run takes seconds."""
    warm = run(argv, env)
    if warm.code != 0:
        raise SystemExit(f"{' '.join(argv[3:])} failed: {warm.err.decode()[-500:]}")
    runs = [run(argv, env)]
    if runs[0].wall < 3:
        runs += [run(argv, env) for _ in range(repeats - 1)]
    return {"wall": statistics.median(r.wall for r in runs),
            "cpu": statistics.median(r.cpu for r in runs),
            "rss": max(r.rss for r in runs), "runs": len(runs)}


class Tree:
    """A meshaid source tree to measure: this one, or a git revision's (``git archive``)."""

    def __init__(self, root: Path, name: str, scratch: Path) -> None:
        self.root, self.name = root, name
        self.env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        self.env["PYTHONPYCACHEPREFIX"] = str(scratch / f"pycache-{name}")
        self.env.pop("MESHAID_SERVICE", None)
        if root != ROOT:
            # A directory "meshaid" whose packages are the revision's folders, first on the path.
            shadow = scratch / f"tree-{name}" / "meshaid"
            shadow.mkdir(parents=True, exist_ok=True)
            for part in ("protocol", "sync", "hardware", "node", "cli"):
                (shadow / part).symlink_to(root / part)
            self.env["PYTHONPATH"] = str(shadow.parent)

    @classmethod
    def at_revision(cls, rev: str, scratch: Path) -> Tree:
        root = scratch / f"src-{rev}"
        root.mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(root)], input=archive, check=True)
        return cls(root, rev, scratch)

    def meshaid(self, home: Path, *args: str) -> list[str]:
        return [*python("from meshaid.cli.main import main; main()"), "--home", str(home), *args]

    def child(self, mode: str, **options: str) -> dict[str, Any]:
        argv = [sys.executable, str(Path(__file__).resolve()), "--child", mode]
        for name, value in options.items():
            argv += [f"--{name}", value]
        done = run(argv, self.env)
        if done.code != 0:
            raise SystemExit(f"child {mode} on {self.name} failed: {done.err.decode()[-2000:]}")
        return dict(json.loads(done.out))


def copy_board(src: Path, dst: Path) -> None:
    """A copy of a node home, the database through SQLite's backup (WAL included)."""
    dst.mkdir(parents=True)
    for name in ("node.key", "meshaid.toml"):
        shutil.copy2(src / name, dst / name)
    (dst / "node.key").chmod(0o600)
    dst.chmod(0o700)
    source, target = sqlite3.connect(src / "board.sqlite3"), sqlite3.connect(dst / "board.sqlite3")
    source.backup(target)
    source.close()
    target.close()


def migrate_down(home: Path, tree: Tree) -> None:
    """Take the copy's schema down to the newest revision ``tree`` knows."""
    from alembic import command

    from meshaid.node.store.database import alembic_config, create_store_engine

    heads = [p.name.split("_")[0] for p in (tree.root / "node/store/migrations/versions").glob(
        "[0-9]*.py")]
    engine = create_store_engine(home / "board.sqlite3")
    command.downgrade(alembic_config(engine), max(heads))
    engine.dispose()


def proc_figures(pid: int) -> tuple[float, int, int]:
    """CPU seconds, RSS and peak RSS of a running process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text()
                  .splitlines() if ":" in line)
    return cpu, int(status["VmRSS"].split()[0]) * 1024, int(status["VmHWM"].split()[0]) * 1024


def daemon_start(tree: Tree, home: Path, radio_env: dict[str, str]) -> dict[str, float]:
    """``meshaid run`` on a fake radio: until it logs that it loaded the store and took its
    first step, then idle."""
    import threading

    radio = subprocess.Popen([sys.executable, "-m", "meshaid.hardware.fake_radio", "--tcp", "0"],
                             env=radio_env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             text=True)
    try:
        assert radio.stdout is not None
        address = radio.stdout.readline().rsplit(" ", 1)[1].strip()  # "... on tcp HOST:PORT"
        start = time.perf_counter()
        daemon = subprocess.Popen(tree.meshaid(home, "run", "--host", address), env=tree.env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        loaded = threading.Event()
        said: dict[str, float] = {}  # the daemon's own CPU when loaded, and after step one

        def drain() -> None:
            assert daemon.stderr is not None
            for line in daemon.stderr:
                # Read from /proc afterwards, the figure would also hold some of the work
                # the daemon went on to do.
                found = re.search(r"\(([0-9.]+) s of CPU", line)
                if "records from the board store" in line:
                    if found:
                        said["loaded"] = float(found.group(1))
                    else:  # a tree whose daemon does not say its CPU
                        loaded.set()
                elif "first step done" in line and found:
                    said["first"] = float(found.group(1))
                    loaded.set()

        threading.Thread(target=drain, daemon=True).start()
        if not loaded.wait(900):
            raise SystemExit(f"the daemon of {tree.name} did not load its store")
        wall = time.perf_counter() - start
        cpu, rss, _peak = proc_figures(daemon.pid)
        cpu, first = said.get("loaded", cpu), said.get("first")
        time.sleep(5)
        _cpu, idle, peak = proc_figures(daemon.pid)
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(30)
    finally:
        radio.terminate()
        radio.wait(10)
    figures = {"wall": wall, "cpu": cpu, "rss_loaded": rss, "rss": idle, "peak": peak}
    return figures if first is None else {**figures, "first_step_cpu": first}


CHILDREN = {"merge": lambda a: child_merge(Path(a.home), Path(a.records), a.part),
            "load": lambda a: child_load(Path(a.home))}


# -- the figures ---------------------------------------------------------------------------


def commands(code: str, now: int) -> list[tuple[str, list[str], str | None, str, str,
                                                list[str] | None]]:
    """(key, arguments, yardstick count, rows and codes; arguments before paging existed).
    The yardstick's statements are the ones meshaid runs for the command."""
    index = f"status IN (0, 1) AND expires > {now}"  # counting: the covering index
    plain = f"+status IN (0, 1) AND +expires > {now}"  # reading rows: walk ``created``
    walk = " ORDER BY created DESC, origin, seq LIMIT 50"

    def listing(counted: str, read: str) -> tuple[str, str, str]:
        return (f"SELECT count(*) FROM entries WHERE {counted}",
                f"SELECT * FROM entries WHERE {read}{walk}", "near")

    need = f"status = 0 AND expires > {now} AND kind IN (1)"
    need_plain = f"+status = 0 AND +expires > {now} AND +kind IN (1)"
    found = f"{plain} AND instr(search_text, '{{}}') > 0".format
    return [
        ("board", ["board"], *listing(index, plain), None),
        ("board_json", ["board", "--json"], *listing(index, plain), ["board", "--json"]),
        ("need_open", ["board", "--kind", "need", "--status", "open"],
         *listing(need, need_plain), None),
        ("search", ["board", "--search", "water"], *listing(found("water"), found("water")),
         None),
        ("search_accent", ["board", "--search", "ninos"], *listing(found("ninos"), found("ninos")),
         ["board", "--search", "niños"]),
        ("show", ["show", code], None,
         f"SELECT * FROM entries WHERE code >= '{code}' AND code < '{code}~' ORDER BY code",
         "near", None),
        ("status", ["status"], None,
         "SELECT origin, count(*), max(seq) FROM records GROUP BY origin", "none", None),
        ("all_json", ["board", "--all", "--json"], None,
         f"SELECT * FROM entries WHERE {plain} ORDER BY +created DESC, origin, seq", "all",
         ["board", "--json"]),
        *committee_commands(now, listing(index, plain), plain),
    ]


def measure_tree(tree: Tree, home: Path, empty: Path, scratch: Path, repeats: int,
                 code: str, now: int, records: Path,
                 yard_merge: Callable[[str], float] | None = None) -> dict[str, Any]:
    """Every figure of one tree, on its own copies of the board."""
    f: dict[str, Any] = {"help": median_run(tree.meshaid(empty, "--help"), tree.env, repeats),
                         "empty_board": median_run(tree.meshaid(empty, "board"), tree.env,
                                                   repeats)}
    before = tree.root != ROOT
    for key, args, _count, _rows, _codes, old_args in commands(code, now):
        if before and old_args == []:
            continue
        argv = tree.meshaid(home, *(old_args if before and old_args else args))
        f[key] = median_run(argv, tree.env, repeats)
    f["post"] = median_run(tree.meshaid(home, "post", "need", "2 cases of water, bench"),
                           tree.env, repeats)
    merge_home = scratch / f"merge-{tree.name}"
    copy_board(home, merge_home)
    if before:
        migrate_down(merge_home, tree)
    f["merge"] = {}
    for part in ("batched", "single", "bytes"):
        yard = [] if yard_merge is None else [yard_merge(part)]
        f["merge"][part] = tree.child("merge", home=str(merge_home), records=str(records),
                                      part=part)["rate"]
        if yard_merge is not None:  # measured just before and just after: the disk varies
            f["yard_" + part] = (yard[0] + yard_merge(part)) / 2
    f["load"] = tree.child("load", home=str(home))
    radio_env = Tree(ROOT, "radio", scratch).env
    # A first daemon, not counted, writes the bytecode of what only the daemon imports (the
    # commands above did so for theirs): the figures are those of a node started before.
    daemon_start(tree, empty, radio_env)
    f["daemon"] = daemon_start(tree, home, radio_env)
    f["daemon_idle"] = daemon_start(tree, empty, radio_env)
    return f


def yard_merger(home: Path, scratch: Path, raws: list[bytes], keys: dict[int, bytes]
                ) -> Callable[[str], float]:
    """The yardstick of one merge part, on a fresh copy of the board each time."""
    parts = merge_parts(raws)
    made = [0]

    def merge(part: str) -> float:
        made[0] += 1
        copy = scratch / f"yard-merge-{made[0]}"
        copy_board(home, copy)
        return sqlite_merge(copy / "board.sqlite3", parts[part], keys, part == "bytes",
                            1 if part == "single" else 1000)

    return merge


def yardsticks(home: Path, empty: Path, scratch: Path, code: str, now: int,
               repeats: int) -> dict[str, Any]:
    env = Tree(ROOT, "yardstick", scratch).env
    db = home / "board.sqlite3"
    y: dict[str, Any] = {"help": median_run(python("pass"), env, repeats)}
    for key, _args, counted, rows, codes, _old in commands(code, now):
        y[key] = median_run(python(sql_listing(db, counted, rows, codes)), env, repeats)
    _key, _args, counted, rows, codes, _old = commands(code, now)[0]
    y["empty_board"] = median_run(python(sql_listing(empty / "board.sqlite3", counted, rows,
                                                     codes)), env, repeats)
    copy_board(home, scratch / "yard-post")
    y["post"] = median_run(python(sql_post(scratch / "yard-post/board.sqlite3")), env, repeats)
    held = run(python(f"import sqlite3\nrows = sqlite3.connect({str(db)!r}).execute("
                      "'SELECT raw, first_seen FROM records ORDER BY origin, seq').fetchall()"),
               env)
    y["load"] = {"cpu": held.cpu}
    y["memory"] = held.rss
    y["idle"] = run(python("pass"), env).rss
    # What the libraries a node loads cost a process, on their own: CPU and memory.
    for name in ("sqlalchemy.orm", "alembic.command", "meshtastic.tcp_interface", "asyncio"):
        y[f"import {name}"] = median_run(python(f"import {name}"), env, 3)
    return y


def section(now: dict[str, Any], yard: dict[str, Any], before: dict[str, Any],
            previous: dict[str, str], info: dict[str, Any]) -> str:
    b, rev = info["build"], previous.get("rev", "")
    return f"""{BEGIN}
{HEADING}

Written by `{COMMAND} --write` on {info['date']} ({info['cpus']} CPUs, load average
{info['load']:.1f} at the end, the benchmark's own processes included; other work on the
machine slows every figure, the ratios to the yardstick less). The board: a node home with
{b['entries']:,} entries from {b['records']:,} records of 24 other nodes posted over the
last 30 days (offers, needs, trades and alerts from the dev and held-out corpora; 15 % of
the records later edits and closes), {info['active']:,} of them active,
{b['db_bytes'] / MiB:.0f} MiB of database; built through `sign` and `BoardStore.apply_all`
in {secs(b['build_seconds'])} ({secs(b['sign_seconds'])} of it signing and packing texts,
{secs(b['merge_seconds'])}
merging). Commands are whole `meshaid` processes with their bytecode cached, medians of
{info['repeats']} runs after a warm-up; merges are {MERGE_SPLIT[1]:,} records 1,000 a
transaction, {MERGE_SPLIT[2]} one a transaction and {MERGE_SPLIT[3]:,} as bytes, into a copy
of the board.

**Yardstick**: the same work by plain sqlite3 on the same database, with the same
durability (WAL, `synchronous=FULL`): a bare Python process running the statements meshaid
runs for the command and printing the rows; the rows the merged records make, written with
`executemany` (for bytes, after meshaid's decode and signature check), measured just before
and just after meshaid's merge and averaged; a bare process holding every record's bytes,
for memory. **Before**: the same measurements with the code at {rev or '(none)'}
on a copy of the board migrated down to its schema, in the run of {previous.get('date', '')}
that was given `--before {rev}` (a machine busier or quieter then moves those figures too).
Times are wall clock unless they say CPU.

{table(now, yard, before, rev)}

Peak memory of the commands: `board` {now['board']['rss'] / MiB:.0f} MiB, `board --json`
{now['board_json']['rss'] / MiB:.0f} MiB, `board --all --json` {now['all_json']['rss'] / MiB:.0f}
MiB (before, `board --json` listing everything: {show_memory(before, 'board_json')}). The
daemon: {now['load']['records']:,} records held by its sync engine, at most
{now['daemon']['peak'] / MiB:.0f} MiB while loading them. What the libraries a node loads cost
a process on their own, over bare Python's {yard['idle'] / MiB:.0f} MiB and
{yard['help']['cpu']:.2f} s of CPU: {libraries(yard)}.
<!-- store:before {json.dumps({**previous, 'figures': before})} -->
{END}
"""


def libraries(yard: dict[str, Any]) -> str:
    base = yard["help"]["cpu"]
    notes = {"alembic.command": " (SQLAlchemy included)"}
    return "; ".join(
        f"`{key[7:]}`{notes.get(key[7:], '')} {(r['rss'] - yard['idle']) / MiB:+.0f} MiB, "
        f"{r['cpu'] - base:+.2f} s CPU"
        for key, r in yard.items() if key.startswith("import ")
    )


def show_memory(f: dict[str, Any], key: str) -> str:
    return f"{f[key]['rss'] / MiB:.0f} MiB" if f else "–"


def previous_before() -> tuple[dict[str, str], dict[str, Any]]:
    """The revision, date and figures of the last ``--before`` run, kept in BENCHMARKS.md."""
    text = BENCHMARKS.read_text("utf-8") if BENCHMARKS.exists() else ""
    marker = "<!-- store:before "
    if marker not in text:
        return {}, {}
    data = json.loads(text.split(marker, 1)[1].split(" -->", 1)[0])
    figures = data.pop("figures")
    return {k: str(v) for k, v in data.items()}, dict(figures)


def write_section(body: str) -> None:
    text = BENCHMARKS.read_text("utf-8")
    if BEGIN in text:
        head, rest = text.split(BEGIN, 1)
        text = head + body + rest.split(END, 1)[1].lstrip("\n")
    else:
        text = text.rstrip("\n") + "\n\n" + body
    BENCHMARKS.write_text(text, "utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--before", metavar="REV", help="also measure this git revision")
    parser.add_argument("--write", action="store_true", help="rewrite the section of "
                        "BENCHMARKS.md")
    parser.add_argument("--keep", type=Path, help="build in this new directory and keep it")
    parser.add_argument("--render", type=Path, metavar="DIR",
                        help="only write the figures a --keep DIR run measured")
    parser.add_argument("--child", choices=CHILDREN, help=argparse.SUPPRESS)
    parser.add_argument("--home", help=argparse.SUPPRESS)
    parser.add_argument("--records", help=argparse.SUPPRESS)
    parser.add_argument("--part", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(CHILDREN[args.child](args)))
        return
    if args.render:
        report(json.loads((args.render / "figures.json").read_text()), args.write)
        return
    scratch = args.keep or Path(tempfile.mkdtemp(prefix="meshaid-bench-"))
    scratch.mkdir(parents=True, exist_ok=True)
    try:
        measure(args, scratch)
    finally:
        if args.keep is None:
            shutil.rmtree(scratch, ignore_errors=True)


def measure(args: argparse.Namespace, scratch: Path) -> None:
    from meshaid.node.services import BoardQuery, open_node
    from meshaid.protocol import timebase

    home = scratch / "home"
    print(f"building a board of {args.entries:,} entries in {home} ...", file=sys.stderr)
    built = build(home, args.entries)
    now = timebase.to_minutes(time.time())
    with open_node(home) as node:
        page = node.board_page(BoardQuery(), limit=1)
        code, active = page.entries[0].full_code, page.total
        work = Workload(node.store.now_minute(), seed=2)
        for i, (_key, origin, _top) in enumerate(built["peers"]):
            work.seqs[i] = max(seq for o, (_n, seq) in _summary(node.store).items()
                               if o == origin)
    raws = [r.raw for r in work.records(sum(MERGE_SPLIT), change_share=0.0)]
    keys = {o: bytes(SigningKey(k).verify_key) for k, o, _top in built["peers"]}
    write_raws(scratch / "merge.records", raws)
    this = Tree(ROOT, "now", scratch)
    empty = scratch / "empty-now"
    run(this.meshaid(empty, "init", "--timezone", "UTC"), this.env)
    print("measuring this tree ...", file=sys.stderr)
    figures = measure_tree(this, home, empty, scratch, args.repeats, code, now,
                           scratch / "merge.records", yard_merger(home, scratch, raws, keys))
    print("measuring the yardsticks ...", file=sys.stderr)
    yard = yardsticks(home, empty, scratch, code, now, args.repeats)
    previous, before = previous_before()
    if args.before:
        print(f"measuring {args.before} ...", file=sys.stderr)
        old = Tree.at_revision(args.before, scratch)
        old_home, old_empty = scratch / "home-before", scratch / "empty-before"
        copy_board(home, old_home)
        migrate_down(old_home, old)
        run(old.meshaid(old_empty, "init", "--timezone", "UTC"), old.env)
        before = measure_tree(old, old_home, old_empty, scratch, min(args.repeats, 3), code,
                              now, scratch / "merge.records")
        previous = {"rev": args.before, "date": time.strftime("%Y-%m-%d")}
    info = {"build": {k: v for k, v in built.items() if k != "peers"}, "active": active,
            "repeats": args.repeats, "date": time.strftime("%Y-%m-%d"), "cpus": os.cpu_count(),
            "load": os.getloadavg()[0]}
    saved = {"now": figures, "yard": yard, "before": before, "previous": previous, "info": info}
    (scratch / "figures.json").write_text(json.dumps(saved))
    report(saved, args.write)


def report(saved: dict[str, Any], write: bool) -> None:
    body = section(saved["now"], saved["yard"], saved["before"], saved["previous"], saved["info"])
    print(body)
    if write:
        write_section(body)


if __name__ == "__main__":
    main()
