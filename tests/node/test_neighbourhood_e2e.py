"""Three `meshaid run` processes on fake radios in a lossy line, A - B - C.

A and C are two hops apart: what A's resident posts reaches C only through B (B's radio
relays the frame, or B's daemon gossips the record on). B's daemon reaches its radio over
a pseudo-terminal (--port), A's and C's over TCP (--host). Each home is set up with
`meshaid init`; A founds the neighbourhood and invites B and C, whose roster then comes
over the air; A's phone is on A's allow-list.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from meshaid.cli.main import cli
from meshaid.hardware.fake_radio import PtyPort, TcpPort
from meshaid.node.sim.neighbourhood import Neighbourhood, NodeSpec, wait_until

DEADLINE = 40.0
COMMUNITIES = ("Riverside Commons",)


def meshaid(home: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, list(args), env={"MESHAID_HOME": str(home)})
    assert result.exit_code == 0, result.output
    return result.output


def board_of(home: Path) -> list[dict[str, object]]:
    entries = json.loads(meshaid(home, "board", "--json"))
    assert isinstance(entries, list)
    return entries


@pytest.mark.slow
def test_a_residents_post_at_a_reaches_c_two_hops_away(tmp_path: Path) -> None:
    root = tmp_path / "hood"
    specs = [NodeSpec("A"), NodeSpec("B", serial=True, phone=False), NodeSpec("C", phone=False)]
    for spec in specs:
        meshaid(root / spec.name, "init", "--name", spec.name, "--community", COMMUNITIES[0],
                "--timezone", "UTC")
    hood = Neighbourhood(root, specs, loss=0.1, time_scale=10.0, seed=3,
                         communities=COMMUNITIES)
    started = time.monotonic()
    try:
        hood.start()
        a, b, c = hood.nodes
        assert hood.air.topology.hop_distances(0)[:3] == [0, 1, 2]
        assert isinstance(b.port, PtyPort) and b.radio_args[0] == "--port"
        assert isinstance(a.port, TcpPort) and a.radio_args[0] == "--host"
        hood.wait_connected(DEADLINE)

        phone = hood.phone("A")
        phone.send_text("need 2 tarps for roof, leaking")
        wait_until(lambda: bool(phone.texts()), DEADLINE, "the ack on the phone", hood)
        ack = phone.texts()[0]
        assert ack.sender == a.device.node_num
        assert ack.text.startswith("Posted need ")
        code = ack.text.removeprefix("Posted need ").split(":")[0]
        assert len(code) >= 3 and code.isalnum()

        def at_c() -> bool:
            return any(e["code"] == code for e in board_of(c.home))

        remaining = DEADLINE - (time.monotonic() - started)
        wait_until(at_c, max(remaining, 5.0), "the post in C's store", hood)
        entry = next(e for e in board_of(c.home) if e["code"] == code)
        assert entry["text"] == "need 2 tarps for roof, leaking"
        assert entry["kind"] == "need"
        assert hood.air.counters.relays > 0
    finally:
        codes = hood.close()
    assert set(codes) == {"A", "B", "C"}
    assert all(code == 0 for code in codes.values()), hood.tail_logs()
    for node in hood.nodes:
        log = node.log_path.read_text()
        assert "Traceback" not in log, log
        assert "SIGTERM received, stopping" in log
