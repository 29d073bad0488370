"""What the pseudo-terminal and TCP ports share: output buffering and the I/O thread.

A port owns one thread that waits (``selectors``) on its file descriptors and on a wake-up
pipe. The device writes into the port's ``Outbox`` from any thread and pokes the pipe; the
port thread writes the bytes out as the other side takes them, and feeds what it reads to
the device through a ``StreamDecoder``.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import threading
from abc import ABC, abstractmethod
from collections import deque
from typing import Self

from meshaid.hardware.fake_radio.device import FakeDevice
from meshaid.hardware.stream import Frame, StreamDecoder, encode_frame

OUTBOX_LIMIT = 256 * 1024  # bytes waiting for a client that stopped reading: drop beyond


class Outbox:
    """Bytes waiting to be written, in whole chunks, safe to fill from any thread."""

    def __init__(self, limit: int = OUTBOX_LIMIT) -> None:
        self._chunks: deque[bytes] = deque()
        self._offset = 0  # bytes of the first chunk already written
        self._size = 0
        self._limit = limit
        self._lock = threading.Lock()
        self.dropped_chunks = 0

    def put(self, chunk: bytes) -> None:
        with self._lock:
            if self._size + len(chunk) > self._limit:
                self.dropped_chunks += 1
                return
            self._chunks.append(chunk)
            self._size += len(chunk)

    def peek(self) -> bytes:
        with self._lock:
            return self._chunks[0][self._offset :] if self._chunks else b""

    def consume(self, count: int) -> None:
        with self._lock:
            while count and self._chunks:
                left = len(self._chunks[0]) - self._offset
                step = min(left, count)
                self._offset += step
                self._size -= step
                count -= step
                if self._offset == len(self._chunks[0]):
                    self._chunks.popleft()
                    self._offset = 0

    def clear(self, keep_partial: bool = True) -> None:
        """Drop what is waiting; a chunk already half written stays unless told otherwise,
        so the other side never sees a cut frame."""
        with self._lock:
            head = self._chunks[0] if (keep_partial and self._offset and self._chunks) else None
            self._chunks.clear()
            self._size = 0
            if head is not None:
                self._chunks.append(head)
                self._size = len(head) - self._offset
            else:
                self._offset = 0

    def __bool__(self) -> bool:
        with self._lock:
            return bool(self._chunks)


class Port(ABC):
    """A device's end of a byte stream: a ClientLink plus the thread that pumps it."""

    thread_name = "fake-radio-port"

    def __init__(self, device: FakeDevice) -> None:
        self.device = device
        self.decoder = StreamDecoder()
        self.outbox = Outbox()
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self._closed = False

    # -- ClientLink ---------------------------------------------------------------------

    def send_from_radio(self, data: bytes) -> None:
        self.outbox.put(encode_frame(data))
        self._wake()

    def send_log(self, line: str) -> None:
        """Plain-text debug output: only a serial port carries it; elsewhere it is dropped."""
        return

    def reset(self) -> None:
        self.outbox.clear()

    # -- lifecycle ----------------------------------------------------------------------

    @property
    def plugged(self) -> bool:
        return self._thread is not None

    def unplug(self) -> None:
        """Cut the link as a USB unplug or a dropped network would."""
        thread = self._thread
        if thread is None:
            return
        self._stopping = True
        self._wake()
        thread.join()
        self._thread = None
        self.device.detach(self)
        self._shut()
        self.outbox.clear(keep_partial=False)
        self.decoder = StreamDecoder()

    def replug(self) -> None:
        """Bring the link back (a new pseudo-terminal, or the TCP port listening again)."""
        if self._closed:
            raise RuntimeError("this port is closed")
        if self._thread is not None:
            return
        self._open()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
        self._thread.start()

    def close(self) -> None:
        if self._closed:
            return
        self.unplug()
        self._closed = True
        os.close(self._wake_r)
        os.close(self._wake_w)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- for subclasses -----------------------------------------------------------------

    @abstractmethod
    def _open(self) -> None:
        """Create the file descriptors of a fresh link."""

    @abstractmethod
    def _shut(self) -> None:
        """Close them (the thread has stopped)."""

    @abstractmethod
    def _run(self) -> None:
        """The I/O thread: until ``_stopping``, move bytes both ways."""

    def _wake(self) -> None:
        with contextlib.suppress(BlockingIOError, OSError):
            os.write(self._wake_w, b"x")

    def _drain_wake(self) -> None:
        with contextlib.suppress(BlockingIOError, OSError):
            while os.read(self._wake_r, 4096):
                pass

    def _selector(self) -> selectors.BaseSelector:
        selector = selectors.DefaultSelector()
        selector.register(self._wake_r, selectors.EVENT_READ)
        return selector

    def _received(self, data: bytes) -> None:
        for item in self.decoder.feed(data):
            if isinstance(item, Frame):
                self.device.handle_to_radio(item.payload)
            # Stray bytes (the client's 0xC3 wake-up run, noise) are ignored, as the
            # firmware's stream reader does; the decoder counts them.
