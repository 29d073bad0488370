"""`meshaid board` for the committee: alerts and critical needs first, a table that fits
the terminal (whole text with --wide), trade dates and expiry, node names, and the CSV,
markdown and JSON exports."""

from __future__ import annotations

import csv
import io
import json
import re
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from nacl.signing import SigningKey

from meshaid.cli.context import CliContext
from meshaid.cli.main import cli
from meshaid.node.services import PostRequest, init_node, open_node
from meshaid.protocol import timebase
from meshaid.protocol.record import Category, Kind, Urgency
from recordgen import Signer

START = 1_796_000_000.0
LONG = ("generator running in the Magnolia lot 4-9pm, bring your own cords and a chair; "
        "phones, CPAP and fridges first")
TRICKY = 'tarps | rope, "heavy" ones; call at the back door\\side gate <b>now</b>'


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now

    def advance(self, minutes: int) -> None:
        self.now += 60 * minutes


@pytest.fixture
def home(tmp_path: Path) -> tuple[Path, Clock]:
    """Posts a minute apart, oldest first: a need, an offer, a critical need, a trade, an
    alert, a long offer, a tricky offer; and one entry of another node, "church hall"."""
    clock = Clock()
    home = tmp_path / "home"
    init_node(home, name="north porch", timezone="America/Chicago",
              communities=("Magnolia Flats", "Riverside"), zones=("north block",),
              wall=clock, new_key=lambda: SigningKey(b"\x31" * 32))
    with open_node(home, wall=clock) as node:
        for req in (
            PostRequest("need", "2 cases of water", category="water"),
            PostRequest("offer", "rice and beans, 20 plates", category="food",
                        community="Riverside"),
            PostRequest("need", "insulin cooler, power out", category="medicine",
                        urgency="critical"),
            PostRequest("trade", "seed swap at the church hall", when="2026-12-05 10:00"),
            PostRequest("alert", "boil water notice", category="water", zone="north block"),
            PostRequest("offer", LONG, category="energy"),
            PostRequest("offer", TRICKY, category="shelter"),
        ):
            node.post(req)
            clock.advance(1)
        peer = Signer(78)
        node.store.add_key(peer.public_key, "church hall")
        assert node.store.apply(peer.create(
            "blankets at the hall", kind=Kind.OFFER, category=Category.SHELTER,
            created=timebase.to_minutes(clock.now) - 30, urgency=Urgency.NORMAL)).accepted
    return home, clock


def board(home: tuple[Path, Clock], *args: str, columns: int = 100) -> str:
    runner = CliRunner(env={"MESHAID_SERVICE": None, "COLUMNS": str(columns)})
    result = runner.invoke(cli, ["--home", str(home[0]), "board", *args],
                           obj=CliContext(wall=home[1], busy_timeout_ms=50),
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_alerts_and_critical_needs_come_first_then_newest(home: tuple[Path, Clock]) -> None:
    texts = [e["text"] for e in json.loads(board(home, "--json"))]
    assert texts == [
        "boil water notice", "insulin cooler, power out",  # newest first among them
        TRICKY, LONG, "seed swap at the church hall", "rice and beans, 20 plates",
        "2 cases of water", "blankets at the hall",
    ]
    # The same order a page at a time, across the boundary between the two parts.
    paged = [e["text"] for p in (1, 2, 3)
             for e in json.loads(board(home, "--json", "--limit", "3", "--page", str(p)))]
    assert paged == texts
    assert [e["text"] for e in json.loads(board(home, "--all", "--json"))] == texts


@pytest.mark.parametrize("columns", [60, 80, 120])
def test_the_table_fits_the_terminal(home: tuple[Path, Clock], columns: int) -> None:
    out = board(home, columns=columns)
    lines = out.splitlines()
    assert all(len(line) <= columns for line in lines), out
    assert lines[0].startswith("CODE  KIND") and lines[0].endswith("TEXT")
    assert "EXPIRES" in lines[0]
    long_line = next(line for line in lines if "generator" in line)
    assert long_line.endswith("…") and LONG not in out


def test_wide_shows_every_column_and_the_whole_text(home: tuple[Path, Clock]) -> None:
    out = board(home, "--wide", columns=60)
    head = out.splitlines()[0].split()
    assert head == ["CODE", "KIND", "CATEGORY", "URGENCY", "STATUS", "COMMUNITY", "ZONE",
                    "BY", "POSTED", "WHEN", "EXPIRES", "TEXT"]
    assert LONG in out
    trade = next(line for line in out.splitlines() if "seed swap" in line)
    assert "12-05 10:00" in trade  # the trade's date
    hall = next(line for line in out.splitlines() if "blankets" in line)
    assert "church hall" in hall  # the other node by its name, not its hex origin
    assert "this node" in trade


def test_csv_holds_every_field_and_the_exact_text(home: tuple[Path, Clock]) -> None:
    out = board(home, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    assert [r["text"] for r in rows][:2] == ["boil water notice", "insulin cooler, power out"]
    tricky = next(r for r in rows if r["category"] == "shelter" and r["by"] == "this node")
    assert tricky["text"] == TRICKY
    assert next(r for r in rows if r["kind"] == "trade")["when"] == "2026-12-05 10:00"
    assert {r["by"] for r in rows} == {"this node", "church hall"}
    assert len(rows) == 8


def test_markdown_is_a_pipe_table_with_pipes_escaped(home: tuple[Path, Clock]) -> None:
    lines = board(home, "--format", "markdown").splitlines()
    assert lines[0].startswith("| code | kind |") and lines[1].startswith("|---|")
    width = lines[0].count(" | ") + 1
    for line in lines[2:]:
        cells = re.split(r"(?<!\\)\|", line.strip())[1:-1]  # split on unescaped pipes
        assert len(cells) == width, line
    tricky = next(line for line in lines if "tarps" in line)
    assert "tarps \\| rope" in tricky and "door\\\\side" in tricky
    assert "&lt;b&gt;now&lt;/b&gt;" in tricky and "<b>" not in tricky


def test_json_alias_and_the_note_on_a_longer_board(home: tuple[Path, Clock]) -> None:
    assert board(home, "--json") == board(home, "--format", "json")
    first = json.loads(board(home, "--json"))[0]
    assert first["by"] == "this node" and first["kind"] == "alert"
    out = board(home, "--limit", "5")
    assert len(out.splitlines()) == 7 and out.splitlines()[-1] == (
        "Showing 1-5 of 8 entries; --page 2 for the next 5, --all for every one.")


def test_other_nodes_go_by_their_roster_names(tmp_path: Path) -> None:
    from membership_kit import carry, form, new_node

    from meshaid.node.committee.names import node_names

    founder, other = new_node(tmp_path / "a", "north porch"), new_node(tmp_path / "b",
                                                                        "south porch")
    try:
        form(founder, [other])
        other.post(PostRequest("offer", "spare tarps", category="shelter"))
        carry(other, [founder])
        assert node_names(founder)[other.store.origin] == "south porch"
        home = (tmp_path / "a", Clock())
        home[1].now = time.time()
        (row,) = [r for r in csv.DictReader(io.StringIO(board(home, "--format", "csv")))
                  if r["text"] == "spare tarps"]
        assert row["by"] == "south porch" and row["origin"] == f"{other.store.origin:08x}"
    finally:
        founder.close()
        other.close()
