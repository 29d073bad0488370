"""Nodes that share nothing but the commands a committee runs: real `meshaid` processes.

A founds a neighbourhood (`init --new-neighbourhood`); B and D give their keys
(`meshaid key`), A adds them (`members add-node`) and they join with their invites
(`meshaid join`). C runs `meshaid init` and nothing else. Four fake radios on one air with
a random channel key; every daemon is `meshaid run --host`. Posts made on A and B reach
each other; C stores nothing of theirs. After `members remove` of D, A and B go on
syncing in the new epoch and D can read none of it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from meshaid.hardware.fake_radio import FakeDevice, LocalAir, TcpPort
from meshaid.node.daemon.control import ControlError, DaemonNotRunning, request, socket_path

DEADLINE = 90.0
RUN = "from meshaid.cli.main import main; main()"


def meshaid(home: Path, *args: str) -> str:
    env = {**os.environ, "MESHAID_HOME": str(home)}
    done = subprocess.run([sys.executable, "-c", RUN, *args], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def status(home: Path) -> dict[str, Any] | None:
    try:
        result = request(socket_path(home), {"op": "status"})
    except (ControlError, DaemonNotRunning, OSError):
        return None
    return result if isinstance(result, dict) else None


def held(home: Path, origin: str) -> int:
    s = status(home)
    if s is None:
        return -1
    return next((r["records"] for r in s["store"] if r["origin"] == origin), 0)


def wait_for(what: str, check: Callable[[], bool], logs: list[Path]) -> None:
    end = time.monotonic() + DEADLINE
    while not check():
        if time.monotonic() > end:
            tails = "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in logs)
            raise AssertionError(f"not within {DEADLINE:g} s: {what}\n{tails}")
        time.sleep(0.25)


@pytest.fixture
def air() -> Iterator[tuple[LocalAir, bytes]]:
    yield LocalAir(), os.urandom(16)


@pytest.mark.slow
def test_nodes_joined_by_commands_alone_share_posts_and_a_stranger_gets_nothing(
        tmp_path: Path, air: tuple[LocalAir, bytes]) -> None:
    local_air, channel_key = air
    names = ("A", "B", "C", "D")
    homes = {n: tmp_path / n for n in names}
    meshaid(homes["A"], "init", "--name", "north porch", "--timezone", "UTC",
            "--new-neighbourhood", "Magnolia Flats")
    for name, node_name in (("B", "south porch"), ("C", "stranger"), ("D", "east gate")):
        meshaid(homes[name], "init", "--name", node_name, "--timezone", "UTC")
    for name, node_name in (("B", "south porch"), ("D", "east gate")):
        key = meshaid(homes[name], "key").strip()
        invite = meshaid(homes["A"], "members", "add-node", key, "--name", node_name).strip()
        meshaid(homes[name], "join", invite)

    ports, procs, logs = [], {}, []
    try:
        for i, name in enumerate(names):
            device = FakeDevice(0x4D41_0101 + i, air=local_air, channels=(("hood", channel_key),))
            port = TcpPort(device)
            ports.append(port)
            log = tmp_path / f"{name}.log"
            logs.append(log)
            env = {**os.environ, "MESHAID_HOME": str(homes[name])}
            with open(log, "ab") as out:
                procs[name] = subprocess.Popen(
                    [sys.executable, "-c", RUN, "run", "--host", f"127.0.0.1:{port.port}"],
                    env=env, stdout=out, stderr=out)
        wait_for("every daemon answering", lambda: all(status(h) for h in homes.values()), logs)
        origins = {n: status(h)["node"]["origin"] for n, h in homes.items()}  # type: ignore[index]

        meshaid(homes["A"], "post", "need", "2 tarps for the roof", "--category", "shelter")
        meshaid(homes["B"], "post", "offer", "soup for 10 tonight", "--category", "food")
        a_made = held(homes["A"], origins["A"])  # the roster's records and the post

        def shared() -> bool:
            return held(homes["B"], origins["A"]) == a_made and held(
                homes["A"], origins["B"]) >= 1 and held(homes["D"], origins["B"]) >= 1

        wait_for("A's and B's posts on each other's boards", shared, logs)
        board_b = meshaid(homes["B"], "board", "--json")
        assert "2 tarps for the roof" in board_b
        assert "soup for 10 tonight" in meshaid(homes["A"], "board", "--json")
        # The stranger heard every frame and could open none.
        c = status(homes["C"])
        assert c is not None
        assert [r for r in c["store"] if not r["own"]] == []
        assert "2 tarps" not in meshaid(homes["C"], "board", "--json")
        assert c["counters"].get("frames_not_opened", 0) > 0

        # D leaves: a new epoch; A and B go on, D reads nothing new.
        meshaid(homes["A"], "members", "remove", "east gate")
        wait_for("B in epoch 2", lambda: 2 in (status(homes["B"]) or {}).get(
            "neighbourhood", {}).get("epochs", []), logs)
        before_d = held(homes["D"], origins["A"])
        meshaid(homes["A"], "post", "alert", "road flooded at Elm & 5th")
        wait_for("the alert at B", lambda: "road flooded" in meshaid(homes["B"], "board",
                                                                       "--json"), logs)
        time.sleep(3)
        assert "road flooded" not in meshaid(homes["D"], "board", "--json")
        assert held(homes["D"], origins["A"]) == before_d
        d = status(homes["D"])
        assert d is not None and d["neighbourhood"]["epochs"] == [1]
        assert d["neighbourhood"]["frames_not_opened"].get("newer_epoch", 0) > 0
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        for port in ports:
            port.close()
    for log in logs:
        assert "Traceback" not in log.read_text(), log.read_text()
