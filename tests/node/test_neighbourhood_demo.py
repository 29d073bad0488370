"""The demo's neighbourhood stops its daemons when interrupted, as on Ctrl-C."""

from __future__ import annotations

from pathlib import Path

import pytest

from meshaid.node.daemon.control import socket_path
from meshaid.node.sim import demo


@pytest.mark.slow
def test_closing_the_demo_early_stops_every_daemon(tmp_path: Path) -> None:
    events = demo.run(tmp_path, loss=0.0)
    seen = []
    for event in events:
        seen.append(event)
        if isinstance(event, demo.Texted):
            break
    assert [type(e) for e in seen] == [demo.Setup, demo.Connected, demo.Texted]
    for name in "ABCD":
        assert socket_path(tmp_path / name).exists()  # the daemons are up
    events.close()  # what Ctrl-C does to the loop in `meshaid demo`
    for name in "ABCD":
        assert not socket_path(tmp_path / name).exists()
        log = (tmp_path / f"{name}.log").read_text()
        assert "SIGTERM received, stopping" in log and "Traceback" not in log
