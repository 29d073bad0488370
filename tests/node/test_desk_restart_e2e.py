"""A real `meshaid run` process, killed with SIGKILL, owes a resident a post's code: the
daemon started again sends it from the store, over the fake radio, to the resident's phone.

The post is written as the killed daemon's desk would have written it (post, poster row
and acknowledgement in one transaction, nothing sent yet); SIGKILL-free tests of the same
path are in test_desk_crash.py.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from meshaid.node.desk.desk import PhoneDesk
from meshaid.node.desk.identity import PLAIN_DM_WARNING
from meshaid.node.services import BoardQuery, open_node
from meshaid.node.sim.neighbourhood import Neighbourhood, NodeSpec, wait_until

DEADLINE = 40.0


@pytest.mark.slow
def test_a_daemon_killed_before_it_answered_sends_the_code_when_started_again(
    tmp_path: Path,
) -> None:
    hood = Neighbourhood(tmp_path / "hood", [NodeSpec("A")], loss=0.0, time_scale=10.0,
                         seed=5)
    try:
        hood.start()
        hood.wait_connected(DEADLINE)
        (a,) = hood.nodes
        phone = hood.phone("A")
        assert a.process is not None
        a.process.kill()  # SIGKILL: nothing is flushed, nothing is sent
        a.process.wait()
        with open_node(a.home) as node:
            (ack,) = PhoneDesk.for_node(node).handle(
                phone.radio_id, "need 2 tarps for roof, leaking", time.time())
            (view,) = node.board(BoardQuery())
        assert ack.queued and view.code in ack.text and phone.texts() == []
        a.start()
        wait_until(lambda: bool(phone.texts()), DEADLINE, "the code on the phone", hood)
        (got,) = phone.texts()
        assert got.text == ack.text and got.sender == a.device.node_num
    finally:
        hood.close()
    # The simulated phones post by plain DMs (allow_plain_dm): each start says what it costs.
    log = a.log_path.read_text()
    assert log.count(PLAIN_DM_WARNING) == 2 and "Traceback" not in log
