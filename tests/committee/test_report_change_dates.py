"""The report dates a change to matched or fulfilled by when this node first stored the
record that made it, kept on the entry's row (``entries.status_seen``, migration 0007):
set when the change is merged, left alone by later records that do not move the status,
and filled for the rows a store held before the migration."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic import command
from nacl.signing import SigningKey

from meshaid.node.committee.reports import Report, build_report
from meshaid.node.services import init_node, open_node
from meshaid.node.store.database import alembic_config
from meshaid.protocol import timebase
from meshaid.protocol.record import Category, Kind, SignedRecord, Status
from recordgen import Signer

DAY = 24 * 60
NOW = timebase.to_minutes(1_796_000_000.0)  # the report's now (2026-11-30)


class Clock:
    def __init__(self, minute: int) -> None:
        self.now = timebase.from_minutes(minute)

    def __call__(self) -> float:
        return self.now

    def at(self, minute: int) -> None:
        self.now = timebase.from_minutes(minute)


def build(home: Path) -> tuple[Clock, dict[str, SignedRecord]]:
    """Needs and offers of a peer, each stored and later moved on this node's clock:
    ``posted`` names the entries, the clock says when this node stored each record."""
    clock = Clock(NOW - 61 * DAY)
    init_node(home, name="north porch", timezone="UTC", communities=("Riverside",),
              wall=clock, new_key=lambda: SigningKey(b"\x31" * 32))
    peer = Signer(41)
    posted: dict[str, SignedRecord] = {}

    def store(node: Any, minute: int, *records: SignedRecord) -> None:
        clock.at(minute)
        assert all(r.accepted for r in node.store.apply_all(list(records)))

    def post(name: str, kind: Kind, category: Category, created: int) -> SignedRecord:
        posted[name] = peer.create(f"{name} text", kind=kind, category=category,
                                   community=1, created=created, lifetime=90 * DAY)
        return posted[name]

    with open_node(home, wall=clock) as node:
        node.store.add_key(peer.public_key, "church hall")
        # Stored 60 days ago: an offer matched 35 days ago (before the month) and a need
        # fulfilled 2 days ago (an old entry, changed within the month).
        store(node, NOW - 60 * DAY,
              post("old offer", Kind.OFFER, Category.FOOD, NOW - 60 * DAY),
              post("old need", Kind.NEED, Category.WATER, NOW - 60 * DAY))
        store(node, NOW - 35 * DAY, peer.change(posted["old offer"], 1, status=Status.MATCHED))
        store(node, NOW - 10 * DAY, post("need", Kind.NEED, Category.FOOD, NOW - 10 * DAY))
        store(node, NOW - 3 * DAY, peer.change(posted["need"], 1, status=Status.MATCHED))
        store(node, NOW - 2 * DAY, peer.change(posted["old need"], 1, status=Status.FULFILLED))
        # A newer text for the matched need, its status unchanged (open ranks below
        # matched): its change is still dated three days ago.
        store(node, NOW - 1 * DAY,
              peer.change(posted["need"], 2, text="need text, 4 bags", status=Status.OPEN))
    clock.at(NOW)
    return clock, posted


@pytest.fixture
def board(tmp_path: Path) -> tuple[Path, Clock, dict[str, SignedRecord]]:
    home = tmp_path / "home"
    return (home, *build(home))


def status_seen(home: Path, clock: Clock) -> dict[str, int]:
    with open_node(home, wall=clock) as node, node.store.reading() as conn:
        return dict(conn.execute("SELECT text, status_seen FROM entries"))


def changes(r: Report) -> tuple[Any, ...]:
    return ([(f.category, f.matched, f.fulfilled) for f in r.flowed],
            [(w.category, w.median_minutes, w.needs) for w in r.waits],
            [s.text for s in r.stories], r.stories_total)


def test_the_entry_row_keeps_when_its_status_changed(
        board: tuple[Path, Clock, dict[str, SignedRecord]]) -> None:
    home, clock, _posted = board
    assert status_seen(home, clock) == {
        "old offer text": NOW - 35 * DAY, "old need text": NOW - 2 * DAY,
        "need text, 4 bags": NOW - 3 * DAY}


def test_the_month_counts_and_dates_the_changes_made_in_it(
        board: tuple[Path, Clock, dict[str, SignedRecord]]) -> None:
    home, clock, _posted = board
    with open_node(home, wall=clock) as node:
        month, week = build_report(node, "month"), build_report(node, "week")
    # The offer matched 35 days ago is outside both; the old need waited 58 days.
    assert changes(month) == (
        [("food", 1, 0), ("water", 0, 1)],
        [("food", 7.0 * DAY, 1), ("water", 58.0 * DAY, 1)],
        ["old need text"], 1)
    assert changes(week) == changes(month)
    assert month.wait_all is not None and month.wait_all.median_minutes == 32.5 * DAY


def test_the_report_reads_the_date_on_the_entry_row(
        board: tuple[Path, Clock, dict[str, SignedRecord]]) -> None:
    home, clock, posted = board
    with open_node(home, wall=clock) as node:
        with node.store.writing() as cur:
            # Had the report looked up the record, the need would have waited 9 days.
            cur.execute("UPDATE records SET first_seen = ? WHERE first_seen = ?",
                        (NOW - 1 * DAY, NOW - 3 * DAY))
        assert build_report(node, "month").waits[0].median_minutes == 7.0 * DAY
        with node.store.writing() as cur:
            cur.execute("UPDATE entries SET status_seen = ? WHERE seq = ?",
                        (NOW - 50 * DAY, posted["need"].body.seq))
        month = build_report(node, "month")
    assert [(f.category, f.matched) for f in month.flowed] == [("water", 0)]


def test_a_store_migrated_from_0006_reports_the_same_changes(
        board: tuple[Path, Clock, dict[str, SignedRecord]]) -> None:
    home, clock, _posted = board
    seen = status_seen(home, clock)
    with open_node(home, wall=clock) as node:
        before = changes(build_report(node, "month"))
        config = alembic_config(node.store.db)
        command.downgrade(config, "0006")
        with node.store.reading() as conn:
            columns = {row[1] for row in conn.execute("PRAGMA table_info(entries)")}
        assert "status_seen" not in columns and "status" in columns
    # Opening the store takes it to the newest revision again, the column filled from
    # the records this node held.
    assert status_seen(home, clock) == seen
    with open_node(home, wall=clock) as node:
        assert changes(build_report(node, "month")) == before
