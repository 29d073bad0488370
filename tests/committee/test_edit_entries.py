"""Renewing and editing an entry: a new version that replaces it on every node."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from meshaid.cli.context import CliContext
from meshaid.cli.main import cli
from meshaid.node.committee import changes
from meshaid.node.errors import AlreadyClosedError, InputError
from meshaid.node.services import PostRequest, init_node, open_node


@pytest.fixture
def home(tmp_path: Path) -> Path:
    root = tmp_path / "home"
    init_node(root, name="north porch", timezone="UTC", zones=("north block", "Elm & 5th"))
    return root


def test_renew_and_edit_make_new_versions(home: Path) -> None:
    with open_node(home) as node:
        need = node.post(PostRequest("need", "tarp for the roof", category="shelter",
                                     expires="2d"))
        renewed = changes.renew(node, need.code, days=10)
        assert renewed.version == 1
        assert (renewed.expires - need.expires).days == 8
        edited = changes.edit(node, need.code, text="2 tarps for the roof", urgency="high",
                              zone="Elm & 5th")
        assert (edited.text, edited.urgency, edited.zone, edited.version) == (
            "2 tarps for the roof", "high", "Elm & 5th", 2)
        assert edited.expires == renewed.expires  # an edit keeps the renewal
        with pytest.raises(InputError, match="nothing to change"):
            changes.edit(node, need.code)
        with pytest.raises(InputError, match="unknown urgency"):
            changes.edit(node, need.code, urgency="asap")
        with pytest.raises(InputError, match=r"at most 90 days from posting: entry \w+ can "
                           r"live at most 90 more days"):
            changes.renew(node, need.code, days=120)
        with pytest.raises(InputError, match="already lives longer than 2 days"):
            changes.renew(node, need.code, days=2)
        node.close_entry(need.code, "fulfilled")
        with pytest.raises(AlreadyClosedError):
            changes.edit(node, need.code, text="again")


def test_the_commands(home: Path) -> None:
    runner = CliRunner()
    obj = CliContext(home=home)
    with open_node(home) as node:
        need = node.post(PostRequest("need", "necesito pañales para mi bebé",
                                     category="childcare", urgency="critical"))
        offer = node.post(PostRequest("offer", "diapers size 4", category="childcare"))
    listed = runner.invoke(cli, ["match"], obj=obj)
    assert listed.exit_code == 0, listed.output
    assert f"1. need {need.code} <-> offer {offer.code}" in listed.output
    assert "both say panales~diapers" in listed.output
    made = runner.invoke(cli, ["match", need.code, offer.code, "--json"], obj=obj)
    assert made.exit_code == 0, made.output
    assert '"state": "proposed"' in made.output
    bad = runner.invoke(cli, ["match", "confirm"], obj=obj)
    assert bad.exit_code == 2 and "give one match code" in bad.output
    missing = runner.invoke(cli, ["match", "undo", "ZZZZ"], obj=obj)
    assert missing.exit_code == 1 and "no match has code ZZZZ" in missing.output
    renewed = runner.invoke(cli, ["renew", need.code, "--days", "20"], obj=obj)
    assert renewed.exit_code == 0 and renewed.output.startswith(f"Renewed {need.code}")
    edited = runner.invoke(cli, ["edit", need.code, "--urgency", "high"], obj=obj)
    assert edited.exit_code == 0 and "(version 2)" in edited.output
    shown = runner.invoke(cli, ["show", need.code, "--json"], obj=obj)
    assert '"status": "matched"' in shown.output and '"urgency": "high"' in shown.output
