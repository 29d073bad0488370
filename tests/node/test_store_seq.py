"""Sequence numbers are never reused, even across crashes; the node clock never goes back."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from nacl.signing import SigningKey

from meshaid.node.clock import CLOCK_FLOOR, NodeClock
from meshaid.node.errors import InputError
from meshaid.node.store.board import BoardStore
from meshaid.protocol import timebase
from meshaid.protocol.record import Category, Kind, RecordBody, sign

KEY = SigningKey(bytes([42]) * 32)


def need(store: BoardStore, text: str) -> Any:
    def build(seq: int, now: int) -> RecordBody:
        return RecordBody(
            origin=store.origin,
            seq=seq,
            kind=Kind.NEED,
            category=Category.FOOD,
            text=text,
            created=now,
        )

    return build


class Crash(Exception):
    pass


def test_a_crash_before_commit_leaves_no_record_and_no_gap(make_store: Any) -> None:
    store = make_store(key=KEY)
    store.create(need(store, "one"))

    def crash() -> None:
        raise Crash

    store.commit_hooks.before.append(crash)
    try:
        with pytest.raises(Crash):
            store.create(need(store, "lost"))
    finally:
        store.commit_hooks.before.remove(crash)
    # The signed record never reached the disk nor anyone else: its number is still free.
    assert [r.body.text for r in store.records_of(store.origin)] == ["one"]
    assert store.next_seq() == 2
    assert store.create(need(store, "two")).body.seq == 2


def test_a_refused_post_uses_no_number(make_store: Any) -> None:
    store = make_store(key=KEY)

    def refuse(seq: int, now: int) -> RecordBody:
        raise InputError("no")

    with pytest.raises(InputError):
        store.create(refuse)
    assert store.next_seq() == 1
    assert store.counters() == {}


CHILD = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from nacl.signing import SigningKey
    from meshaid.node.clock import NodeClock
    from meshaid.node.store.board import BoardStore
    from meshaid.protocol.record import Category, Kind, RecordBody

    store = BoardStore.open(Path(sys.argv[1]), SigningKey(bytes([42]) * 32), NodeClock())

    def build(seq, now):
        return RecordBody(origin=store.origin, seq=seq, kind=Kind.NEED,
                          category=Category.FOOD, text=f"post {seq}", created=now)

    store.create(build)
    store.create(build)
    if sys.argv[2] == "before-commit":
        store.commit_hooks.before.append(lambda: os._exit(9))
    else:
        store.commit_hooks.after.append(lambda: os._exit(9))
    store.create(build)
    sys.exit(0)
    """
)


@pytest.mark.parametrize(("when", "kept"), [("before-commit", 2), ("after-commit", 3)])
def test_a_killed_process_never_leads_to_a_reused_seq(
    make_store: Any, tmp_path: Path, when: str, kept: int
) -> None:
    path = tmp_path / "board.sqlite3"
    make_store(key=KEY).close()
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), when], capture_output=True, timeout=60
    )
    assert done.returncode == 9, done.stderr.decode()

    check = sqlite3.connect(path)
    try:
        assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        check.close()
    store = BoardStore.open(path, KEY, NodeClock())
    try:
        assert [r.body.seq for r in store.records_of(store.origin)] == list(range(1, kept + 1))
        assert store.next_seq() == kept + 1
        assert store.create(need(store, "after restart")).body.seq == kept + 1
    finally:
        store.close()


def test_seq_skips_past_own_records_heard_back_from_neighbours(make_store: Any, clock: Any) -> None:
    # A node restored from an old backup hears its later records again from others.
    store = make_store(key=KEY)
    store.add_key(bytes(KEY.verify_key), "this node")
    old = sign(
        RecordBody(
            origin=store.origin,
            seq=7,
            kind=Kind.OFFER,
            category=Category.FOOD,
            text="from before the restore",
            created=timebase.to_minutes(clock.now),
        ),
        KEY,
    )
    assert store.apply(old).outcome == "new"
    assert store.next_seq() == 8
    assert store.create(need(store, "after restore")).body.seq == 8


def test_clock_never_stamps_before_the_high_water_mark_or_the_floor(
    make_store: Any, tmp_path: Path, clock: Any
) -> None:
    store = make_store(key=KEY, wall=clock)
    stamped = store.create(need(store, "today")).body.created
    assert stamped == timebase.to_minutes(clock.now)
    store.close()

    # Power cut; the Pi boots with no real-time clock and thinks it is 1970.
    booted = [0.0]
    store = BoardStore.open(tmp_path / "board.sqlite3", KEY, NodeClock(lambda: booted[0]))
    try:
        assert store.create(need(store, "after reboot")).body.created == stamped
        booted[0] = clock.now + 3600  # network time came back
        assert store.create(need(store, "an hour on")).body.created == stamped + 60
    finally:
        store.close()


def test_a_new_node_in_1970_stamps_the_floor() -> None:
    assert NodeClock(lambda: 0.0).minute(0) == CLOCK_FLOOR
    assert timebase.from_minutes(CLOCK_FLOOR) == 1_767_225_600  # 2026-01-01T00:00Z
