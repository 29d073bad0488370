"""The crash and fault suite: SIGKILL meshaid while it writes, restart it, check what it promised.

Two nodes, A and B, in one neighbourhood, each a ``meshaid run`` daemon on a fake Meshtastic
radio (hardware/fake_radio) over TCP, the two radios hearing each other on one LocalAir.
Each round kills one process at a random moment while it writes:

* ``cli``: a ``meshaid post`` into A's home, killed after a random delay (it may have
  committed or not; it acknowledged only if it printed the entry);
* ``socket``: daemon A taking posts on its control socket from a client here, killed at a
  random moment; a post is acknowledged when its answer came back;
* ``air``: daemon B storing the records it hears from A, killed at a random moment.

A killed daemon is started again at once. Every few rounds a radio fault is injected on A's
device: unplugged mid-send (its TCP port closed and opened again), a full TX queue (held for
a second), or NAKs (the next packets refused with DUTY_CYCLE_LIMIT). The wall clock jumps
across restarts: the kills run in phases with the processes' clock right, five years
ahead, back in 1970, and right again (the child processes here shift ``time.time``: a Pi
that booted with no real-time clock sees the same).

At the end both daemons run until B holds all of A's records, are stopped, and the suite
checks: every acknowledged post is in A's store; ``PRAGMA integrity_check`` is ok on both;
no seq was used twice (B's copy of each of A's records is byte for byte A's; the
acknowledged posts all have distinct records); A's stamped minutes never go back along its
seqs, whatever the clock did.

    python scripts/crash_suite.py --kills 1000 --seed 1
    python scripts/crash_suite.py --kills 60 --seed 7 --json

What a SIGKILL tests is a process crash: the kernel still writes what the process handed
it. A power cut is covered by ``synchronous=FULL`` (an acknowledgement waits for fsync),
which this suite checks is set but cannot cut power to prove.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

RUN_CHILD = "--child"
FIVE_YEARS = 5 * 365.25 * 86400.0
CLOCK_PHASES = ("right", "ahead", "1970", "right again")
DEADLINE = 30.0
PRESET = "SHORT_TURBO"
DEBUG: tuple[str, ...] = ()
SOCKET_POST_GAP = (0.05, 0.3)  # seconds between two posts of the socket client
ITEMS = ("water", "nappies", "a ladder", "bread", "phone charging", "a lift to the clinic",
         "blankets", "batteries", "dog food", "help carrying shopping")
PLACES = ("flat 3", "the corner shop", "block C", "the library steps", "number 12")


def clock_offset(phase: str) -> float:
    if phase == "ahead":
        return FIVE_YEARS
    if phase == "1970":
        return 86400.0 - time.time()  # the second day of 1970
    return 0.0


def child_main(argv: list[str]) -> None:
    """A meshaid command in this process with its wall clock shifted: ``OFFSET ARGS...``."""
    offset = float(argv[0])
    _die_with_parent()
    real = time.time
    time.time = lambda: real() + offset  # before meshaid is imported: its defaults bind this
    from meshaid.cli.context import CliContext
    from meshaid.cli.main import cli

    cli.main(args=argv[1:], obj=CliContext(), prog_name="meshaid")


def _die_with_parent() -> None:
    """On Linux, ask for SIGKILL when the suite dies, so no daemon outlives a killed run."""
    if sys.platform != "linux":
        return
    import ctypes
    import signal

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


@dataclass
class Report:
    kills: int = 0
    by_target: Counter[str] = field(default_factory=Counter)
    acknowledged: int = 0
    acknowledged_by: Counter[str] = field(default_factory=Counter)
    missing: list[str] = field(default_factory=list)
    faults: Counter[str] = field(default_factory=Counter)
    integrity: dict[str, str] = field(default_factory=dict)
    seq_reused: list[str] = field(default_factory=list)
    minutes_back: int = 0
    records_a: int = 0
    records_b: int = 0
    converged: bool = False
    seconds: float = 0.0
    seed: int = 0

    @property
    def ok(self) -> bool:
        """What the suite promises: nothing acknowledged lost, nothing corrupt or reused.
        Whether B caught up (``converged``) is reported beside it: that is the gossip's
        repair, which a crash does not change."""
        return (not self.missing and not self.seq_reused and self.minutes_back == 0
                and set(self.integrity.values()) == {"ok"})

    def to_json(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self)}  # asdict breaks Counters
        out.update({name: dict(out[name]) for name in ("by_target", "acknowledged_by",
                                                       "faults")})
        out["ok"] = self.ok
        return out


class Node:
    """One daemon's home, fake radio and process."""

    def __init__(self, work: Path, name: str, node_num: int, air: Any) -> None:
        from meshtastic.protobuf import config_pb2

        from meshaid.hardware.fake_radio import FakeDevice, TcpPort
        from meshaid.node.services import init_node

        LoRaConfig = config_pb2.Config.LoRaConfig

        self.home = work / name
        self.log = work / f"{name}.log"
        init_node(self.home, name=name, timezone="UTC", zones=("north block",))
        # The fastest preset and the largest budget: the nodes must catch up on hundreds of
        # posts within a minute, and the engine counts airtime (LocalAir does not).
        with open(self.home / "meshaid.toml", "a", encoding="utf-8") as config:
            config.write(f'\n[radio]\npreset = "{PRESET}"\nbudget_share = 0.1\n')
        self.device = FakeDevice(node_num, air=air, modem_preset=getattr(
            LoRaConfig.ModemPreset, PRESET))
        self.port = TcpPort(self.device)
        self.port_number = self.port.port
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, offset: float) -> None:
        with open(self.log, "ab") as log:
            self.process = meshaid(self.home, offset, "run", *DEBUG, "--host",
                                   f"127.0.0.1:{self.port_number}", stdout=log)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=DEADLINE)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def answers(self) -> bool:
        from meshaid.node.daemon.control import request, socket_path

        try:
            status = request(socket_path(self.home), {"op": "status"})
        except Exception:
            return False
        return bool(isinstance(status, dict) and status["radio"]["connected"])

    def wait_up(self) -> None:
        end = time.monotonic() + DEADLINE
        while not self.answers():
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"daemon exited:\n{self.log.read_text()[-2000:]}")
            if time.monotonic() > end:
                raise RuntimeError(f"daemon not up in time:\n{self.log.read_text()[-2000:]}")
            time.sleep(0.05)

    def replug(self) -> None:
        """The radio unplugged and plugged in again: its port closed and reopened."""
        self.port.unplug()
        time.sleep(0.2)
        self.port.replug()


def meshaid(home: Path, offset: float, *args: str, stdout: Any = subprocess.PIPE
            ) -> subprocess.Popen[bytes]:
    env = {**os.environ, "MESHAID_HOME": str(home)}
    return subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), RUN_CHILD, repr(offset), *args],
        env=env, stdout=stdout, stderr=subprocess.STDOUT if stdout is not subprocess.PIPE
        else subprocess.DEVNULL,
    )


def a_post(rng: random.Random) -> tuple[str, str]:
    kind = rng.choice(("need", "offer"))
    text = f"{rng.choice(ITEMS)} near {rng.choice(PLACES)} #{rng.randrange(10**6)}"
    return kind, text


def post_seconds(a: Node, rng: random.Random, acked: dict[str, str]) -> float:
    """How long one ``meshaid post`` takes here, start to exit, unkilled."""
    kind, text = a_post(rng)
    started = time.monotonic()
    post = meshaid(a.home, 0.0, "post", kind, text, "--json")
    out, _ = post.communicate(timeout=DEADLINE)
    acked[json.loads(out)["full_code"]] = "cli"
    return time.monotonic() - started


def kill_cli(a: Node, rng: random.Random, offset: float, acked: dict[str, str],
             duration: float) -> None:
    kind, text = a_post(rng)
    post = meshaid(a.home, offset, "post", kind, text, "--json")
    # Most kills land where a post opens the store and writes (the last part of its run).
    delay = duration * rng.uniform(0.6, 1.1)
    try:
        out, _ = post.communicate(timeout=delay)
    except subprocess.TimeoutExpired:
        post.kill()
        out, _ = post.communicate()
    if post.returncode == 0:
        with contextlib.suppress(ValueError):
            acked[json.loads(out)["full_code"]] = "cli"


def socket_posts(a: Node, rng: random.Random, acked: dict[str, str], stop: threading.Event,
                 ) -> None:
    from meshaid.node.daemon.control import request, socket_path

    while not stop.is_set():
        kind, text = a_post(rng)
        try:
            entry = request(socket_path(a.home), {"op": "post",
                                                   "post": {"kind": kind, "text": text}})
        except Exception:
            time.sleep(0.02)  # the daemon is down: it will be back
            continue
        acked[entry["full_code"]] = "socket"
        time.sleep(rng.uniform(*SOCKET_POST_GAP))


def kill_daemon(node: Node, rng: random.Random, offset: float, window: float) -> None:
    time.sleep(rng.uniform(0.0, window))
    node.kill()
    node.start(offset)
    node.wait_up()


def inject_fault(a: Node, rng: random.Random, report: Report) -> None:
    from meshtastic.protobuf import mesh_pb2

    kind = rng.choice(("unplugged", "queue_full", "naks"))
    report.faults[kind] += 1
    if kind == "unplugged":
        a.replug()
    elif kind == "queue_full":
        a.device.hold_transmissions()
        time.sleep(1.0)
        a.device.release_transmissions()
    else:
        a.device.fail_next(mesh_pb2.Routing.Error.DUTY_CYCLE_LIMIT, count=3)


def run_suite(kills: int, seed: int, work: Path, fault_every: int = 10,
              verbose: bool = False, weights: tuple[int, int, int] = (6, 2, 2),
              catch_up: float = 120.0) -> Report:
    """``kills`` rounds; ``weights``: how often each target is killed (cli, socket, air)."""
    from meshaid.hardware.fake_radio import LocalAir
    from meshaid.node.membership import commands
    from meshaid.node.services import open_node

    started = time.monotonic()
    rng = random.Random(seed)
    report = Report(seed=seed)
    air = LocalAir()
    a = Node(work, "a", 0x4352_0001, air)
    b = Node(work, "b", 0x4352_0002, air)
    with open_node(a.home) as node_a, open_node(b.home) as node_b:
        commands.found(node_a, "Crash Court")
        _, invite = commands.add_node(node_a, commands.node_key_text(node_b), "b")
        commands.join(node_b, invite.to_text())
    acked: dict[str, str] = {}
    try:
        a.start(0.0)
        b.start(0.0)
        a.wait_up()
        b.wait_up()
        duration = post_seconds(a, rng, acked)
        for done in range(kills):
            phase = CLOCK_PHASES[min(done * len(CLOCK_PHASES) // kills, len(CLOCK_PHASES) - 1)]
            offset = clock_offset(phase)
            target = rng.choices(("cli", "socket", "air"), weights=weights)[0]
            if target == "cli":
                kill_cli(a, rng, offset, acked, duration)
            else:
                stop = threading.Event()
                poster = threading.Thread(target=socket_posts,
                                          args=(a, random.Random(rng.random()), acked, stop))
                poster.start()
                try:
                    kill_daemon(a if target == "socket" else b, rng, offset, 1.0)
                finally:
                    stop.set()
                    poster.join()
            report.kills += 1
            report.by_target[target] += 1
            if verbose:
                print(f"kill {done + 1} {target} {phase} at {time.monotonic() - started:.1f} s",
                      file=sys.stderr)
            if fault_every and done % fault_every == fault_every - 1:
                inject_fault(a, rng, report)
        report.converged = converge(a, b, catch_up)
        if verbose:
            print(f"converged {report.converged} at {time.monotonic() - started:.1f} s",
                  file=sys.stderr)
    finally:
        a.stop()
        b.stop()
        a.port.close()
        b.port.close()
    check(a, b, acked, report)
    report.seconds = round(time.monotonic() - started, 1)
    return report


def converge(a: Node, b: Node, seconds: float) -> bool:
    """Both daemons up until B holds every record A has of its own (at most ``seconds``)."""
    a.wait_up()
    b.wait_up()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if own_records(a.home) == own_records(b.home, of=a.home):
            return True
        time.sleep(0.5)
    return own_records(a.home) == own_records(b.home, of=a.home)


def db_path(home: Path) -> Path:
    from meshaid.node.home import DB_FILE

    return home / DB_FILE


def own_records(home: Path, of: Path | None = None) -> dict[int, bytes]:
    """seq -> raw record of ``of``'s origin (by default ``home``'s own) as ``home`` holds them."""
    from meshaid.node.services import open_node

    with open_node(of or home) as owner:
        origin = owner.store.origin
    with open_node(home) as node:
        return {r.body.seq: r.raw for r in node.store.records_of(origin)}


def check(a: Node, b: Node, acked: dict[str, str], report: Report) -> None:
    from meshaid.node.services import open_node

    for name, daemon in (("a", a), ("b", b)):
        with contextlib.closing(sqlite3.connect(db_path(daemon.home))) as conn:
            report.integrity[name] = str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    report.acknowledged = len(acked)
    report.acknowledged_by = Counter(acked.values())
    held_a = own_records(a.home)
    held_b = own_records(b.home, of=a.home)
    report.records_a, report.records_b = len(held_a), len(held_b)
    report.seq_reused = [f"seq {seq}: B holds another record" for seq, raw in held_b.items()
                         if held_a.get(seq) != raw]
    entries: dict[str, str] = {}
    with open_node(a.home) as node:
        for code in acked:
            found = node.store.find_by_code(code)
            if len(found) != 1:
                report.missing.append(code)
                continue
            entry = f"{found[0].origin:08x}/{found[0].seq}"
            if entry in entries:
                report.seq_reused.append(f"{code} and {entries[entry]} share entry {entry}")
            entries[entry] = code
        records = sorted(node.store.records_of(node.store.origin), key=lambda r: r.body.seq)
    last = 0
    for record in records:
        if record.body.created < last:
            report.minutes_back += 1
        last = max(last, record.body.created)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == RUN_CHILD:
        child_main(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=200, help="processes to SIGKILL")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, help="directory for the two node homes")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--verbose", action="store_true", help="a line per kill on stderr")
    parser.add_argument("--weights", default="6,2,2",
                        help="how often each target is killed: cli,socket,air")
    parser.add_argument("--catch-up", type=float, default=120.0,
                        help="seconds to wait at the end for B to hold all of A's records")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="meshaid-crash-") as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        weights = tuple(int(w) for w in args.weights.split(","))
        if len(weights) != 3:
            parser.error("--weights takes three numbers: cli,socket,air")
        report = run_suite(args.kills, args.seed, work, verbose=args.verbose,
                           weights=(weights[0], weights[1], weights[2]),
                           catch_up=args.catch_up)
    if args.json:
        print(json.dumps(report.to_json(), indent=2, sort_keys=True))
    else:
        print(f"{report.kills} kills ({dict(report.by_target)}), seed {report.seed}, "
              f"{report.seconds} s")
        print(f"acknowledged posts: {report.acknowledged} ({dict(report.acknowledged_by)}), "
              f"missing: {len(report.missing)}")
        print(f"records: A {report.records_a}, B {report.records_b} (B caught up: "
              f"{report.converged}); seq reused: {len(report.seq_reused)}; minutes going "
              f"back: {report.minutes_back}")
        print(f"integrity: {report.integrity}; faults: {dict(report.faults)}")
        print("OK" if report.ok else "FAILED")
    sys.exit(0 if report.ok else 1)


if __name__ == "__main__":
    main()
