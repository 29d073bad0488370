"""Forming neighbourhoods in tests, with the same services the committee's commands call."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from meshaid.node.membership import commands
from meshaid.node.membership.neighbourhood import Neighbourhood
from meshaid.node.services import Node, init_node, open_node


def new_node(root: Path, name: str, *, zones: tuple[str, ...] = ("north block",)) -> Node:
    init_node(root, name=name, timezone="UTC", zones=zones)
    return open_node(root)


def form(founder: Node, others: Sequence[Node], name: str = "Magnolia Flats") -> None:
    """``init --new-neighbourhood`` on the founder, then ``key`` / ``members add-node`` /
    ``join`` for each other node, and the founder's control records carried to each of
    them, as the first sync would."""
    commands.found(founder, name)
    for other in others:
        _, invite = commands.add_node(founder, commands.node_key_text(other),
                                      other.config.name)
        commands.join(other, invite.to_text())
    carry(founder, others)


def carry(source: Node, targets: Sequence[Node]) -> None:
    """Hand every record ``source`` holds to ``targets``' stores, trusting as each would."""
    records = [r for origin in _origins(source) for r in source.store.records_of(origin)]
    for target in targets:
        nb = Neighbourhood(target)
        target.store.trust = nb.trust
        # Control records first, one at a time: each may make the next one's signer known.
        for rec in sorted(records, key=lambda r: (not r.body.control, r.body.origin, r.body.seq)):
            target.store.apply(rec)
            nb.refresh([rec])


def _origins(node: Node) -> list[int]:
    from meshaid.node.store.sync_state import store_summary

    return sorted(store_summary(node.store))
