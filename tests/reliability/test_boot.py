"""Boot: one daemon per node home, locked before any device is opened; start-up checks.

A second ``meshaid run`` used to open the serial port (taking the radio's client session
from the running daemon) before it found the daemon's control socket.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from meshaid.hardware.fake_radio import FakeDevice, LocalAir, PtyPort, TcpPort
from meshaid.node.daemon.control import request, socket_path
from meshaid.node.daemon.lock import DaemonAlreadyRunning, DaemonLock, lock_path
from meshaid.node.services import init_node

RUN = "from meshaid.cli.main import main; main()"
DEADLINE = 20.0


def meshaid(home: Path, *args: str, log: Path | None = None) -> subprocess.Popen[bytes]:
    env = {**os.environ, "MESHAID_HOME": str(home)}
    out = open(log, "ab") if log is not None else subprocess.PIPE  # noqa: SIM115
    return subprocess.Popen([sys.executable, "-c", RUN, *args], env=env, stdout=out,
                            stderr=subprocess.STDOUT if log is None else out)


def status(home: Path) -> dict[str, Any] | None:
    try:
        result = request(socket_path(home), {"op": "status"})
    except Exception:
        return None
    return result if isinstance(result, dict) else None


@pytest.fixture
def running(tmp_path: Path) -> Iterator[tuple[Path, subprocess.Popen[bytes]]]:
    home = tmp_path / "home"
    init_node(home, name="boot", timezone="UTC")
    device = FakeDevice(0x5B00_0001, air=LocalAir())
    with TcpPort(device) as port:
        daemon = meshaid(home, "run", "--host", f"127.0.0.1:{port.port}",
                         log=tmp_path / "daemon.log")
        try:
            end = time.monotonic() + DEADLINE
            while not ((s := status(home)) and s["radio"]["connected"]):
                assert daemon.poll() is None, (tmp_path / "daemon.log").read_text()
                assert time.monotonic() < end, (tmp_path / "daemon.log").read_text()
                time.sleep(0.1)
            yield home, daemon
        finally:
            daemon.kill()
            daemon.wait()


def test_a_second_run_stops_before_opening_the_radio(
    running: tuple[Path, subprocess.Popen[bytes]], tmp_path: Path,
) -> None:
    home, first = running
    second_device = FakeDevice(0x5B00_0002)
    with PtyPort(second_device, link_path=tmp_path / "ttyUSB9"):
        second = meshaid(home, "run", "--port", str(tmp_path / "ttyUSB9"))
        out, _ = second.communicate(timeout=DEADLINE)
        assert second.returncode != 0
        lines = out.decode().strip().splitlines()
        assert len(lines) == 1 and "already running" in lines[0], out
        assert f"pid {first.pid}" in lines[0]
        time.sleep(0.3)
        assert second_device.counters.config_requests == 0  # the port was never used
    assert first.poll() is None
    assert status(home) is not None  # the first daemon still answers


def test_the_lock_is_taken_once_and_dropped_with_its_holder(tmp_path: Path) -> None:
    with DaemonLock(tmp_path):
        assert lock_path(tmp_path).read_text().strip() == str(os.getpid())
        with pytest.raises(DaemonAlreadyRunning, match=f"pid {os.getpid()}"):
            DaemonLock(tmp_path).acquire()
    with DaemonLock(tmp_path):  # released: anyone may take it again
        pass
    # A holder killed outright leaves the file but not the lock.
    holder = subprocess.Popen([
        sys.executable, "-c",
        "import sys, time; from pathlib import Path; from meshaid.node.daemon.lock import "
        "DaemonLock; DaemonLock(Path(sys.argv[1])).acquire(); print('held', flush=True); "
        "time.sleep(60)", str(tmp_path)], stdout=subprocess.PIPE)
    assert holder.stdout is not None and holder.stdout.readline() == b"held\n"
    with pytest.raises(DaemonAlreadyRunning):
        DaemonLock(tmp_path).acquire()
    holder.kill()
    holder.wait()
    with DaemonLock(tmp_path):
        pass


def test_run_refuses_a_home_every_user_can_write(tmp_path: Path) -> None:
    home = tmp_path / "home"
    init_node(home, name="open", timezone="UTC")
    home.chmod(0o777)
    try:
        done = meshaid(home, "run", "--host", "127.0.0.1:9")
        out, _ = done.communicate(timeout=DEADLINE)
    finally:
        home.chmod(0o700)
    text = out.decode()
    assert done.returncode != 0
    assert "refusing to start" in text and "writable by every user" in text
    assert "Traceback" not in text
