"""The demo neighbourhood: four node daemons on fake radios, residents texting from phones.

Nodes A, B, C and D stand in a line, each radio hearing only the next one, over a lossy
simulated LoRa mesh (meshaid.node.sim.neighbourhood). Residents next to A, B, C and D text
posts to their node, as they would from the Meshtastic app; each node's phone desk takes
them, signs them and answers with a code, and the daemons gossip the records along the
line. ``run`` yields what happens, second by second, for the CLI to show; everything it
started is stopped when it finishes or is closed early (Ctrl-C).

Nothing is mocked above the radio: the daemons are ``meshaid run`` processes, the stores
are real SQLite files, the records are signed and verified at every node.
"""

from __future__ import annotations

import time
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

from meshaid.hardware.fake_radio.mesh_air import MeshAirCounters
from meshaid.node.errors import NodeError
from meshaid.node.services import BoardQuery, open_node
from meshaid.node.sim.neighbourhood import Neighbourhood, NodeSpec
from meshaid.node.store.views import EntryView

COMMUNITIES = ("Riverside Commons", "Old Mill")
ZONES = ("Ash & 3rd", "laundromat lot", "school gate", "Mill Rd bridge")
NODES = (NodeSpec("A"), NodeSpec("B", serial=True), NodeSpec("C"), NodeSpec("D"))
VIEWER = "D"  # whose board is printed at the end: the far end of the line from A
PRESET = "LONG_FAST"  # the fake radios' modem preset (their default)

CONNECT_TIMEOUT = 30.0
# From the first post; the demo stops here even if not all arrived. It stops as soon as
# every node holds every post (20-60 s without loss, 43-100 s in 9 runs of 10 at the default
# 10 %): the joined nodes get the roster over the air first, hop by hop, and refuse the
# others' posts until then (they keep the last few and take them once it names them).
MAX_SECONDS = 120.0
POST_EVERY = 2.0  # seconds between residents' texts


@dataclass(frozen=True)
class ResidentText:
    """What a resident next to ``node`` texts to it, ``at`` seconds into the demo."""

    node: str
    text: str


# What residents of a made-up neighbourhood text the morning after a storm; phrased as
# people type (meshaid.node.phone.intents reads them).
TEXTS = (
    ResidentText("A", "need 2 tarps for roof, leaking"),
    ResidentText("D", "offer generator on till 9pm, 4 outlets. phones + cpap first"),
    ResidentText("B", "ALERT Mill Rd bridge flooded, cars stuck. go round by the school"),
    ResidentText("C", "need ride to clinic tomorrow 8am, wheelchair folds"),
    ResidentText("A", "have extra blankets if anyone needs"),
    ResidentText("D", "need insulin cooler power out"),
)


@dataclass(frozen=True)
class Setup:
    nodes: tuple[str, ...]
    serial: tuple[str, ...]  # nodes whose daemon reaches its radio over a serial port
    loss: float
    time_scale: float
    preset: str
    root: Path


@dataclass(frozen=True)
class Connected:
    seconds: float  # from the start until every daemon had its radio


@dataclass(frozen=True)
class Texted:
    t: float
    node: str
    text: str


@dataclass(frozen=True)
class Answered:
    t: float
    node: str
    text: str  # the node's answer, as the phone shows it


@dataclass(frozen=True)
class Progress:
    t: float
    records: dict[str, int | None]  # per node; None while its daemon does not answer


@dataclass(frozen=True)
class Finished:
    t: float
    complete: bool  # every node holds every resident's post
    viewer: str
    board: list[EntryView]
    air: MeshAirCounters
    exit_codes: dict[str, int | None]


DemoEvent = Setup | Connected | Texted | Answered | Progress | Finished


def run(
    root: Path, *, loss: float = 0.1, time_scale: float = 10.0, seed: int = 1,
) -> Generator[DemoEvent, None, None]:
    """Set up the neighbourhood under ``root``, run the residents' texts, then stop it.

    NodeError when the daemons do not come up. Closing the iterator early stops them too.
    """
    hood = Neighbourhood(root, NODES, loss=loss, time_scale=time_scale, seed=seed,
                         communities=COMMUNITIES, zones=ZONES)
    finished = False
    try:
        yield Setup(tuple(n.name for n in NODES), tuple(n.name for n in NODES if n.serial),
                    loss, time_scale, PRESET, root)
        began = time.monotonic()
        hood.start()
        hood.wait_connected(CONNECT_TIMEOUT)
        yield Connected(time.monotonic() - began)
        start = time.monotonic()
        texts = list(TEXTS)
        answered: dict[str, int] = {n.name: 0 for n in NODES}
        next_text = 0.0
        next_tick = 1.0
        while True:
            t = time.monotonic() - start
            if texts and t >= next_text:
                item = texts.pop(0)
                hood.phone(item.node).send_text(item.text)
                next_text = t + POST_EVERY
                yield Texted(t, item.node, item.text)
            for spec in NODES:
                got = hood.phone(spec.name).texts()
                for reply in got[answered[spec.name]:]:
                    yield Answered(reply.at - start, spec.name, reply.text)
                answered[spec.name] = len(got)
            if t >= next_tick:
                next_tick += 1.0
                records = hood.counts()
                yield Progress(t, records)
                if not texts and all(n == len(TEXTS) for n in records.values()):
                    complete = True
                    break
                if t >= MAX_SECONDS:
                    complete = all(n == len(TEXTS) for n in records.values())
                    break
                if hood.exited():
                    names = ", ".join(n.name for n in hood.exited())
                    raise NodeError(f"daemon {names} stopped:\n{hood.tail_logs()}")
            time.sleep(0.1)
        t = time.monotonic() - start
        codes = hood.close()
        with open_node(root / VIEWER) as node:
            board = node.board(BoardQuery())
        finished = True
        yield Finished(t, complete, VIEWER, board, hood.air.counters, codes)
    finally:
        if not finished:
            hood.close()
