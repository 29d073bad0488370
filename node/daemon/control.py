"""The daemon's control socket: ``<home>/control.sock``, msgpack requests and responses.

A request is a map with an ``op`` ("status", "post") and its arguments; the answer is
``{"ok": true, "result": ...}`` or ``{"ok": false, "error": "one line"}``. One connection
may carry several requests, answered in order. The socket is mode 0600 inside the node
home (0700): only the node's user can talk to the daemon, and it is fully trusted.

Whatever arrives, a bad request gets an error answer and never stops the daemon.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import msgpack

from meshaid.node.errors import NodeError

logger = logging.getLogger(__name__)

SOCKET_NAME = "control.sock"
SOCKET_MODE = 0o600
# Requests are small maps (a post's text is at most 200 bytes): anything larger is garbage.
MAX_REQUEST_BYTES = 64 * 1024
CLIENT_TIMEOUT = 5.0

# An operation: the request map in, a msgpack-able result out; NodeError means a refusal.
Handler = Callable[[dict[str, Any]], Awaitable[Any]]


class DaemonNotRunning(NodeError):
    """Nothing answers on the control socket."""


class ControlError(NodeError):
    """The daemon refused a request, or answered with something unreadable."""


def socket_path(home: Path) -> Path:
    return home / SOCKET_NAME


class ControlServer:
    """Serves ``handlers`` (op name -> coroutine) on a Unix socket at ``path``."""

    def __init__(self, path: Path, handlers: dict[str, Handler]) -> None:
        self.path = path
        self.handlers = handlers
        self.bad_requests = 0
        self._server: asyncio.Server | None = None
        self._clients: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._clear_stale()
        try:
            self._server = await asyncio.start_unix_server(self._serve, path=str(self.path))
        except OSError as exc:  # e.g. a path over the 107 bytes a Unix socket name may have
            raise NodeError(f"cannot open the control socket {self.path}: {exc}") from exc
        # The home is 0700 already; the socket gets 0600 too, in case the home is opened up.
        os.chmod(self.path, SOCKET_MODE)

    def _clear_stale(self) -> None:
        """Remove a socket left by a daemon that died; refuse if one still answers."""
        if not self.path.exists() and not self.path.is_symlink():
            return
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.settimeout(1.0)
            probe.connect(str(self.path))
        except OSError:
            self.path.unlink()
            return
        finally:
            probe.close()
        raise NodeError(f"a meshaid daemon is already running for this node ({self.path})")

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            for task in list(self._clients):
                task.cancel()
            await asyncio.gather(*self._clients, return_exceptions=True)
            await self._server.wait_closed()
            self._server = None
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._clients.add(task)
        unpacker = msgpack.Unpacker(raw=False, max_buffer_size=MAX_REQUEST_BYTES)
        try:
            while True:
                data = await reader.read(4096)
                if not data:
                    break
                try:
                    unpacker.feed(data)
                    requests = list(unpacker)
                except (msgpack.UnpackException, ValueError) as exc:
                    # The stream cannot be resynchronised: answer once and hang up.
                    self.bad_requests += 1
                    writer.write(_error(f"unreadable request: {type(exc).__name__}"))
                    await writer.drain()
                    break
                for request in requests:
                    writer.write(await self._answer(request))
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            if task is not None:
                self._clients.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _answer(self, request: Any) -> bytes:
        if not isinstance(request, dict) or not isinstance(request.get("op"), str):
            self.bad_requests += 1
            return _error('a request is a map with an "op" string')
        op = request["op"]
        handler = self.handlers.get(op)
        if handler is None:
            self.bad_requests += 1
            return _error(f"unknown op {op!r}; known: {', '.join(sorted(self.handlers))}")
        try:
            result = await handler(request)
        except NodeError as exc:
            return _error(str(exc))
        except Exception:  # a bug behind one request must not take the daemon down
            logger.exception("control request %r failed", op)
            return _error(f"internal error while handling {op!r}; see the daemon's log")
        try:
            return _pack({"ok": True, "result": result})
        except (TypeError, ValueError, OverflowError):
            logger.exception("control answer to %r cannot be encoded", op)
            return _error(f"internal error while answering {op!r}; see the daemon's log")


def _pack(message: dict[str, Any]) -> bytes:
    return bytes(msgpack.packb(message, use_bin_type=True))


def _error(text: str) -> bytes:
    return _pack({"ok": False, "error": text})


def request(path: Path, message: dict[str, Any], timeout: float = CLIENT_TIMEOUT) -> Any:
    """Send one request to the daemon at ``path`` and return its result.

    DaemonNotRunning when nothing listens there; ControlError when the daemon refuses.
    """
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        try:
            sock.connect(str(path))
        except (FileNotFoundError, ConnectionRefusedError) as exc:
            raise DaemonNotRunning(f"daemon not running (no answer on {path})") from exc
        except OSError as exc:
            raise DaemonNotRunning(f"cannot reach the daemon at {path}: {exc.strerror}") from exc
        try:
            sock.sendall(_pack(message))
            answer = _read_one(sock)
        except TimeoutError as exc:
            raise ControlError(f"the daemon did not answer within {timeout:g} s") from exc
        except OSError as exc:
            raise ControlError(f"lost the connection to the daemon: {exc}") from exc
    finally:
        sock.close()
    if not isinstance(answer, dict) or not isinstance(answer.get("ok"), bool):
        raise ControlError("the daemon's answer is not a control response")
    if not answer["ok"]:
        raise ControlError(str(answer.get("error", "the daemon refused the request")))
    return answer.get("result")


def _read_one(sock: socket.socket) -> Any:
    unpacker = msgpack.Unpacker(raw=False, max_buffer_size=16 * MAX_REQUEST_BYTES)
    while True:
        data = sock.recv(65536)
        if not data:
            raise ControlError("the daemon closed the connection without answering")
        unpacker.feed(data)
        for message in unpacker:
            return message
