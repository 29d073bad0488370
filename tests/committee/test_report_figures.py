"""`meshaid report`: the five figures on a board whose every entry and date is known,
in English, Spanish and both, as text that fits 80 columns, markdown, HTML and JSON."""

from __future__ import annotations

import html.parser
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from nacl.signing import SigningKey

from meshaid.cli.context import CliContext
from meshaid.cli.main import cli
from meshaid.node.committee.reports import build_report
from meshaid.node.services import init_node, open_node
from meshaid.protocol import timebase
from meshaid.protocol.record import Category, Kind, SignedRecord, Status, Urgency
from recordgen import Signer

DAY = 24 * 60
START = 1_796_000_000.0  # 2026-11-30 (UTC), the report's "now"


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


def at(minute: int) -> float:
    return timebase.from_minutes(minute)


def build(home: Path) -> tuple[Clock, dict[str, int]]:
    """A board of a peer node ("church hall"): offers and needs in two communities, with
    their dates and changes. Returns the clock (at the report's now) and the peer's seqs."""
    clock = Clock()
    now = timebase.to_minutes(START)
    clock.now = at(now - 21 * DAY)  # a node's clock never goes back: start it early
    init_node(home, name="north porch", timezone="UTC",
              communities=("Magnolia Flats", "Riverside"), wall=clock,
              new_key=lambda: SigningKey(b"\x21" * 32))
    peer = Signer(77)
    seqs: dict[str, int] = {}

    def post(name: str, kind: Kind, category: Category, community: int, age_days: float,
             **extra: Any) -> SignedRecord:
        rec = peer.create(f"{name} text", kind=kind, category=category, community=community,
                          created=now - int(age_days * DAY), **extra)
        seqs[name] = rec.body.seq
        return rec

    def change(name: str, kind: Kind, category: Category, community: int, age_days: float,
               status: Status) -> SignedRecord:
        return peer.make(text=f"{name} text", kind=kind, category=category,
                         community=community, created=now - int(age_days * DAY),
                         entry_seq=seqs[name], version=1, status=status)

    # Stored three weeks ago (this node's clock then): posts of the period before.
    clock.now = at(now - 20 * DAY)
    early = [
        post("old need", Kind.NEED, Category.FOOD, 1, 20),  # 14-day need: expired 6 days ago
        post("older need", Kind.NEED, Category.WATER, 2, 20, lifetime=3 * DAY),  # 17 days ago
        post("old offer", Kind.OFFER, Category.FOOD, 1, 10, lifetime=40 * DAY),  # still open
    ]
    clock.now = at(now - 3 * DAY)
    week = [
        post("need a", Kind.NEED, Category.FOOD, 1, 2),
        post("need b", Kind.NEED, Category.FOOD, 1, 1, urgency=Urgency.CRITICAL),
        post("need c", Kind.NEED, Category.WATER, 2, 3.5),
        post("offer a", Kind.OFFER, Category.WATER, 2, 2),
        post("offer b", Kind.OFFER, Category.WATER, 2, 1),
        post("trade soon", Kind.TRADE, Category.FOOD, 1, 1, when=now + 3 * DAY),
        post("trade later", Kind.TRADE, Category.FOOD, 1, 1, when=now + 10 * DAY),
    ]
    with open_node(home, wall=clock) as node:
        node.store.add_key(peer.public_key, "church hall")
        assert all(r.accepted for r in node.store.apply_all(early + week))
        clock.now = at(now - 2 * DAY)  # need c met a day and a half after it was posted
        assert node.store.apply(change("need c", Kind.NEED, Category.WATER, 2, 3.5,
                                       Status.FULFILLED)).accepted
        clock.now = at(now - 1 * DAY)
        assert node.store.apply(change("need a", Kind.NEED, Category.FOOD, 1, 2,
                                       Status.MATCHED)).accepted
    clock.now = START
    return clock, seqs


@pytest.fixture
def board(tmp_path: Path) -> tuple[Path, Clock]:
    home = tmp_path / "home"
    clock, _seqs = build(home)
    return home, clock


def test_weekly_figures_on_a_known_board(board: tuple[Path, Clock]) -> None:
    home, clock = board
    with open_node(home, wall=clock) as node:
        r = build_report(node, "week")
    assert r.period.days == 7 and r.community is None
    assert [(f.category, f.community, f.matched, f.fulfilled) for f in r.flowed] == [
        ("food", "Magnolia Flats", 1, 0), ("water", "Riverside", 0, 1)]
    rows = {(m.category, m.community): (m.open_needs, m.unmet, m.open_offers)
            for m in r.missing}
    # need a is matched (not open), need b open; the old food need expired unmet 6 days
    # ago; the older water need 17 days ago, outside the week.
    assert rows == {("food", "Magnolia Flats"): (1, 1, 1)}
    assert r.missing[0].short
    assert r.wait_all is not None and (r.wait_all.median_minutes, r.wait_all.needs) == (
        1.25 * DAY, 2)
    assert {w.category: w.median_minutes for w in r.waits} == {"food": DAY, "water": 1.5 * DAY}
    assert [(d.text, d.at.day) for d in r.scheduled] == [("trade soon text", 3)]
    assert [(d.text, d.kind, d.category) for d in r.stories] == [
        ("need c text", "need", "water")]
    changed = {c.category: (c.needs_before, c.needs_now, c.offers_before, c.offers_now)
               for c in r.changed}
    assert changed == {"food": (0, 2, 1, 0), "water": (0, 1, 0, 2)}


def test_monthly_figures_and_one_community(board: tuple[Path, Clock]) -> None:
    home, clock = board
    with open_node(home, wall=clock) as node:
        month = build_report(node, "month")
        riverside = build_report(node, "month", community="Riverside")
    rows = {(m.category, m.community): (m.open_needs, m.unmet) for m in month.missing}
    assert rows == {("food", "Magnolia Flats"): (1, 1), ("water", "Riverside"): (0, 1)}
    assert [d.text for d in month.scheduled] == ["trade soon text", "trade later text"]
    assert {c.category: (c.needs_now, c.offers_now) for c in month.changed} == {
        "food": (3, 1), "water": (2, 2)}
    assert riverside.community == "Riverside"
    assert [(f.category, f.fulfilled) for f in riverside.flowed] == [("water", 1)]
    assert riverside.scheduled == [] and [s.text for s in riverside.stories] == ["need c text"]


def invoke(home: Path, clock: Clock, *args: str) -> str:
    runner = CliRunner(env={"MESHAID_SERVICE": None})
    result = runner.invoke(cli, ["--home", str(home), *args],
                           obj=CliContext(wall=clock, busy_timeout_ms=50),
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_text_fits_80_columns_in_english_and_spanish(board: tuple[Path, Clock]) -> None:
    home, clock = board
    both = invoke(home, clock, "report", "--week", "--lang", "both")
    assert "Weekly report" in both and "Informe semanal" in both
    assert "Success stories" in both and "Historias de éxito" in both
    assert "comida" in both and "agua" in both  # categories in Spanish too
    assert "▲ more needs than offers" in both and "▲ más necesidades que ofertas" in both
    assert max(len(line) for line in both.splitlines()) <= 80
    spanish = invoke(home, clock, "report", "--month", "--lang", "es")
    assert "Informe mensual" in spanish and "Weekly" not in spanish
    assert "trade later text" in spanish


def test_markdown_html_and_json(board: tuple[Path, Clock]) -> None:
    home, clock = board
    md = invoke(home, clock, "report", "--week", "--format", "markdown")
    assert md.startswith("# Weekly report\n")
    assert "| food | 1 | 0 |" in md and "|---|---:|---:|" in md
    page = invoke(home, clock, "report", "--week", "--format", "html", "--lang", "both")
    assert "@page" in page and page.count('<div class="lang"') == 2

    class Tags(html.parser.HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.open: list[str] = []

        def handle_starttag(self, tag: str, attrs: Any) -> None:
            if tag not in ("meta",):
                self.open.append(tag)

        def handle_endtag(self, tag: str) -> None:
            assert self.open.pop() == tag

    tags = Tags()
    tags.feed(page)
    assert tags.open == []  # every element closed, in order
    data = json.loads(invoke(home, clock, "report", "--week", "--format", "json"))
    assert data["period"]["days"] == 7
    assert data["flowed"] == [
        {"category": "food", "community": "Magnolia Flats", "matched": 1, "fulfilled": 0},
        {"category": "water", "community": "Riverside", "matched": 0, "fulfilled": 1}]
    assert data["stories_total"] == 1


def test_a_period_is_needed(board: tuple[Path, Clock]) -> None:
    home, clock = board
    result = CliRunner().invoke(cli, ["--home", str(home), "report"],
                                obj=CliContext(wall=clock))
    assert result.exit_code == 2 and "give --week or --month" in result.output
