"""`meshaid run` on fake Meshtastic radios over TCP: two daemons, as separate processes,
on two fake devices that hear each other through one LocalAir."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgpack
import pytest
from click.testing import CliRunner

from meshaid.cli.context import CliContext
from meshaid.cli.main import cli
from meshaid.hardware.fake_radio import FakeDevice, LocalAir, TcpPort
from meshaid.hardware.meshtastic_radio import MeshtasticRadio, TcpTarget
from meshaid.hardware.radio import Received
from meshaid.node.daemon.control import ControlError, request, socket_path
from meshaid.node.membership import commands
from meshaid.node.services import init_node, open_node
from meshaid.node.store.sync_state import store_summary

DEADLINE = 20.0
RUN = "from meshaid.cli.main import main; main()"


def wait_for(what: str, check: Callable[[], Any], timeout: float = DEADLINE) -> Any:
    end = time.monotonic() + timeout
    while True:
        try:
            value = check()
        except ControlError:
            value = None
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"not within {timeout:g} s: {what}")
        time.sleep(0.1)


@dataclass
class Daemon:
    home: Path
    radio: FakeDevice
    port: TcpPort
    log: Path
    air: LocalAir
    process: subprocess.Popen[bytes] | None = None

    def start(self, *args: str) -> None:
        """``meshaid run`` with ``args``; by default the radio is given with --host."""
        env = {**os.environ, "MESHAID_HOME": str(self.home)}
        args = args or ("--host", f"127.0.0.1:{self.port.port}")
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-c", RUN, "run", *args], env=env, stdout=log, stderr=log,
            )

    def status(self) -> dict[str, Any]:
        result = request(socket_path(self.home), {"op": "status"})
        assert isinstance(result, dict)
        return result

    def connected(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"daemon exited early:\n{self.log.read_text()}")
        try:
            return bool(self.status()["radio"]["connected"])
        except Exception:
            return False

    def stop(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=DEADLINE)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def make_daemon(tmp: Path, name: str, node_num: int, air: LocalAir) -> Daemon:
    home = tmp / name
    init_node(home, name=name, timezone="UTC", zones=("north block",))
    radio = FakeDevice(node_num, air=air)
    return Daemon(home, radio, TcpPort(radio), tmp / f"{name}.log", air)


def origin_of(home: Path) -> tuple[int, bytes]:
    with open_node(home) as node:
        return node.store.origin, node.store.public_key


def records_of(home: Path, origin: int) -> int:
    with open_node(home) as node:
        return store_summary(node.store).get(origin, (0, 0))[0]


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Daemon, Daemon]]:
    """Daemons A and B running on two fake radios in range, in one neighbourhood."""
    tmp = tmp_path_factory.mktemp("daemons")
    air = LocalAir()
    a = make_daemon(tmp, "a", 0x4D41_0001, air)
    b = make_daemon(tmp, "b", 0x4D41_0002, air)
    # A founds the neighbourhood and invites B; the roster reaches B over the air.
    with open_node(a.home) as node_a, open_node(b.home) as node_b:
        commands.found(node_a, "Magnolia Flats")
        _, invite = commands.add_node(node_a, commands.node_key_text(node_b), "b")
        commands.join(node_b, invite.to_text())
    try:
        a.start()
        b.start()
        wait_for("both radios connected", lambda: a.connected() and b.connected())
        yield a, b
    finally:
        for daemon in (a, b):
            daemon.kill()
            daemon.port.close()


def cli_in(home: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, list(args), obj=CliContext(home=home))
    assert result.exit_code == 0, result.output
    return result.output


def test_post_made_with_the_cli_reaches_the_other_node(pair: tuple[Daemon, Daemon]) -> None:
    a, b = pair
    a_origin, _ = origin_of(a.home)
    before = records_of(b.home, a_origin)
    cli_in(a.home, "post", "need", "two cases of water for 3 households", "--zone", "north block")
    # Waited for by its text: the roster records A signed before it ran reach B meanwhile.
    wait_for("the post in B's store", lambda: "two cases of water for 3 households" in cli_in(
        b.home, "board", "--json"))
    assert records_of(b.home, a_origin) >= before + 1


def test_post_over_the_control_socket_is_acknowledged_and_sent(
    pair: tuple[Daemon, Daemon],
) -> None:
    a, b = pair
    a_origin, _ = origin_of(a.home)
    before = records_of(b.home, a_origin)
    entry = request(
        socket_path(a.home),
        {"op": "post", "post": {"kind": "offer", "text": "ladder to lend", "urgency": "low"}},
    )
    assert entry["kind"] == "offer" and entry["text"] == "ladder to lend"
    # Acknowledged means committed: A's own store has it before anything went on air.
    assert records_of(a.home, a_origin) >= before + 1
    wait_for("the socket post in B's store", lambda: "ladder to lend" in cli_in(b.home, "board",
                                                                             "--json"))


def test_status_over_the_socket(pair: tuple[Daemon, Daemon]) -> None:
    a, b = pair
    wait_for("A heard B", lambda: a.status()["neighbours"])
    status = a.status()
    assert status["daemon"]["running"] is True
    assert status["radio"]["connected"] is True
    assert status["radio"]["firmware"] == a.radio.firmware_version
    assert status["radio"]["default_key"] is True
    assert any("public default key" in w for w in status["warnings"])
    assert [n["node"] for n in status["neighbours"]] == [f"!{b.radio.node_num:08x}"]
    assert status["airtime"]["budget"] == 180.0
    assert 0 < status["airtime"]["used"] < status["airtime"]["budget"]
    a_origin, _ = origin_of(a.home)
    own = [row for row in status["store"] if row["own"]]
    assert own == [{"origin": f"{a_origin:08x}", "records": own[0]["records"],
                    "max_seq": own[0]["records"], "own": True}]

    text = cli_in(a.home, "status")
    assert "daemon: running" in text
    assert "radio: connected" in text
    assert "WARNING: gossip channel 0" in text
    assert f"!{b.radio.node_num:08x}" in text
    assert f"{a_origin:08x} (this node)" in text


def raw_exchange(path: Path, data: bytes) -> Any:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(5.0)
        sock.connect(str(path))
        sock.sendall(data)
        unpacker = msgpack.Unpacker(raw=False)
        while True:
            chunk = sock.recv(4096)
            assert chunk, "connection closed without an answer"
            unpacker.feed(chunk)
            for message in unpacker:
                return message


@pytest.mark.parametrize(
    ("request_bytes", "error"),
    [
        (msgpack.packb([1, 2, 3]), 'a request is a map with an "op" string'),
        (msgpack.packb({"op": "reboot"}), "unknown op 'reboot'"),
        (msgpack.packb({"op": "post"}), 'a post request needs "post"'),
        (msgpack.packb({"op": "post", "post": {"kind": "need"}}), "a post needs 'text'"),
        (msgpack.packb({"op": "post", "post": {"kind": "need", "text": 5}}), "must be text"),
        (msgpack.packb({"op": "post", "post": {"kind": "need", "text": "x", "pin": "1"}}),
         "unknown post field 'pin'"),
        (msgpack.packb({"op": "post", "post": {"kind": "wish", "text": "a pony"}}),
         "unknown kind 'wish'"),
        (b"\xc1", "unreadable request"),  # 0xc1 is never used in msgpack
    ],
)
def test_a_bad_control_request_gets_an_error_and_the_daemon_keeps_running(
    pair: tuple[Daemon, Daemon], request_bytes: bytes, error: str
) -> None:
    a, _ = pair
    answer = raw_exchange(socket_path(a.home), request_bytes)
    assert answer["ok"] is False
    assert error in answer["error"]
    assert a.status()["daemon"]["running"] is True


def test_a_residents_direct_text_gets_an_answer(pair: tuple[Daemon, Daemon]) -> None:
    a, _ = pair
    phone_device = FakeDevice(0x4D41_0077, air=a.air)
    answers: list[Received] = []
    with TcpPort(phone_device) as port:
        phone = MeshtasticRadio(TcpTarget("127.0.0.1", port.port))
        try:
            phone.on_text(answers.append)  # no loop running here: called on the radio's thread
            assert phone.wait_connected(DEADLINE)
            phone.send_text("help", a.radio.node_num)
            wait_for("an answer from A", lambda: answers)
        finally:
            phone.close()
    assert answers[0].sender == a.radio.node_num
    assert answers[0].dest == phone_device.node_num
    assert answers[0].payload.decode("utf-8").strip()
    counters = a.status()["counters"]
    assert counters["texts_received"] == 1 and counters["replies_sent"] >= 1


def test_the_daemon_keeps_running_while_the_radio_is_away(pair: tuple[Daemon, Daemon]) -> None:
    a, b = pair
    a.port.unplug()
    try:
        wait_for("A's status says the radio is away", lambda: not a.status()["radio"]["connected"])
        status = a.status()
        assert status["daemon"]["running"] is True
        assert "127.0.0.1" in status["radio"]["status"]
        # A post made meanwhile is committed, and goes on air once the radio is back.
        a_origin, _ = origin_of(a.home)
        before = records_of(b.home, a_origin)
        cli_in(a.home, "post", "alert", "road closed at Elm & 5th")
        assert "radio: NOT CONNECTED" in cli_in(a.home, "status")
    finally:
        a.port.replug()
    wait_for("A reconnected", a.connected)
    wait_for("the post in B's store", lambda: records_of(b.home, a_origin) == before + 1)


def test_status_without_a_daemon_reads_the_store(tmp_path: Path) -> None:
    home = tmp_path / "idle"
    init_node(home, name="idle porch", timezone="UTC")
    cli_in(home, "post", "offer", "spare blankets")
    text = cli_in(home, "status")
    origin, _ = origin_of(home)
    assert text.splitlines()[:3] == [
        f"node idle porch (origin {origin:08x})",
        "daemon: not running",
        "store: 1 records from 1 origins",
    ]
    assert f"{origin:08x} (this node)  1        1" in text


def test_sigterm_stops_the_daemon_cleanly(tmp_path: Path) -> None:
    daemon = make_daemon(tmp_path, "solo", 0x4D41_0009, LocalAir())
    # As the service runs it: settings and the radio's address from a file out of the home.
    config = tmp_path / "etc-meshaid.toml"
    config.write_text(f'name = "solo from etc"\n[radio]\nhost = "127.0.0.1:{daemon.port.port}"\n'
                      '[phone]\nallow = ["!4d410077"]\n', encoding="utf-8")
    try:
        daemon.start("--config", str(config))
        wait_for("radio connected", daemon.connected)
        assert daemon.status()["node"]["name"] == "solo from etc"
        request(socket_path(daemon.home), {"op": "post", "post": {"kind": "need", "text": "bread"}})
        assert daemon.stop() == 0
    finally:
        daemon.kill()
        daemon.port.close()
    log = daemon.log.read_text()
    assert "SIGTERM received, stopping" in log
    assert "Traceback" not in log
    assert not socket_path(daemon.home).exists()
    origin, _ = origin_of(daemon.home)
    assert records_of(daemon.home, origin) == 1
    assert "daemon: not running" in cli_in(daemon.home, "status")
