"""The meshtastic library's interface classes, with the hooks the adapter needs.

The library does the connection, the config handshake, the node DB and the framing, but
does not publish some things the adapter needs (queue status, the end of the config
download, the end of a link), and its own packet sending can block for good (see
``LinkHooks``). ``SerialLink`` and ``TcpLink`` subclass its ``SerialInterface`` and
``TCPInterface``, overriding private methods to tell a ``LinkOwner`` (the adapter) what
happens and to write packets with the library's framing writer. ``PRIVATE_METHODS`` and
``PRIVATE_ATTRIBUTES`` list the private names relied on, which the tests check against the
installed library. ``TOPICS`` are the pypubsub topics received packets come through.
"""

from __future__ import annotations

from typing import Any, Protocol

from meshtastic.protobuf import mesh_pb2
from meshtastic.serial_interface import SerialInterface
from meshtastic.tcp_interface import TCPInterface

# Methods of MeshInterface (and StreamInterface) the hooks override or call, and of
# TCPInterface; a library release that renames one breaks the adapter quietly.
PRIVATE_METHODS = (
    "_sendToRadioImpl",
    "_startConfig",
    "_handleConfigComplete",
    "_handleQueueStatusFromRadio",
    "_disconnected",
    "_startHeartbeat",
)
TCP_PRIVATE_METHODS = ("_reconnect",)
# Attributes of a MeshInterface instance the hooks reach into.
PRIVATE_ATTRIBUTES = ("queue", "heartbeatTimer")

TOPICS = (
    "meshtastic.receive.data.PRIVATE_APP",
    "meshtastic.receive.text",
    "meshtastic.receive.routing",
    "meshtastic.receive.telemetry",
)


class LinkOwner(Protocol):
    """What a link tells its owner, from the library's threads; ``link`` is the sender."""

    def _link_starting(self, link: Any) -> None:
        """The config handshake starts: at connection, or after the device rebooted."""

    def _link_ready(self, link: Any) -> None:
        """The config download is complete: the library's node DB and config are filled."""

    def _link_interrupted(self, link: Any) -> None:
        """The TCP connection dropped and the library is about to dial again by itself."""

    def _link_lost(self, link: Any) -> None:
        """The link is gone for good (its reader thread ended)."""

    def _queue_status(self, link: Any, status: mesh_pb2.QueueStatus) -> None:
        """The radio said how many TX slots are free, and what became of a packet."""


class LinkHooks:
    """The library's connection, config and node DB, with our own way of sending packets.

    The library sends a MeshPacket through a queue that sleeps in a loop while its count of
    the radio's free slots is 0, and keeps sleeping after the link has died (nothing will
    update the count again): a worker that called it is stuck for good. So packets and
    heartbeats are written straight to the link with the library's own framing writer,
    and the owner's SendQueue decides when. The other methods tell the owner what the
    library learns but does not publish; each calls the original first or last.
    """

    _meshaid_owner: LinkOwner

    def meshaid_send(self, packet: mesh_pb2.MeshPacket) -> None:
        self._sendToRadioImpl(mesh_pb2.ToRadio(packet=packet))  # type: ignore[attr-defined]

    def meshaid_heartbeat(self) -> None:
        """Ask the radio for a QueueStatus now (the firmware answers every heartbeat)."""
        self._sendToRadioImpl(mesh_pb2.ToRadio(heartbeat=mesh_pb2.Heartbeat()))  # type: ignore[attr-defined]

    def _startConfig(self) -> None:
        self._meshaid_owner._link_starting(self)
        super()._startConfig()  # type: ignore[misc]

    def _handleConfigComplete(self) -> None:
        super()._handleConfigComplete()  # type: ignore[misc]
        self._meshaid_owner._link_ready(self)

    def _handleQueueStatusFromRadio(self, queueStatus: mesh_pb2.QueueStatus) -> None:
        super()._handleQueueStatusFromRadio(queueStatus)  # type: ignore[misc]
        # The library keeps a placeholder in its own send queue for every status about a
        # packet it did not send; its next heartbeat would wait for a free slot on them.
        queue = self.queue  # type: ignore[attr-defined]
        if queue.get(queueStatus.mesh_packet_id, None) is False:
            del queue[queueStatus.mesh_packet_id]
        self._meshaid_owner._queue_status(self, queueStatus)

    def _disconnected(self) -> None:
        super()._disconnected()  # type: ignore[misc]
        self._meshaid_owner._link_lost(self)

    def _startHeartbeat(self) -> None:
        # After a device reboot the library starts a second heartbeat timer without
        # stopping the first, which close() then never cancels.
        timer = getattr(self, "heartbeatTimer", None)
        if timer is not None:
            timer.cancel()
        super()._startHeartbeat()  # type: ignore[misc]


class SerialLink(LinkHooks, SerialInterface):  # type: ignore[misc]
    def __init__(self, owner: LinkOwner, path: str, timeout: int) -> None:
        self._meshaid_owner = owner
        super().__init__(devPath=path, timeout=timeout)


class TcpLink(LinkHooks, TCPInterface):  # type: ignore[misc]
    def __init__(self, owner: LinkOwner, host: str, port: int, timeout: int) -> None:
        self._meshaid_owner = owner
        super().__init__(hostname=host, portNumber=port, timeout=timeout)

    def _reconnect(self) -> None:
        # On a dropped connection the library waits 1 s and dials again by itself; what is
        # written meanwhile goes nowhere, so stop sending before it starts.
        self._meshaid_owner._link_interrupted(self)
        super()._reconnect()

