"""`meshaid print`: the open board as a page: alerts on top, kinds grouped by category,
codes to answer by radio, the texts the phone desk reads, and PDF only with a browser."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from nacl.signing import SigningKey

from meshaid.cli import printing
from meshaid.cli.context import CliContext
from meshaid.cli.main import cli
from meshaid.node.committee.words import PHONE_EXAMPLES
from meshaid.node.phone import Intent, parse
from meshaid.node.services import PostRequest, init_node, open_node

START = 1_796_000_000.0
MEANT = {  # what each line of the box is meant to do, as the desk's intents
    "en": [Intent.POST_NEED, Intent.POST_OFFER, Intent.POST_TRADE, Intent.POST_ALERT,
           Intent.LIST, Intent.REPLY, Intent.CLOSE, Intent.HELP],
}
MEANT["es"] = MEANT["en"]


@pytest.fixture
def home(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    home = tmp_path / "home"
    init_node(home, name="north porch", timezone="UTC", communities=("Magnolia Flats",),
              wall=lambda: START, new_key=lambda: SigningKey(b"\x51" * 32))
    codes = {}
    with open_node(home, wall=lambda: START) as node:
        for req in (
            PostRequest("offer", "pots of beans <hot>", category="food"),
            PostRequest("need", "rice & beans for 4", category="food"),
            PostRequest("need", "ride to the clinic", category="transport", urgency="critical"),
            PostRequest("alert", "gas leak on Oak St", category="safety"),
            PostRequest("offer", "closed one", category="food"),
        ):
            codes[req.text] = node.post(req).code
        node.close_entry(codes["closed one"], "fulfilled")
    return home, codes


def printed(home: Path, *args: str) -> str:
    result = CliRunner(env={"MESHAID_SERVICE": None}).invoke(
        cli, ["--home", str(home), "print", *args], obj=CliContext(wall=lambda: START),
        catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_alerts_on_top_then_kinds_grouped_with_codes(home: tuple[Path, dict[str, str]]) -> None:
    path, codes = home
    page = printed(path)
    assert page.startswith("<!DOCTYPE html>") and "@page" in page and "@media" in page
    order = [page.index(s) for s in ("Alerts", "Needs", "Offers", "How to post by text")]
    assert order == sorted(order)
    for text in ("gas leak on Oak St", "ride to the clinic", "rice &amp; beans for 4",
                 "pots of beans &lt;hot&gt;"):
        assert text in page  # escaped for HTML
    for text, code in codes.items():
        assert (f"<td>{code}</td>" in page) == (text != "closed one")
    needs = page[page.index("Needs"):page.index("Offers")]
    assert needs.index("food") < needs.index("rice &amp;") < needs.index("transport") < (
        needs.index("(!) ride to the clinic"))  # grouped by category, critical marked
    assert "Trades" not in page  # no trade on the board
    for message, _does in PHONE_EXAMPLES["en"]:
        assert message in page


def test_spanish_and_both(home: tuple[Path, dict[str, str]]) -> None:
    spanish = printed(home[0], "--lang", "es")
    assert "Tablero de ayuda mutua" in spanish and "Necesidades" in spanish
    assert "Mutual aid board" not in spanish and "comida" in spanish
    both = printed(home[0], "--lang", "both")
    assert "Mutual aid board / Tablero de ayuda mutua" in both
    assert "How to post by text" in both and "Cómo publicar por mensaje" in both


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_box_says_what_the_phone_desk_reads(lang: str) -> None:
    for (message, _does), intent in zip(PHONE_EXAMPLES[lang], MEANT[lang], strict=True):
        assert parse(message, default_lang=lang).intent is intent, message


def test_pdf_needs_a_browser(home: tuple[Path, dict[str, str]], tmp_path: Path,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(printing.shutil, "which", lambda _name: None)
    result = CliRunner().invoke(cli, ["--home", str(home[0]), "print", "--out",
                                      str(tmp_path / "board.pdf")],
                                obj=CliContext(wall=lambda: START))
    assert result.exit_code != 0 and "apt-get install chromium" in result.output
    out = tmp_path / "board.html"
    printed(home[0], "--out", str(out))
    assert "gas leak on Oak St" in out.read_text("utf-8")
