"""Answers between a poster and a neighbour survive a restart of the desk: the routes table."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from meshaid.node.desk.desk import PhoneDesk
from meshaid.node.desk.routes import remember_route, route_count, route_of
from meshaid.node.services import Node, init_node, open_node
from meshaid.protocol.record import EntryId

ALICE = 0xA1B2C3D4
BOB = 0x0000BEEF
CARMEN = 0x5EED0001
POSTED = re.compile(r"^(?:Posted \w+|Publicamos tu \w+) (\w+)(?: for | pa el |:)")


def _desk(node: Node, **kwargs: Any) -> PhoneDesk:
    return PhoneDesk(node, {ALICE, CARMEN}, **kwargs)


def _post(desk: PhoneDesk, sender: int, text: str, now: float) -> str:
    (reply,) = desk.handle(sender, text, now)
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
    _desk(node).handle(CARMEN, f"R {code} me das una? paso a las 5", clock.now)
    restarted = _desk(node)
    out = restarted.handle(ALICE, f"R {code} yes, porch, after 5", clock.now)
    assert [r.dest for r in out] == [ALICE, CARMEN]
    # Carmen wrote in Spanish: what reaches her is in Spanish, though the desk restarted.
    assert out[1].text == f"Re {code}: yes, porch, after 5 — contesta con 'R {code} tu mensaje'"


def test_after_a_restart_the_poster_is_answered_in_the_language_of_the_post(
    node: Node, clock: Any
) -> None:
    # Found: after a restart the desk forgot the poster's language and passed a
    # neighbour's words to a Spanish-speaking poster with English instructions.
    code = _post(_desk(node), CARMEN, "ofrezco cobijas limpias", clock.now)
    out = _desk(node).handle(BOB, f"R {code} can I get two?", clock.now)
    assert [r.dest for r in out] == [BOB, CARMEN]
    assert out[1].text.endswith(f"contesta con 'R {code} tu mensaje'")


def test_routes_are_bounded_and_forget_the_least_recently_written(
    node: Node, clock: Any
) -> None:
    desk = _desk(node, max_routes=2)
    codes = [_post(desk, ALICE, f"offer: {thing}", clock.now) for thing in ("rice", "tarps", "ice")]
    for code in codes:
        desk.handle(BOB, f"R {code} I'd like some", clock.now)
    assert route_count(node.store) == 2
    assert route_of(node.store, _eid(node, codes[0])) is None
    assert route_of(node.store, _eid(node, codes[2])) is not None
    desk.handle(CARMEN, f"R {codes[1]} yo también", clock.now)  # written again: newest
    desk.handle(BOB, f"R {codes[0]} still?", clock.now)
    assert route_of(node.store, _eid(node, codes[2])) is None
    assert route_of(node.store, _eid(node, codes[1])) is not None
    with pytest.raises(ValueError):
        _desk(node, max_routes=0)


def test_the_last_neighbour_who_wrote_is_the_route(node: Node, clock: Any) -> None:
    desk = _desk(node)
    code = _post(desk, ALICE, "offer: 2 bags of rice", clock.now)
    eid = _eid(node, code)
    remember_route(node.store, eid, BOB, "en")
    remember_route(node.store, eid, CARMEN, "es")
    route = route_of(node.store, eid)
    assert route is not None and (route.radio_id, route.lang) == (CARMEN, "es")
    assert route_count(node.store) == 1


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
        out = _desk(before).handle(BOB, f"R {code} can I get one tonight?", clock.now)
        assert [r.dest for r in out] == [BOB, ALICE]
    clock.advance(600)
    with open_node(home, wall=clock) as after:
        out = _desk(after).handle(ALICE, f"R {code} thanks, porch after 6", clock.now)
    assert [r.dest for r in out] == [ALICE, BOB]
    assert out[0].text.startswith(f"Sent to the neighbour who wrote about {code}.")
    assert out[1].text == f"Re {code}: thanks, porch after 6 — answer with 'R {code} <text>'"
