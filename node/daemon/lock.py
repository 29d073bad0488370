"""One daemon per node home: ``<home>/daemon.lock``, taken before any device is opened.

``meshaid run`` holds an exclusive ``flock`` on the file for its whole life and writes its
pid into it. A second ``meshaid run`` for the same home finds the lock taken and stops with
one line, before it touches the radio: opening a serial port another process uses would
take the device from it (the firmware restarts its client session). The kernel drops the
lock when the process ends, however it ends, so a daemon killed with SIGKILL or by a power
cut leaves nothing stale behind: the file stays, the lock does not.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from meshaid.node.errors import NodeError

LOCK_NAME = "daemon.lock"
LOCK_MODE = 0o600


class DaemonAlreadyRunning(NodeError):
    """Another daemon holds this node home's lock."""


def lock_path(home: Path) -> Path:
    return home / LOCK_NAME


class DaemonLock:
    """The lock of one node home; ``acquire`` or DaemonAlreadyRunning, ``release`` at the end."""

    def __init__(self, home: Path) -> None:
        self.path = lock_path(home)
        self._fd: int | None = None

    def acquire(self) -> None:
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, LOCK_MODE)
        except OSError as exc:
            raise NodeError(f"cannot open the daemon lock {self.path}: {exc.strerror}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = _read_pid(fd)
            os.close(fd)
            who = f" (pid {holder})" if holder else ""
            raise DaemonAlreadyRunning(
                f"a meshaid daemon is already running for this node{who}: "
                f"`meshaid status` shows it; stop it before starting another ({self.path})"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
            os.close(fd)  # closing the last descriptor drops the flock

    def __enter__(self) -> DaemonLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None
