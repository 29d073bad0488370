"""Answers between a poster and a neighbour survive a restart of the desk: the routes table."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from desk_kit import desk_for, handle

from meshaid.node.desk.desk import PhoneDesk, Reply
from meshaid.node.desk.routes import remember_route, route_by_code, route_count, routes_of
from meshaid.node.services import Node, init_node, open_node
from meshaid.protocol.record import EntryId

ALICE = 0xA1B2C3D4
BOB = 0x0000BEEF
CARMEN = 0x5EED0001
POSTED = re.compile(r"^(?:Posted \w+|Publicamos tu \w+) (\w+)(?: for | pa el |:)")


def _desk(node: Node, **kwargs: Any) -> PhoneDesk:
    return desk_for(node, {ALICE, CARMEN}, **kwargs)


def _route(forward: Reply) -> str:
    """The route code a forwarded answer tells its reader to answer with."""
    return forward.text.split(":")[0].removeprefix("Re ")


def _post(desk: PhoneDesk, sender: int, text: str, now: float) -> str:
    (reply,) = handle(desk, sender, text, now)
    match = POSTED.match(reply.text)
    assert match, reply.text
    return match.group(1)


def _eid(node: Node, code: str) -> EntryId:
    origin, seq = node.show(code).entry.split("/")
    return EntryId(int(origin, 16), int(seq))


def test_the_posters_answer_reaches_the_neighbour_after_a_restart(
    node: Node, clock: Any
) -> None:
    # Found: a neighbour's question reached the poster, the daemon restarted (a power cut),
    # and the poster's answer got "No recent message about ..." instead of reaching them.
    code = _post(_desk(node), ALICE, "offer: 3 blue tarps with rope", clock.now)
    _, forward = handle(_desk(node), CARMEN, f"R {code} me das una? paso a las 5", clock.now)
    restarted = _desk(node)
    out = handle(restarted, ALICE, f"R {_route(forward)} yes, porch, after 5", clock.now)
    assert [r.dest for r in out] == [ALICE, CARMEN]
    # Carmen wrote in Spanish: what reaches her is in Spanish, though the desk restarted.
    assert out[1].text == f"Re {code}: yes, porch, after 5 — contesta con 'R {code} tu mensaje'"


def test_after_a_restart_the_poster_is_answered_in_the_language_of_the_post(
    node: Node, clock: Any
) -> None:
    # Found: after a restart the desk forgot the poster's language and passed a
    # neighbour's words to a Spanish-speaking poster with English instructions.
    code = _post(_desk(node), CARMEN, "ofrezco cobijas limpias", clock.now)
    out = handle(_desk(node), BOB, f"R {code} can I get two?", clock.now)
    assert [r.dest for r in out] == [BOB, CARMEN]
    assert out[1].text.endswith(f"contesta con 'R {_route(out[1])} tu mensaje'")


def test_routes_are_bounded_and_forget_the_least_recently_written(
    node: Node, clock: Any
) -> None:
    desk = _desk(node, max_routes=2)
    codes = [_post(desk, ALICE, f"offer: {thing}", clock.now) for thing in ("rice", "tarps", "ice")]
    for code in codes:
        handle(desk, BOB, f"R {code} I'd like some", clock.now)
    assert route_count(node.store) == 2
    assert routes_of(node.store, _eid(node, codes[0])) == []
    assert routes_of(node.store, _eid(node, codes[2])) != []
    handle(desk, CARMEN, f"R {codes[1]} yo también", clock.now)  # newest
    handle(desk, BOB, f"R {codes[0]} still?", clock.now)
    assert routes_of(node.store, _eid(node, codes[2])) == []
    assert [r.radio_id for r in routes_of(node.store, _eid(node, codes[1]))] == [CARMEN]
    with pytest.raises(ValueError):
        _desk(node, max_routes=0)


def test_each_neighbour_has_a_route_of_their_own(node: Node, clock: Any) -> None:
    desk = _desk(node)
    code = _post(desk, ALICE, "offer: 2 bags of rice", clock.now)
    eid = _eid(node, code)
    full = node.show(code).full_code
    bob = remember_route(node.store, eid, full, BOB, "en")
    carmen = remember_route(node.store, eid, full, CARMEN, "es")
    assert bob.code != carmen.code and bob.code[:4] == carmen.code[:4] == full[:4]
    assert remember_route(node.store, eid, full, BOB, "en").code == bob.code  # kept
    assert [r.radio_id for r in routes_of(node.store, eid)] == [BOB, CARMEN]
    found = route_by_code(node.store, carmen.code.lower())
    assert found is not None and (found.radio_id, found.lang) == (CARMEN, "es")
    assert route_count(node.store) == 2


def test_a_stranger_quoting_the_code_does_not_get_the_posters_answer(
    node: Node, clock: Any
) -> None:
    # Found: after a genuine responder wrote "R CODE", a stranger's "R CODE" took the
    # route, and the poster's answer ("my address is 12 Elm St") went to the stranger.
    desk = _desk(node)
    stranger = 0x0BAD_0001
    code = _post(desk, ALICE, "offer: crib and stroller", clock.now)
    _, forward = handle(desk, BOB, f"R {code} could I have the crib?", clock.now)
    handle(desk, stranger, f"R {code} me too", clock.now)
    out = handle(desk, ALICE, f"R {_route(forward)} my address is 12 Elm St", clock.now)
    assert [r.dest for r in out] == [ALICE, BOB]
    # The post's own code, now that two wrote: the desk asks which, and sends nothing on.
    out = handle(desk, ALICE, f"R {code} my address is 12 Elm St", clock.now)
    assert [r.dest for r in out] == [ALICE]
    assert out[0].text.startswith("Several neighbours wrote about this post.")
    # A stranger using Bob's route code writes to the poster, never as the poster.
    out = handle(desk, stranger, f"R {_route(forward)} where exactly?", clock.now)
    assert [r.dest for r in out] == [stranger, ALICE]


def test_a_reply_reaches_the_neighbour_after_the_node_itself_restarts(
    tmp_path: Path, clock: Any
) -> None:
    # Found trying as residents would: after the daemon restarted, a poster's "R CODE
    # thanks" got "No recent message about CODE to answer": the route lived in memory.
    # Here the node is closed and opened again from its home, as `meshaid run` would be.
    home = tmp_path / "home"
    init_node(home, name="porch", timezone="America/Chicago", wall=clock)
    with open_node(home, wall=clock) as before:
        code = _post(_desk(before), ALICE, "offer: 3 blue tarps with rope", clock.now)
        out = handle(_desk(before), BOB, f"R {code} can I get one tonight?", clock.now)
        assert [r.dest for r in out] == [BOB, ALICE]
    clock.advance(600)
    with open_node(home, wall=clock) as after:
        out = handle(_desk(after), ALICE, f"R {_route(out[1])} thanks, porch after 6",
                     clock.now)
    assert [r.dest for r in out] == [ALICE, BOB]
    assert out[0].text.startswith(f"Sent to the neighbour who wrote about {code}.")
    assert out[1].text == f"Re {code}: thanks, porch after 6 — answer with 'R {code} <text>'"
