"""Node names for origins: what the roster calls each node, else the name its key was
added with, so that papers say "north porch" rather than ``3f2a9c01``.

Read on the store's plain connection without loading SQLAlchemy: the roster is folded
from the control records the store holds (meshaid.node.membership.held), and only when
this node has joined a neighbourhood.
"""

from __future__ import annotations

import sqlite3

from meshaid.node.membership.held import held_control
from meshaid.node.membership.local import load_membership
from meshaid.node.services import Node


def _roster_names(node: Node, conn: sqlite3.Connection) -> dict[int, str]:
    membership = load_membership(node.home.root)
    if membership is None:
        return {}
    from meshaid.sync.roster import RosterBook

    book = RosterBook(membership.neighbourhood)
    book.add_all(held_control(conn))
    return {origin: member.name for origin, member in book.roster.nodes.items()}


def node_names(node: Node) -> dict[int, str]:
    """origin -> the node's name, for every node this one knows a name for."""
    with node.store.reading() as conn:
        names = {origin: name for origin, name in conn.execute("SELECT origin, name FROM keys")
                 if name}
        names.update(_roster_names(node, conn))
    return names


def name_of(names: dict[int, str], origin_hex: str) -> str:
    """The name of the node ``origin_hex`` (as EntryView.origin), or the hex itself."""
    return names.get(int(origin_hex, 16), origin_hex)
