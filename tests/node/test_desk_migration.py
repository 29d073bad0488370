"""Revision 0005 keeps the reply routes a node held: each gets a route code of its own, and
going back keeps each entry's newest route, as the older schema had it."""

from __future__ import annotations

from typing import Any

from alembic import command
from desk_kit import desk_for, handle

from meshaid.node.desk.routes import route_by_code, routes_of
from meshaid.node.desk.summaries import entry_id
from meshaid.node.services import BoardQuery, Node
from meshaid.node.store.database import alembic_config

ALICE, BOB, CARMEN = 0xA1B2C3D4, 0x0000BEEF, 0x5EED0001


def test_routes_survive_the_migration_down_and_up(node: Node, clock: Any) -> None:
    desk = desk_for(node, {ALICE})
    handle(desk, ALICE, "offer: 3 blue tarps", clock.now)
    (view,) = node.board(BoardQuery())
    handle(desk, BOB, f"R {view.code} can I have one?", clock.now)
    handle(desk, CARMEN, f"R {view.code} ¿me das una?", clock.now)
    eid = entry_id(view)
    config = alembic_config(node.store.db)
    command.downgrade(config, "0004")
    with node.store.reading() as conn:
        kept = conn.execute("SELECT radio_id, lang FROM phone_routes").fetchall()
    assert kept == [(CARMEN, "es")]  # the newest, the one the old schema answered
    command.upgrade(config, "head")
    (route,) = routes_of(node.store, eid)
    assert (route.radio_id, route.lang) == (CARMEN, "es")
    assert route.code[:4] == view.full_code[:4] and len(route.code) == 6
    assert route_by_code(node.store, route.code) == route
    # The poster answers with the post's code, as the old forward told them to.
    out = handle(desk, ALICE, f"R {view.code} yes, porch after 5", clock.now)
    assert [r.dest for r in out] == [ALICE, CARMEN]
