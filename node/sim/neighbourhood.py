"""A neighbourhood on one machine: node daemons on fake radios joined by a lossy mesh.

Each node is a real ``meshaid run`` process with its own home (key, board store,
meshaid.toml). Its radio is a fake Meshtastic device (meshaid.hardware.fake_radio) served
on a TCP port or a pseudo-terminal, and the devices share a ``MeshAir``: a line of radios
where each hears only the next, links that lose frames, flooding with a hop limit, frames
heard after their airtime divided by a time scale. Residents' phones are more fake
devices, each linked to one node's radio only, whose direct texts that node's phone desk
answers; their radio ids are on that node's ``[phone] allow`` list.

Used by ``meshaid demo`` and by the end-to-end tests; nothing here is specific to either.

    hood = Neighbourhood(root, [NodeSpec("A"), NodeSpec("B", serial=True), NodeSpec("C")],
                         loss=0.1, time_scale=10, seed=1)
    with hood:
        hood.start()
        hood.wait_connected(30)
        hood.phone("A").send_text("need 2 tarps for roof, leaking")
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from meshtastic.protobuf import mesh_pb2, portnums_pb2

from meshaid.hardware.fake_radio import FakeDevice, PtyPort, TcpPort
from meshaid.hardware.fake_radio.link import Port
from meshaid.hardware.fake_radio.mesh_air import MeshAir
from meshaid.hardware.sim.topology import Link, Topology
from meshaid.node.daemon.control import ControlError, DaemonNotRunning, request, socket_path
from meshaid.node.desk.allowlist import radio_label
from meshaid.node.errors import NodeError
from meshaid.node.membership import commands as membership
from meshaid.node.services import init_node, open_node

# Radio ids of the fake radios: nodes count up from the first, phones from the second.
NODE_RADIO_BASE = 0x4D41_0001
PHONE_RADIO_BASE = 0x4D41_0101
# A link of this quality, whatever the loss: the daemons do not look at SNR.
LINK_SNR = 5.0
STOP_WAIT = 10.0  # seconds a daemon has to exit after SIGTERM before it is killed
RUN_DAEMON = "from meshaid.cli.main import main; main()"


@dataclass(frozen=True)
class NodeSpec:
    """One node: its name (also its home's folder), and whether its radio is on serial."""

    name: str
    serial: bool = False
    phone: bool = True  # give this node a resident's phone next to its radio


@dataclass(frozen=True)
class Text:
    """A direct text a phone received."""

    sender: int
    text: str
    at: float  # monotonic


class ResidentPhone:
    """A resident's radio with the phone app connected: sends and keeps direct texts.

    The device is a full fake Meshtastic device; the "app" is a client link that finished
    the config handshake, so the device passes it every packet it hears for this radio.
    """

    def __init__(self, device: FakeDevice, node_radio: int) -> None:
        self.device = device
        self.node_radio = node_radio
        self._texts: list[Text] = []
        self._lock = threading.Lock()
        self._ids = random.Random(device.node_num)
        device.attach(self)
        device.handle_to_radio(
            mesh_pb2.ToRadio(want_config_id=self._ids.randrange(1, 1 << 31)).SerializeToString()
        )

    @property
    def radio_id(self) -> int:
        return self.device.node_num

    def send_text(self, text: str, dest: int | None = None) -> None:
        """A direct text to ``dest`` (default: the node this phone belongs to)."""
        packet = mesh_pb2.MeshPacket(
            to=self.node_radio if dest is None else dest,
            id=self._ids.randrange(1, 0xFFFF_FFFF), want_ack=True,
            decoded=mesh_pb2.Data(
                portnum=portnums_pb2.PortNum.TEXT_MESSAGE_APP, payload=text.encode("utf-8"),
            ),
        )
        self.device.handle_to_radio(mesh_pb2.ToRadio(packet=packet).SerializeToString())

    def texts(self) -> list[Text]:
        with self._lock:
            return list(self._texts)

    # -- ClientLink ----------------------------------------------------------------------

    def send_from_radio(self, data: bytes) -> None:
        message = mesh_pb2.FromRadio.FromString(data)
        if not message.HasField("packet"):
            return
        packet = message.packet
        if packet.decoded.portnum != portnums_pb2.PortNum.TEXT_MESSAGE_APP:
            return
        sender = getattr(packet, "from")  # "from" is a Python keyword
        if packet.to != self.radio_id:
            return  # channel chat, not a text for this resident
        text = packet.decoded.payload.decode("utf-8", errors="replace")
        with self._lock:
            self._texts.append(Text(sender, text, time.monotonic()))

    def send_log(self, line: str) -> None:
        return

    def reset(self) -> None:
        return


@dataclass
class NodeProcess:
    """One node: its home, its fake radio and the ``meshaid run`` process on it."""

    spec: NodeSpec
    home: Path
    device: FakeDevice
    port: Port
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    phone: ResidentPhone | None = None
    _log: Any = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def radio_args(self) -> list[str]:
        if isinstance(self.port, PtyPort):
            return ["--port", self.port.path]
        assert isinstance(self.port, TcpPort)
        return ["--host", f"{self.port.host}:{self.port.port}"]

    def start(self) -> None:
        env = {**os.environ, "MESHAID_HOME": str(self.home)}
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-c", RUN_DAEMON, "run", *self.radio_args],
            env=env, stdin=subprocess.DEVNULL, stdout=self._log, stderr=self._log,
            start_new_session=True,  # a Ctrl-C in the terminal reaches the demo only
        )

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def status(self) -> dict[str, Any] | None:
        """The daemon's status over its control socket; None when it does not answer."""
        try:
            result = request(socket_path(self.home), {"op": "status"})
        except (DaemonNotRunning, ControlError, OSError):
            return None
        return result if isinstance(result, dict) else None

    def records(self) -> int | None:
        """Records in this node's store, as its daemon reports them."""
        status = self.status()
        if status is None:
            return None
        return sum(int(row["records"]) for row in status["store"])

    def stop(self) -> int | None:
        """SIGTERM, then SIGKILL after STOP_WAIT; the exit code (None if never started)."""
        process = self.process
        code: int | None = None
        if process is not None:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=STOP_WAIT)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            code = process.returncode
        if self._log is not None:
            self._log.close()
            self._log = None
        return code


def line_topology(size: int, loss: float, phones: Sequence[int]) -> Topology:
    """Places 0..size-1 in a line with ``loss`` on each link, then one phone place next to
    each node in ``phones``."""
    links = [(i, i + 1, Link(LINK_SNR, loss)) for i in range(size - 1)]
    # A resident's link to the node is kept clean: real firmware resends an unacknowledged
    # direct message up to three times (ReliableRouter), which the fake devices do not, so
    # on a lossy link a post or its answer would simply vanish. The loss stays where the
    # daemons' gossip has to cope with it: between the nodes.
    links += [(node, size + k, Link(LINK_SNR, 0.0)) for k, node in enumerate(phones)]
    return Topology("line", size + len(phones), links)


class Neighbourhood:
    """Nodes in a line (first hears second, second hears third...), each with a daemon.

    ``prepare`` (called by ``start``) makes each home with ``communities`` and ``zones``,
    puts each node's phone on its allow-list and forms the neighbourhood ``name`` with
    the first node as its founder. ``close`` stops everything it started.
    """

    def __init__(
        self,
        root: Path,
        nodes: Sequence[NodeSpec],
        *,
        loss: float = 0.1,
        time_scale: float = 10.0,
        seed: int = 1,
        communities: tuple[str, ...] = (),
        zones: tuple[str, ...] = (),
        name: str = "Magnolia Flats",
    ) -> None:
        if len({n.name for n in nodes}) != len(nodes) or not nodes:
            raise ValueError("a neighbourhood needs nodes with distinct names")
        self.root = root
        self.specs = tuple(nodes)
        self.loss = loss
        self.time_scale = time_scale
        self.communities = communities
        self.zones = zones
        self.neighbourhood_name = name
        self.roster_records = 0
        with_phone = [i for i, n in enumerate(nodes) if n.phone]
        self.air = MeshAir(line_topology(len(nodes), loss, with_phone), random.Random(seed),
                           time_scale=time_scale)
        self.nodes: list[NodeProcess] = []
        self._phone_places = with_phone
        self._closed = False

    def __enter__(self) -> Neighbourhood:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def node(self, name: str) -> NodeProcess:
        for node in self.nodes:
            if node.name == name:
                return node
        raise KeyError(name)

    def phone(self, name: str) -> ResidentPhone:
        phone = self.node(name).phone
        if phone is None:
            raise KeyError(f"node {name} has no phone")
        return phone

    def home_of(self, name: str) -> Path:
        return self.root / name

    def prepare(self) -> None:
        """Homes and allow-lists, and the neighbourhood formed as a committee forms one:
        the first node founds it (``init --new-neighbourhood``), each other node gives its
        key (``meshaid key``), the founder adds it (``members add-node``) and the node joins
        with its invite (``meshaid join``). The roster reaches the others over the air."""
        self.root.mkdir(parents=True, exist_ok=True)
        for i, spec in enumerate(self.specs):
            home = self.home_of(spec.name)
            init_node(home, name=spec.name, timezone="UTC", communities=self.communities,
                      zones=self.zones)
            if spec.phone:
                _allow(home / "meshaid.toml", PHONE_RADIO_BASE + i)
        founder, *others = self.specs
        with open_node(self.home_of(founder.name)) as first:
            membership.found(first, self.neighbourhood_name)
            for spec in others:
                with open_node(self.home_of(spec.name)) as node:
                    _, invite = membership.add_node(first, membership.node_key_text(node),
                                                    spec.name)
                    membership.join(node, invite.to_text())
            # The roster: the genesis, its epoch key and one change per node invited.
            self.roster_records = first.store.next_seq() - 1

    def start(self) -> None:
        """Prepare, then the radios on the air, then one daemon per node."""
        self.prepare()
        n = len(self.specs)
        for i, spec in enumerate(self.specs):
            self.air.reserve(NODE_RADIO_BASE + i, i)
            device = FakeDevice(NODE_RADIO_BASE + i, air=self.air,
                                long_name=f"meshaid {spec.name}")
            port: Port = PtyPort(device) if spec.serial else TcpPort(device)
            node = NodeProcess(spec, self.home_of(spec.name), device, port,
                               self.root / f"{spec.name}.log")
            self.nodes.append(node)
            if spec.phone:
                self.air.reserve(PHONE_RADIO_BASE + i, n + self._phone_places.index(i))
                phone_device = FakeDevice(PHONE_RADIO_BASE + i, air=self.air,
                                          long_name=f"phone at {spec.name}")
                node.phone = ResidentPhone(phone_device, device.node_num)
        for node in self.nodes:
            node.start()

    def wait_connected(self, timeout: float) -> None:
        """Until every daemon says its radio is connected; NodeError after ``timeout``."""
        def connected(node: NodeProcess) -> bool:
            status = node.status()
            return bool(status and status["radio"]["connected"])

        wait_until(lambda: all(connected(n) for n in self.nodes), timeout,
                   "every node's radio connected", self)

    def counts(self) -> dict[str, int | None]:
        """Board records (posts and their changes) each node's store holds, by node name,
        leaving out the roster's records (None: daemon not answering)."""
        out: dict[str, int | None] = {}
        for node in self.nodes:
            held = node.records()
            out[node.name] = None if held is None else max(held - self.roster_records, 0)
        return out

    def exited(self) -> list[NodeProcess]:
        return [n for n in self.nodes if n.process is not None and not n.running()]

    def close(self) -> dict[str, int | None]:
        """Stop every daemon (SIGTERM, then kill), the radios and the air; exit codes."""
        if self._closed:
            return {}
        self._closed = True
        codes = {node.name: node.stop() for node in self.nodes}
        for node in self.nodes:
            node.port.close()
        self.air.close()
        return codes

    def tail_logs(self, lines: int = 15, out: TextIO | None = None) -> str:
        """The end of each daemon's log, for an error report."""
        parts = []
        for node in self.nodes:
            with contextlib.suppress(OSError):
                text = node.log_path.read_text(encoding="utf-8", errors="replace")
                tail = "\n".join(text.splitlines()[-lines:])
                parts.append(f"--- {node.name} ({node.log_path}) ---\n{tail}")
        report = "\n".join(parts)
        if out is not None:
            out.write(report + "\n")
        return report


def wait_until(
    check: Callable[[], bool], timeout: float, what: str, hood: Neighbourhood | None = None,
) -> None:
    """Poll ``check`` every 0.2 s; NodeError naming ``what`` after ``timeout`` seconds,
    or as soon as a daemon of ``hood`` has exited."""
    end = time.monotonic() + timeout
    while not check():
        if hood is not None and hood.exited():
            names = ", ".join(n.name for n in hood.exited())
            raise NodeError(f"daemon {names} exited early:\n{hood.tail_logs()}")
        if time.monotonic() > end:
            raise NodeError(f"not within {timeout:g} s: {what}")
        time.sleep(0.2)


def _allow(config: Path, radio: int) -> None:
    """Put ``radio`` on the [phone] allow-list of ``config`` (which has no [phone] yet)."""
    text = config.read_text(encoding="utf-8")
    if "[phone]" in text:
        return  # the operator's own allow-list stays as it is
    label = radio_label(radio)
    # The phones' keys are not pinned here (they are on an allow-list, not the roster),
    # so their plain direct messages are allowed: the daemon warns that ids can be spoofed.
    config.write_text(text.rstrip("\n") + f'\n\n[phone]\nallow = ["{label}"]\n'
                      "allow_plain_dm = true\n", encoding="utf-8")
