"""Forming neighbourhoods in tests, with the same services the committee's commands call."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from meshaid.node.membership import commands
from meshaid.node.membership.neighbourhood import Neighbourhood
from meshaid.node.services import Node, init_node, open_node
from meshaid.protocol.record import SignedRecord
from meshaid.sync.authority import authorised_by


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


def records_of(node: Node) -> list[SignedRecord]:
    """Every record ``node``'s store holds, by origin and seq."""
    return [r for origin in _origins(node) for r in node.store.records_of(origin)]


def carry(source: Node, targets: Sequence[Node]) -> None:
    """What the sync does: every record ``source`` holds offered to ``targets``' stores,
    each judging them by the roster it holds (whose records, and who may change what)."""
    records = records_of(source)
    for target in targets:
        nb = _judging(target)
        # Control records first, one at a time: each may make the next one's signer known.
        for rec in sorted(records, key=lambda r: (not r.body.control, r.body.origin, r.body.seq)):
            target.store.apply(rec)
            nb.refresh([rec])


def _judging(node: Node) -> Neighbourhood:
    """``node``'s store judging records by the roster it holds, as its daemon's does."""
    nb = Neighbourhood(node)
    node.store.trust = nb.trust
    node.store.authorised = authorised_by(lambda: nb.roster)
    return nb


def _origins(node: Node) -> list[int]:
    from meshaid.node.store.sync_state import store_summary

    return sorted(store_summary(node.store))
