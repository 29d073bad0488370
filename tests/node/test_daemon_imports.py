"""What a running daemon imports: `meshaid run` on a fake Meshtastic radio, with residents
posting, answering and cancelling through the phone desk (the posters and routes tables),
loads neither SQLAlchemy nor Alembic while the store's schema is current; its start-up
checks read the store's settings on a plain sqlite3 connection."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from meshaid.hardware.fake_radio import FakeDevice, LocalAir, TcpPort
from meshaid.hardware.meshtastic_radio import MeshtasticRadio, TcpTarget
from meshaid.hardware.radio import Received
from meshaid.node.daemon.control import ControlError, DaemonNotRunning, request, socket_path
from meshaid.node.desk.posters import open_posts_of, poster_of
from meshaid.node.desk.routes import route_count
from meshaid.node.desk.summaries import entry_id
from meshaid.node.services import BoardQuery, Node, init_node, open_node
from meshaid.node.store.database import pragma

DEADLINE = 30.0
DAEMON = 0x4D41_0021
POSTER = 0x4D41_0077
NEIGHBOUR = 0x4D41_0078
# The daemon's process writes the names of the modules it imported when it exits.
PROBE = """
import atexit, json, os, sys
atexit.register(lambda: open(os.environ["MESHAID_MODULES_OUT"], "w").write(
    json.dumps(sorted(sys.modules))))
from meshaid.cli.main import main
main()
"""
POSTED = re.compile(r"^Posted \w+ (\w+)")


def _wait(what: str, check: Callable[[], Any]) -> Any:
    end = time.monotonic() + DEADLINE
    while True:
        try:
            value = check()
        except (ControlError, DaemonNotRunning):
            value = None
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"not within {DEADLINE:g} s: {what}")
        time.sleep(0.1)


class _Phone:
    """A resident's radio on the same air as the daemon's."""

    def __init__(self, node_num: int, air: LocalAir) -> None:
        self.port = TcpPort(FakeDevice(node_num, air=air))
        self.radio = MeshtasticRadio(TcpTarget("127.0.0.1", self.port.port))
        self.heard: list[str] = []
        self.radio.on_text(lambda got: self.heard.append(_text(got)))
        assert self.radio.wait_connected(DEADLINE)

    def say(self, text: str, answers: int = 1) -> list[str]:
        """Send ``text`` to the daemon's radio; the first ``answers`` texts heard after it."""
        start = len(self.heard)
        self.radio.send_text(text, DAEMON)
        _wait(f"an answer to {text!r}", lambda: len(self.heard) >= start + answers)
        return self.heard[start:]

    def close(self) -> None:
        self.radio.close()
        self.port.close()


def _text(got: Received) -> str:
    return got.payload.decode("utf-8")


def test_a_daemon_serving_residents_never_imports_sqlalchemy(tmp_path: Path) -> None:
    home = tmp_path / "node"
    init_node(home, name="north porch", timezone="UTC")
    with (home / "meshaid.toml").open("a", encoding="utf-8") as config:
        config.write(f'\n[phone]\nallow = ["!{POSTER:08x}"]\nallow_plain_dm = true\n')
    air = LocalAir()
    port = TcpPort(FakeDevice(DAEMON, air=air))
    modules = tmp_path / "modules.json"
    env = {**os.environ, "MESHAID_HOME": str(home), "MESHAID_MODULES_OUT": str(modules)}
    log = tmp_path / "daemon.log"
    with log.open("ab") as out:
        daemon = subprocess.Popen(
            [sys.executable, "-c", PROBE, "run", "--host", f"127.0.0.1:{port.port}"],
            env=env, stdout=out, stderr=out,
        )
    phones: list[_Phone] = []
    try:
        _wait("the daemon's radio connected", lambda: request(
            socket_path(home), {"op": "status"})["radio"]["connected"])
        poster, neighbour = _Phone(POSTER, air), _Phone(NEIGHBOUR, air)
        phones += [poster, neighbour]
        (posted,) = poster.say("need: drinking water for 2 households")
        found = POSTED.match(posted)
        assert found, posted
        code = found.group(1)
        # The neighbour's answer reaches the poster with a route code; the poster answers it.
        neighbour.say(f"R {code} I have 3 gallons, can bring them at 5")
        forward = _wait("the answer forwarded to the poster",
                        lambda: [t for t in poster.heard if t.startswith("Re ")])
        route = forward[0].split(":")[0].removeprefix("Re ")
        poster.say(f"R {route} yes please, porch")
        _wait("the poster's answer reaching the neighbour",
              lambda: any("yes please" in t for t in neighbour.heard))
        (asked,) = poster.say("cancel")  # the poster's open posts, from the posters table
        assert code in asked, asked
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(DEADLINE) == 0
    finally:
        for phone in phones:
            phone.close()
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()
        port.close()
    loaded = json.loads(modules.read_text(encoding="utf-8"))
    assert "meshaid.node.desk.routes" in loaded and "meshaid.node.daemon.service" in loaded
    assert [m for m in loaded if m.split(".")[0] in ("sqlalchemy", "alembic")] == []
    # What the desk wrote is there, read back the same way.
    with open_node(home) as node:
        (view,) = node.board(BoardQuery())
        assert poster_of(node.store, entry_id(view)) == POSTER
        assert route_count(node.store) == 1
        mine = open_posts_of(node.store, POSTER, node.store.now_minute())
        assert [row.code for row in mine] == [view.full_code]


def test_the_start_up_checks_read_the_settings_the_engine_would(node: Node) -> None:
    for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout"):
        assert pragma(node.store.path, name) == pragma(node.store.db, name)
    assert (pragma(node.store.path, "journal_mode"), pragma(node.store.path, "synchronous")) \
        == ("wal", 2)
