"""`meshaid map`: the counts of each community and category, in the terminal table, in
the SVG chart (which must say the same numbers, readable without colour) and as PNG."""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner
from nacl.signing import SigningKey

from meshaid.cli.context import CliContext
from meshaid.cli.main import cli
from meshaid.cli.needs_map import PNG_MISSING, svg_to_png
from meshaid.node.committee.needs_map import as_svg, build_map
from meshaid.node.committee.words import words
from meshaid.node.errors import InputError
from meshaid.node.services import PostRequest, init_node, open_node

START = 1_796_000_000.0
SVG = "{http://www.w3.org/2000/svg}"


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def home(tmp_path: Path) -> tuple[Path, Clock]:
    """Magnolia Flats: 3 food offers, 1 food need, 2 childcare needs (one expires unmet
    in two days). Riverside: 1 water offer. Then the clock moves on four days."""
    clock = Clock()
    home = tmp_path / "home"
    init_node(home, name="north porch", timezone="UTC",
              communities=("Magnolia Flats", "Riverside"), wall=clock,
              new_key=lambda: SigningKey(b"\x41" * 32))
    with open_node(home, wall=clock) as node:
        for _ in range(3):
            node.post(PostRequest("offer", "pots of beans", category="food"))
        node.post(PostRequest("need", "rice for 4", category="food"))
        node.post(PostRequest("need", "sitter friday", category="childcare"))
        node.post(PostRequest("need", "sitter today", category="childcare", expires="2d"))
        node.post(PostRequest("offer", "jugs of water", category="water",
                              community="Riverside"))
    clock.now += 4 * 86400
    return home, clock


def run(home: tuple[Path, Clock], *args: str) -> str:
    result = CliRunner(env={"MESHAID_SERVICE": None}).invoke(
        cli, ["--home", str(home[0]), "map", *args],
        obj=CliContext(wall=home[1], busy_timeout_ms=50), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_the_counts(home: tuple[Path, Clock]) -> None:
    with open_node(home[0], wall=home[1]) as node:
        m = build_map(node)
    assert [label for _n, label in m.communities] == ["Magnolia Flats", "Riverside"]
    assert m.categories == ["food", "water", "childcare"]
    assert (m.cell("food", 1).offers, m.cell("food", 1).needs) == (3, 1)
    child = m.cell("childcare", 1)
    assert (child.offers, child.open_needs, child.unmet, child.short) == (0, 1, 1, True)
    assert (m.cell("water", 2).offers, m.cell("water", 2).needs) == (1, 0)
    assert m.cell("water", 1) == m.cell("food", 2)  # empty cells


def test_the_table_in_the_terminal(home: tuple[Path, Clock]) -> None:
    lines = run(home).splitlines()
    assert lines[0].split() == ["category", "Magnolia", "Flats", "Riverside"]
    assert lines[1].split() == ["food", "3/1", "0/0"]
    assert lines[2].split() == ["water", "0/0", "1/0"]
    assert lines[3].split() == ["childcare", "0/2", "▲", "0/0"]
    spanish = run(home, "--lang", "es")
    assert "cuidado de niños" in spanish and "ofertas/necesidades" in spanish
    data = json.loads(run(home, "--json"))
    assert {"category": "childcare", "community": "Magnolia Flats", "offers": 0,
            "open_needs": 1, "unmet": 1} in data["cells"]


def test_the_svg_holds_the_same_numbers_and_needs_no_colour(home: tuple[Path, Clock],
                                                            tmp_path: Path) -> None:
    out = tmp_path / "map.svg"
    run(home, "--out", str(out), "--lang", "both")
    root = ET.fromstring(out.read_text("utf-8"))
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "Needs map / Mapa de necesidades" in texts
    assert "childcare / cuidado de niños" in texts
    assert texts.count("3") >= 1 and texts.count("2") >= 1 and texts.count("1") >= 2
    fills = {r.get("fill") for r in root.iter(f"{SVG}rect")}
    # Offers hatched, needs solid black, the rest white or light grey: no colour.
    assert fills <= {"url(#hatch)", "#000", "#fff", "#f0f0f0"}
    assert root.find(f".//{SVG}pattern[@id='hatch']") is not None
    triangles = [p for p in root.iter(f"{SVG}path")]
    assert len(triangles) == 2  # the short childcare cell, and the legend's


def test_png(home: tuple[Path, Clock], tmp_path: Path) -> None:
    pytest.importorskip("cairosvg")
    out = tmp_path / "map.png"
    run(home, "--month", "--out", str(out))
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_png_without_cairosvg_is_one_clear_error(home: tuple[Path, Clock], tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "cairosvg", None)  # import fails as when not installed
    with open_node(home[0], wall=home[1]) as node:
        svg = as_svg(build_map(node), [words("en")])
    with pytest.raises(InputError, match="cairosvg"):
        svg_to_png(svg, tmp_path / "x.png")
    result = CliRunner().invoke(cli, ["--home", str(home[0]), "map", "--out",
                                      str(tmp_path / "x.png")], obj=CliContext(wall=home[1]))
    assert result.exit_code != 0 and PNG_MISSING in result.output
    bad = CliRunner().invoke(cli, ["--home", str(home[0]), "map", "--out", "x.txt"],
                             obj=CliContext(wall=home[1]))
    assert bad.exit_code == 2 and ".svg or .png" in bad.output


def test_any_community_number_heard_on_air_is_counted_as_itself(
        home: tuple[Path, Clock]) -> None:
    from meshaid.protocol import timebase
    from meshaid.protocol.record import Category, Kind
    from recordgen import Signer

    peer = Signer(79)
    with open_node(home[0], wall=home[1]) as node:
        node.store.add_key(peer.public_key, "far node")
        rec = peer.create("tarps", kind=Kind.OFFER, category=Category.SHELTER,
                          community=4_000_000_000,
                          created=timebase.to_minutes(home[1].now) - 5)
        assert node.store.apply(rec).accepted
        m = build_map(node)
    assert (4_000_000_000, "#4000000000") in m.communities
    assert m.cell("shelter", 4_000_000_000).offers == 1
    assert m.cell("food", 1).offers == 3  # the others unchanged
