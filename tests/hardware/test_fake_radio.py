"""The unmodified meshtastic library against the fake radio, over a pty and over TCP."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from meshtastic.protobuf import mesh_pb2
from meshtastic.serial_interface import SerialInterface
from meshtastic.tcp_interface import TCPInterface
from pubsub import pub
from waiting import TIMEOUT, wait_until

from meshaid.hardware.fake_radio import FakeDevice, LocalAir, PtyPort, TcpPort


class Topic:
    """Collect pypubsub messages of one topic that come from one interface.

    Topics are process-wide and pypubsub takes a topic's arguments from its first
    listener, so each listener here names exactly the arguments the library sends.
    """

    def __init__(self, topic: str) -> None:
        self.topic = topic
        self.messages: list[tuple[Any, dict[str, Any]]] = []
        if topic.startswith("meshtastic.receive"):
            self.listener: Callable[..., None] = self._packet
        elif topic == "meshtastic.log.line":
            self.listener = self._line
        else:
            self.listener = self._interface_only

    def _packet(self, packet: dict[str, Any], interface: Any) -> None:
        self.messages.append((interface, {"packet": packet}))

    def _line(self, line: str, interface: Any) -> None:
        self.messages.append((interface, {"line": line}))

    def _interface_only(self, interface: Any) -> None:
        self.messages.append((interface, {}))

    def of(self, interface: Any) -> list[dict[str, Any]]:
        return [kw for iface, kw in self.messages if iface is interface]

    def __enter__(self) -> Topic:
        pub.subscribe(self.listener, self.topic)
        return self

    def __exit__(self, *exc: object) -> None:
        pub.unsubscribe(self.listener, self.topic)


@contextlib.contextmanager
def opened(make: Callable[[], Any]) -> Iterator[Any]:
    iface = make()
    try:
        yield iface
    finally:
        iface.close()


def check_ready(iface: Any, device: FakeDevice) -> None:
    assert iface.isConnected.is_set()
    assert iface.myInfo.my_node_num == device.node_num
    assert iface.localNode.nodeNum == device.node_num
    assert iface.metadata.firmware_version == device.firmware_version
    assert iface.getLongName() == device.long_name
    lora = iface.localNode.localConfig.lora
    assert (lora.region, lora.modem_preset, lora.hop_limit) == (
        device.lora.region, device.lora.modem_preset, device.lora.hop_limit,
    )
    assert iface.localNode.channels[0].settings.psk == b"\x01"
    assert f"!{device.node_num:08x}" in iface.nodes
    # The first heartbeat, sent as soon as the config is in, was answered.
    wait_until(lambda: iface.queueStatus is not None)
    assert (iface.queueStatus.free, iface.queueStatus.maxlen) == (16, 16)


def test_tcp_interface_becomes_ready_on_the_fake() -> None:
    device = FakeDevice(0xA1, firmware_version="2.6.11.tcp")
    with TcpPort(device) as port, opened(
        lambda: TCPInterface("127.0.0.1", portNumber=port.port, timeout=5)
    ) as iface:
        check_ready(iface, device)
        assert device.counters.heartbeats >= 1


def test_serial_interface_becomes_ready_on_a_pty_and_sees_the_debug_text() -> None:
    device = FakeDevice(0xA2)
    with Topic("meshtastic.log.line") as log, PtyPort(device) as port, opened(
        lambda: SerialInterface(devPath=port.path, timeout=5)
    ) as iface:
        check_ready(iface, device)
        # The 32 wake-up bytes arrived as stray bytes, not as frames.
        assert port.decoder.stray_bytes >= 32
        wait_until(lambda: log.of(iface))
        assert log.of(iface)[0]["line"].startswith("INFO  | Client wants config, nonce=")


def test_a_packet_goes_from_a_tcp_client_through_the_air_to_a_serial_client() -> None:
    air = LocalAir(rssi=-97, snr=-3.5)
    a, b = FakeDevice(0xB1, air=air), FakeDevice(0xB2, air=air)
    with Topic("meshtastic.receive.data.PRIVATE_APP") as heard, TcpPort(a) as pa, PtyPort(
        b
    ) as pb, opened(lambda: TCPInterface("127.0.0.1", portNumber=pa.port, timeout=5)) as ia, opened(
        lambda: SerialInterface(devPath=pb.path, timeout=5)
    ) as ib:
        sent = ia.sendData(b"\x00gossip\xff", portNum=256)
        wait_until(lambda: heard.of(ib))
        (message,) = heard.of(ib)
        packet = message["packet"]
        assert packet["from"] == 0xB1
        assert packet["decoded"]["payload"] == b"\x00gossip\xff"
        assert (packet["rxRssi"], packet["rxSnr"]) == (-97, -3.5)
        assert heard.of(ia) == []
        wait_until(lambda: ia.queueStatus.mesh_packet_id == sent.id)
        assert ia.queueStatus.res == 0


def test_a_rate_limited_text_comes_back_to_the_library_as_a_nak() -> None:
    device = FakeDevice(0xC1)
    naks: list[dict[str, Any]] = []
    with TcpPort(device) as port, opened(
        lambda: TCPInterface("127.0.0.1", portNumber=port.port, timeout=5)
    ) as iface:
        iface.sendText("one", destinationId=0xC2)
        iface.sendText("two", destinationId=0xC2, onResponse=naks.append)
        wait_until(lambda: naks)
        routing = naks[0]["decoded"]["routing"]
        assert routing["errorReason"] == "RATE_LIMIT_EXCEEDED"
        assert device.counters.refused == {mesh_pb2.Routing.Error.RATE_LIMIT_EXCEEDED: 1}


def test_unplugging_the_pty_ends_the_library_link() -> None:
    device = FakeDevice(0xD1)
    with Topic("meshtastic.connection.lost") as lost, PtyPort(device) as port, opened(
        lambda: SerialInterface(devPath=port.path, timeout=5)
    ) as iface:
        port.unplug()
        wait_until(lambda: lost.of(iface))
        assert not iface.isConnected.is_set()
        assert not os.path.exists(port.pty_name)


def test_a_replugged_pty_keeps_its_link_path(tmp_path: Path) -> None:
    device = FakeDevice(0xD2)
    link = tmp_path / "ttyRadio"
    with PtyPort(device, link_path=link) as port:
        first = port.pty_name
        assert os.path.realpath(link) == first
        port.unplug()
        assert not link.exists()
        port.replug()
        assert os.path.realpath(link) == port.pty_name
        with opened(lambda: SerialInterface(devPath=str(link), timeout=5)) as iface:
            assert iface.isConnected.is_set()


def test_an_unplugged_tcp_port_refuses_then_serves_again_on_the_same_port() -> None:
    device = FakeDevice(0xE1)
    with TcpPort(device) as port:
        number = port.port
        port.unplug()
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", number), timeout=1).close()
        port.replug()
        assert port.port == number
        with opened(lambda: TCPInterface("127.0.0.1", portNumber=number, timeout=5)) as iface:
            check_ready(iface, device)


def test_a_second_tcp_client_replaces_the_first() -> None:
    device = FakeDevice(0xE2)
    with TcpPort(device) as port, socket.create_connection(("127.0.0.1", port.port)) as first:
        wait_until(lambda: port.connections == 1)
        with opened(lambda: TCPInterface("127.0.0.1", portNumber=port.port, timeout=5)) as iface:
            check_ready(iface, device)
            first.settimeout(TIMEOUT)
            assert first.recv(100) == b""  # closed by the fake
            assert port.connections == 2


def test_command_line_radios_hear_each_other() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "meshaid.hardware.fake_radio", "--tcp", "0", "--count", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(2)]
        ports = [int(line.rsplit(":", 1)[1]) for line in lines]
        assert lines[0].startswith("fake radio !4d410001 ")
        with Topic("meshtastic.receive.data.PRIVATE_APP") as heard, opened(
            lambda: TCPInterface("127.0.0.1", portNumber=ports[0], timeout=5)
        ) as ia, opened(lambda: TCPInterface("127.0.0.1", portNumber=ports[1], timeout=5)) as ib:
            ia.sendData(b"across processes", portNum=256)
            wait_until(lambda: heard.of(ib))
            assert heard.of(ib)[0]["packet"]["from"] == 0x4D410001
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=TIMEOUT) == 0
