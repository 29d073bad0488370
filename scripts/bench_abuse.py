"""A real daemon under a flood from the air: junk from outsiders, forged frames from a member.

    .venv/bin/python scripts/bench_abuse.py                    # 60 s a phase
    .venv/bin/python scripts/bench_abuse.py --seconds 20 --rate 50

Founds a neighbourhood of two nodes by the committee's own commands (the founder A and a
member M, whose key plays a stolen node), posts a few entries on A, and runs A's
`meshaid run` as its own process on a fake Meshtastic radio over TCP. This process holds
the fake air and puts frames on it directly at ``--rate`` frames a second, from made-up
radio ids, as an attacker with a few radios or an SDR could, in three phases:

* **quiet**: nothing, for the baseline;
* **junk**: random bytes on the gossip port, on the neighbourhood's channel (so the radio
  hands them on), as a non-member who knows the channel key would send;
* **forged**: frames sealed with the epoch key M holds: digests claiming seqs near 2^32
  for A's and M's origins, GONE ranges for them, requests for everything, neighbour
  lists, fragments of made-up messages, records frames of junk.

Each phase: the daemon's CPU share (from /proc), its largest RSS, the status socket's
answers (one request a second: answered, slowest), and the store: A's records counted
and hashed before and after. Prints a Markdown table; the figures go into SECURITY.md by
hand, with the command that produced them.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from meshtastic.protobuf import mesh_pb2

from meshaid.hardware.fake_radio import FakeDevice, LocalAir, TcpPort
from meshaid.hardware.fake_radio.air import BROADCAST_NUM, AirFrame
from meshaid.hardware.fake_radio.device import expand_psk
from meshaid.node.daemon.control import ControlError, DaemonNotRunning, request, socket_path
from meshaid.node.home import DB_FILE
from meshaid.node.membership.neighbourhood import Neighbourhood
from meshaid.node.services import open_node
from meshaid.protocol import frames, seal
from meshaid.protocol.frames import (
    DigestEntry,
    DigestFrame,
    FragmentFrame,
    GoneFrame,
    RecordsFrame,
    RequestFrame,
    SeqRange,
)

RUN = "from meshaid.cli.main import main; main()"
GOSSIP_PORT = 256
CHANNEL = "hood"
TICKS = os.sysconf("SC_CLK_TCK")


def meshaid(home: Path, *args: str) -> str:
    env = {**os.environ, "MESHAID_HOME": str(home)}
    done = subprocess.run([sys.executable, "-c", RUN, *args], env=env, capture_output=True,
                          text=True, timeout=120)
    if done.returncode != 0:
        raise SystemExit(f"meshaid {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def status(home: Path) -> dict[str, Any] | None:
    try:
        result = request(socket_path(home), {"op": "status"}, timeout=5.0)
    except (ControlError, DaemonNotRunning, OSError):
        return None
    return result if isinstance(result, dict) else None


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def store_fingerprint(home: Path) -> tuple[int, str]:
    """Rows in the records table and a hash over them, read without the daemon's help."""
    conn = sqlite3.connect(f"file:{home / DB_FILE}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT origin, seq, raw FROM records ORDER BY origin, seq").fetchall()
    finally:
        conn.close()
    h = hashlib.sha256()
    for origin, seq, raw in rows:
        h.update(f"{origin}/{seq}/".encode() + bytes(raw))
    return len(rows), h.hexdigest()[:16]


class Attacker:
    """Puts frames on the fake air as if from many radios."""

    def __init__(self, air: LocalAir, device: FakeDevice, psk: bytes, epoch: tuple[int, bytes],
                 origins: list[int], rng: random.Random) -> None:
        self.air, self.rng = air, rng
        self.lora = device.lora
        # The channel's hash and key as the fake device derives them, as the firmware does.
        self.hash, self.key = device._channel_hash(0), expand_psk(psk)
        self.epoch, self.epoch_key = epoch
        self.origins = origins
        self.sent = 0

    def put(self, payload: bytes) -> None:
        data = mesh_pb2.Data(portnum=GOSSIP_PORT, payload=payload)
        self.air.transmit(AirFrame(
            sender=self.rng.randrange(1, 0xFFFF_FFFE), dest=BROADCAST_NUM,
            packet_id=self.rng.randrange(1, 0xFFFF_FFFF), hop_limit=0, hop_start=0,
            want_ack=False, channel_hash=self.hash, channel_key=self.key,
            region=self.lora.region, modem_preset=self.lora.modem_preset,
            data=data.SerializeToString()))
        self.sent += 1

    def junk(self) -> None:
        self.put(self.rng.randbytes(self.rng.randrange(1, 200)))

    def forged(self) -> None:
        rng, origin = self.rng, self.rng.choice(self.origins)
        high = rng.randrange(2**31, 2**32 - 1)
        choice = rng.randrange(6)
        frame: frames.Frame
        if choice == 0:
            frame = DigestFrame(rng.randbytes(frames.HASH_BYTES), high,
                                (DigestEntry(origin, high),))
        elif choice == 1:
            frame = GoneFrame((SeqRange(origin, 1, rng.randrange(1, 2**32 - 2)),))
        elif choice == 2:
            frame = RequestFrame((SeqRange(origin, 1, 0),))
        elif choice == 3:
            frame = DigestFrame(rng.randbytes(frames.HASH_BYTES), rng.randrange(10**6), (),
                                tuple(sorted(rng.sample(range(1, 65535), 40))))
        elif choice == 4:
            count = rng.randrange(2, 9)
            head = bytes([rng.randrange(256), rng.randrange(count), count])
            frame = FragmentFrame(head + rng.randbytes(rng.randrange(20, 150)))
        else:
            frame = RecordsFrame((rng.randbytes(rng.randrange(70, 180)),), relay=True)
        payload = frames.encode(frame)
        self.put(seal.seal(self.epoch_key, self.epoch, rng.randbytes(24), payload))


def phase(name: str, home: Path, pid: int, seconds: float, rate: float,
          send: Callable[[], None] | None) -> dict[str, Any]:
    before = store_fingerprint(home)
    cpu0, t0 = cpu_seconds(pid), time.monotonic()
    answered = asked = 0
    slowest = 0.0
    rss = rss_mib(pid)
    next_status = t0
    sent = 0
    while (now := time.monotonic()) < t0 + seconds:
        if send is not None:
            due = int((now - t0) * rate)
            while sent < due:
                send()
                sent += 1
        if now >= next_status:
            asked += 1
            start = time.monotonic()
            if status(home) is not None:
                answered += 1
                slowest = max(slowest, time.monotonic() - start)
            next_status += 1.0
            rss = max(rss, rss_mib(pid))
        time.sleep(0.005)
    wall = time.monotonic() - t0
    cpu = cpu_seconds(pid) - cpu0
    after = store_fingerprint(home)
    return {"phase": name, "frames": sent, "seconds": wall, "cpu": cpu / wall, "rss": rss,
            "answered": answered, "asked": asked, "slowest": slowest,
            "store": "unchanged" if after == before else f"{before[0]} -> {after[0]} records"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of each phase")
    parser.add_argument("--rate", type=float, default=50.0, help="frames a second")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        a_home, m_home = Path(tmp) / "A", Path(tmp) / "M"
        meshaid(a_home, "init", "--name", "north porch", "--timezone", "UTC",
                "--new-neighbourhood", "Magnolia Flats")
        meshaid(m_home, "init", "--name", "stolen node", "--timezone", "UTC")
        invite = meshaid(a_home, "members", "add-node", meshaid(m_home, "key").strip(),
                         "--name", "stolen node").strip()
        meshaid(m_home, "join", invite)
        for i in range(10):
            meshaid(a_home, "post", "offer", f"rice and beans, bag {i}", "--category", "food")
        member = open_node(m_home)
        held = Neighbourhood(member).keyring.current()
        origins = [member.store.origin]
        member.close()
        a_node = open_node(a_home)
        origins.append(a_node.store.origin)
        a_node.close()
        if held is None:
            raise SystemExit("the member holds no epoch key")
        air, psk = LocalAir(), os.urandom(16)
        device = FakeDevice(0x4D41_0101, air=air, channels=((CHANNEL, psk),))
        port = TcpPort(device)
        # The daemon keeps its own copy of the log's descriptor: ours closes at once.
        with open(Path(os.environ.get("BENCH_LOG", Path(tmp) / "daemon.log")), "ab") as log:
            proc = subprocess.Popen(
                [sys.executable, "-c", RUN, "run", "--host", f"127.0.0.1:{port.port}"],
                env={**os.environ, "MESHAID_HOME": str(a_home)}, stdout=log, stderr=log)
        try:
            end = time.monotonic() + 60
            while status(a_home) is None:
                if time.monotonic() > end or proc.poll() is not None:
                    raise SystemExit("the daemon did not start: see its log")
                time.sleep(0.2)
            attacker = Attacker(air, device, psk, (held.epoch, held.key), origins, rng)
            results = [
                phase("quiet", a_home, proc.pid, args.seconds, 0, None),
                phase("junk", a_home, proc.pid, args.seconds, args.rate, attacker.junk),
                phase("forged", a_home, proc.pid, args.seconds, args.rate, attacker.forged),
            ]
            alive = proc.poll() is None
            after = status(a_home)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            port.close()
    print(f"`{' '.join(['.venv/bin/python', 'scripts/bench_abuse.py', *sys.argv[1:]])}`: "
          f"{args.rate:g} frames/s, {args.seconds:g} s a phase; daemon "
          f"{'still up' if alive else 'DIED'}")
    print()
    print("| phase | frames | daemon CPU | largest RSS | status answered (slowest) | store |")
    print("|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['phase']} | {r['frames']:,} | {100 * r['cpu']:.0f} % of a core | "
              f"{r['rss']:.0f} MiB | {r['answered']} of {r['asked']} ({r['slowest']:.2f} s) | "
              f"{r['store']} |")
    if after is not None:
        dropped = after.get("counters", after.get("pump", {}))
        print()
        print(f"daemon counters after: {dropped}")


if __name__ == "__main__":
    main()
