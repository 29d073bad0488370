"""A fake radio on a TCP port, which ``TCPInterface(host, portNumber=...)`` connects to.

Real devices with WiFi or Ethernet serve the same stream API on port 4403. The fake
listens on 127.0.0.1, on an ephemeral port unless told otherwise, and serves one client at
a time: a new connection replaces the old one, as the firmware's API server does ("Force
close previous TCP connection", ``APIServerPort::runOnce``). Unplugging drops the client
and closes the listening socket, so reconnecting is refused until ``replug`` listens on
the same port again.
"""

from __future__ import annotations

import contextlib
import selectors
import socket

from meshaid.hardware.fake_radio.device import FakeDevice
from meshaid.hardware.fake_radio.link import Port

READ_CHUNK = 4096


class TcpPort(Port):
    """Serve ``device`` on ``host:port`` (port 0: pick a free one; see ``port``)."""

    thread_name = "fake-radio-tcp"

    def __init__(self, device: FakeDevice, port: int = 0, host: str = "127.0.0.1") -> None:
        super().__init__(device)
        self.host = host
        self.port = port
        self._listener: socket.socket | None = None
        self._client: socket.socket | None = None
        self.connections = 0
        self.replug()

    def _open(self) -> None:
        listener = socket.create_server((self.host, self.port), reuse_port=False)
        listener.setblocking(False)
        self.port = listener.getsockname()[1]
        self._listener = listener

    def _shut(self) -> None:
        self._drop_client()
        if self._listener is not None:
            self._listener.close()
            self._listener = None

    def _run(self) -> None:
        selector = self._selector()
        assert self._listener is not None
        selector.register(self._listener, selectors.EVENT_READ)
        try:
            while not self._stopping:
                client = self._client
                if client is not None:
                    events = selectors.EVENT_READ | (
                        selectors.EVENT_WRITE if self.outbox else 0
                    )
                    selector.modify(client, events)
                for key, mask in selector.select():
                    if key.fd == self._wake_r:
                        self._drain_wake()
                    elif key.fileobj is self._listener:
                        self._accept(selector)
                    elif key.fileobj is self._client:
                        if mask & selectors.EVENT_READ:
                            self._read(selector)
                        if mask & selectors.EVENT_WRITE and self._client is not None:
                            self._write(selector)
        finally:
            selector.close()

    def _accept(self, selector: selectors.BaseSelector) -> None:
        assert self._listener is not None
        try:
            conn, _ = self._listener.accept()
        except BlockingIOError:
            return
        if self._client is not None:
            selector.unregister(self._client)
            self._drop_client()
        conn.setblocking(False)
        self._client = conn
        self.connections += 1
        self.outbox.clear(keep_partial=False)
        self.decoder = type(self.decoder)()
        selector.register(conn, selectors.EVENT_READ)
        self.device.attach(self)

    def _read(self, selector: selectors.BaseSelector) -> None:
        assert self._client is not None
        try:
            data = self._client.recv(READ_CHUNK)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            selector.unregister(self._client)
            self._drop_client()
            return
        self._received(data)

    def _write(self, selector: selectors.BaseSelector) -> None:
        assert self._client is not None
        chunk = self.outbox.peek()
        if not chunk:
            return
        try:
            sent = self._client.send(chunk)
        except BlockingIOError:
            return
        except OSError:
            selector.unregister(self._client)
            self._drop_client()
            return
        self.outbox.consume(sent)

    def _drop_client(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        self.device.detach(self)
        with contextlib.suppress(OSError):
            client.shutdown(socket.SHUT_RDWR)
        client.close()
