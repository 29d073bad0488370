"""A fake radio on a pseudo-terminal, which ``SerialInterface(devPath=...)`` opens like a USB port.

The port holds the master side; the client opens the slave path. The port also keeps the
slave open itself, so that the master does not report an error each time a client closes
it, and puts it in raw mode straight away so nothing written before the client configures
the line is echoed back. ``link_path``, when given, is a symbolic link to the current
slave that survives unplug/replug, the way a udev rule gives a radio a stable name.
Unplugging closes both sides: the client's next read fails as it does when a USB serial
adapter disappears.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import tty
from pathlib import Path

from meshaid.hardware.fake_radio.device import FakeDevice
from meshaid.hardware.fake_radio.link import Port

READ_CHUNK = 4096


class PtyPort(Port):
    """Serve ``device`` on a pseudo-terminal; ``path`` is what a client opens."""

    thread_name = "fake-radio-pty"

    def __init__(self, device: FakeDevice, link_path: str | os.PathLike[str] | None = None) -> None:
        super().__init__(device)
        self.link_path = Path(link_path) if link_path is not None else None
        self._master = -1
        self._slave = -1
        self._slave_name = ""
        self.replug()

    @property
    def path(self) -> str:
        """The device path to open: the stable link if there is one, else the pty itself."""
        return str(self.link_path) if self.link_path is not None else self._slave_name

    @property
    def pty_name(self) -> str:
        return self._slave_name

    def send_log(self, line: str) -> None:
        self.outbox.put(line.encode("utf-8", "replace") + b"\r\n")
        self._wake()

    def _open(self) -> None:
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        os.set_blocking(self._master, False)
        self._slave_name = os.ttyname(self._slave)
        if self.link_path is not None:
            with contextlib.suppress(FileNotFoundError):
                self.link_path.unlink()
            self.link_path.symlink_to(self._slave_name)
        # Serial has no "connection": the device serves whoever opens the port.
        self.device.attach(self)

    def _shut(self) -> None:
        if self.link_path is not None:
            with contextlib.suppress(FileNotFoundError):
                self.link_path.unlink()
        for fd in (self._master, self._slave):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._master = self._slave = -1

    def _run(self) -> None:
        selector = self._selector()
        selector.register(self._master, selectors.EVENT_READ)
        try:
            while not self._stopping:
                events = selectors.EVENT_READ | (selectors.EVENT_WRITE if self.outbox else 0)
                selector.modify(self._master, events)
                for key, mask in selector.select():
                    if key.fd == self._wake_r:
                        self._drain_wake()
                        continue
                    if mask & selectors.EVENT_READ:
                        self._read()
                    if mask & selectors.EVENT_WRITE:
                        self._write()
        finally:
            selector.close()

    def _read(self) -> None:
        try:
            data = os.read(self._master, READ_CHUNK)
        except BlockingIOError:
            return
        except OSError:
            return  # EIO: no slave open at this instant; the next select tells again
        if data:
            self._received(data)

    def _write(self) -> None:
        chunk = self.outbox.peek()
        if not chunk:
            return
        try:
            written = os.write(self._master, chunk)
        except BlockingIOError:
            return
        self.outbox.consume(written)
