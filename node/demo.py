"""The demo neighbourhood: a throw-away node home, a few residents' posts, the board.

Everything here goes through the same services the committee CLI uses, so the demo shows
the real store, signatures, codes and expiry, not a mock-up.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .services import BoardQuery, Node, PostRequest, init_node, open_node
from .views import EntryView

COMMUNITIES = ("Riverside Commons", "Old Mill")
ZONES = ("Ash & 3rd", "laundromat lot", "school gate", "Mill Rd bridge")

# What residents of a made-up neighbourhood post the morning after a storm.
POSTS: tuple[PostRequest, ...] = (
    PostRequest("alert", "Mill Rd bridge flooded, cars stuck. go round by the school",
                category="safety", zone="Mill Rd bridge", urgency="critical",
                community="Old Mill"),
    PostRequest("need", "insulin needs a cold fridge, power out since last night",
                category="medicine", zone="Ash & 3rd", urgency="high"),
    PostRequest("offer", "generator on till 9pm, 4 outlets. phones + cpap first",
                category="energy", zone="laundromat lot"),
    PostRequest("offer", "big pot of black beans & rice, about 15 plates, bring a bowl",
                category="food", zone="Ash & 3rd"),
    PostRequest("need", "necesito pañales talla 4 y leche para bebé",
                category="childcare", zone="school gate", urgency="normal"),
    PostRequest("trade", "swap day: bring what you have, take what you need",
                category="other", zone="school gate", when="+2d 10:00"),
    PostRequest("need", "ride to the clinic tomorrow 8am, wheelchair folds",
                category="transport", zone="Ash & 3rd", community="Old Mill"),
)


@dataclass(frozen=True)
class DemoStep:
    """One thing that happened, for the CLI to show as it goes."""

    what: str  # "posted", "fulfilled", "withdrawn"
    entry: EntryView


def _trade_time(spec: str | None, wall: Callable[[], float]) -> str | None:
    """'+2d 10:00' → the date two days from now at 10:00, as the CLI would be given it."""
    if spec is None or not spec.startswith("+"):
        return spec
    days, clock = spec[1:].split("d ")
    day = time.strftime("%Y-%m-%d", time.localtime(wall() + int(days) * 86400))
    return f"{day} {clock}"


def run(root: Path, wall: Callable[[], float] = time.time) -> Iterator[DemoStep]:
    """Set up a node at ``root``, post the demo entries, settle two of them."""
    init_node(root, name="demo node", timezone="UTC", communities=COMMUNITIES,
              zones=ZONES, wall=wall)
    with open_node(root, wall=wall) as node:
        posted = []
        for post in POSTS:
            req = PostRequest(post.kind, post.text, post.category, post.community,
                              post.zone, post.urgency, _trade_time(post.when, wall),
                              post.expires)
            entry = node.post(req)
            posted.append(entry)
            yield DemoStep("posted", entry)
        yield DemoStep("fulfilled", node.close_entry(posted[1].code, "fulfilled"))
        yield DemoStep("withdrawn", node.close_entry(posted[3].code, "withdrawn"))


def board(root: Path, wall: Callable[[], float] = time.time) -> list[EntryView]:
    """The open entries, as the board shows them."""
    node: Node
    with open_node(root, wall=wall) as node:
        return node.board(BoardQuery())
