"""Fixtures for the board store tests: a hand-moved clock and fresh, migrated stores."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from nacl.signing import SigningKey

from meshaid.node.clock import NodeClock
from meshaid.node.services import Node, init_node, open_node
from meshaid.node.store.board import BoardStore
from meshaid.node.store.database import create_store_engine, migrate
from recordgen import SIGNERS

START = datetime(2026, 11, 21, 15, 0, tzinfo=UTC).timestamp()
NODE_KEY = SigningKey(bytes(range(32)))


class ManualClock:
    """A wall clock that moves only when told."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


StoreMaker = Callable[..., BoardStore]


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, empty database, copied for each fresh store to keep the tests fast."""
    path = tmp_path_factory.mktemp("template") / "board.sqlite3"
    engine = create_store_engine(path)
    migrate(engine)
    engine.dispose()  # the last connection to close checkpoints the WAL into the file
    return path


@pytest.fixture(scope="session")
def new_store(template_db: Path, tmp_path_factory: pytest.TempPathFactory) -> StoreMaker:
    """Makes a store at a path, for this node's key, knowing the keys of the first
    ``peers`` of recordgen.SIGNERS. Each set-up is made once and then copied."""
    prepared: dict[tuple[bytes, int], Path] = {}

    def make(
        path: Path,
        *,
        key: SigningKey = NODE_KEY,
        wall: Callable[[], float] | None = None,
        peers: int = len(SIGNERS),
    ) -> BoardStore:
        setup = (bytes(key), peers)
        if setup not in prepared:
            ready = tmp_path_factory.mktemp("prepared") / "board.sqlite3"
            shutil.copyfile(template_db, ready)
            store = BoardStore.open(ready, key, NodeClock(ManualClock()))
            store.bootstrap("this node")
            for signer in SIGNERS[:peers]:
                store.add_key(signer.public_key, f"peer {signer.origin:08x}")
            store.close()
            prepared[setup] = ready
        shutil.copyfile(prepared[setup], path)
        return BoardStore.open(path, key, NodeClock(wall or ManualClock()))

    return make


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def make_store(new_store: StoreMaker, tmp_path: Path) -> Iterator[StoreMaker]:
    """Like ``new_store``, in this test's directory, closed at the end of the test."""
    opened: list[BoardStore] = []

    def make(name: str = "board.sqlite3", **kwargs: object) -> BoardStore:
        store = new_store(tmp_path / name, **kwargs)
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


@pytest.fixture
def node(tmp_path: Path, clock: ManualClock) -> Iterator[Node]:
    """An initialised node home (Chicago time, two communities, two zones), opened, that
    accepts records from recordgen.SIGNERS."""
    home = tmp_path / "home"
    init_node(
        home,
        name="north porch",
        timezone="America/Chicago",
        communities=("Magnolia Flats", "Riverside"),
        zones=("north block", "Elm & 5th"),
        wall=clock,
        new_key=lambda: NODE_KEY,
    )
    with open_node(home, wall=clock) as opened:
        for signer in SIGNERS:
            opened.store.add_key(signer.public_key, f"peer {signer.origin:08x}")
        yield opened
