"""The neighbourhood commands as a committee member types them."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from meshaid.cli.context import CliContext
from meshaid.cli.main import cli


def run(home: Path, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(cli, list(args), obj=CliContext(home=home))
    assert result.exit_code == code, result.output
    return result.output


def homes(tmp_path: Path) -> tuple[Path, Path]:
    a, b = tmp_path / "a", tmp_path / "b"
    run(a, "init", "--name", "north porch", "--timezone", "UTC", "--new-neighbourhood",
        "Magnolia Flats")
    run(b, "init", "--name", "south porch", "--timezone", "UTC")
    return a, b


def test_founding_inviting_and_joining_by_commands(tmp_path: Path) -> None:
    a, b = homes(tmp_path)
    key = run(b, "key").strip()
    assert key.startswith("mk1-")
    out = tmp_path / "south.invite"
    invite = run(a, "members", "add-node", key, "--name", "south porch", "--out",
                 str(out)).splitlines()[0]
    assert invite.startswith("mi1-") and out.read_text().strip() == invite
    joined = run(b, "join", str(out))
    assert joined.startswith("joined neighbourhood ")
    data = json.loads(run(a, "members", "list", "--json"))
    assert data["name"] == "Magnolia Flats" and data["version"] == 2
    assert [(n["name"], n["committee"]) for n in data["nodes"]] == [
        ("north porch", True), ("south porch", False)]
    shown = run(a, "roster", "show")
    assert "neighbourhood 'Magnolia Flats'" in shown and "south porch" in shown
    log = json.loads(run(a, "roster", "log", "--json"))
    assert [r["version"] for r in log] == [1, 2]
    assert log[1]["signed_by"] == ["north porch"]


def test_a_committee_of_one_adds_a_radio_and_removes_a_node(tmp_path: Path) -> None:
    a, b = homes(tmp_path)
    key = run(b, "key").strip()
    run(a, "members", "add-node", key, "--name", "south porch")
    assert run(a, "members", "add-radio", "!a1b2c3d4", "--name", "Rosa").strip() == \
        "roster version 3 is in force"
    data = json.loads(run(a, "members", "remove", "south porch", "--json"))
    assert data["epoch"] == 2
    assert [n["active"] for n in data["nodes"] if n["name"] == "south porch"] == [False]
    assert [r["radio"] for r in data["radios"]] == ["!a1b2c3d4"]
    assert json.loads(run(a, "committee", "list", "--json")) == {
        "committee": ["north porch"], "threshold": 1}


def test_mistakes_are_one_line_errors(tmp_path: Path) -> None:
    a, b = homes(tmp_path)
    key = run(b, "key").strip()
    bad_key = key[:-1] + ("2" if key[-1] != "2" else "3")  # one character misread
    out = run(a, "members", "add-node", bad_key, "--name", "x", code=1)
    assert out.count("\n") == 1 and "does not check out" in out
    out = run(b, "members", "add-node", run(a, "key").strip(), "--name", "x", code=1)
    assert "no neighbourhood" in out
    out = run(b, "join", "mi1-0000-0000", code=1)
    assert out.startswith("Error: ")
    out = run(a, "members", "remove", "nobody", code=1)
    assert "no node 'nobody' on the roster" in out
    out = run(a, "roster", "approve", "abcd", code=1)
    assert "no change waiting" in out


def test_key_as_a_qr_code(tmp_path: Path) -> None:
    a, _ = homes(tmp_path)
    lines = run(a, "key", "--qr").splitlines()
    assert lines[0].startswith("mk1-")
    assert len(lines) > 10 and {"█", "▀", "▄"} & set("".join(lines[1:]))


def test_the_committee_sets_lifetimes_and_numbers_places_for_everyone(tmp_path: Path) -> None:
    a, b = homes(tmp_path)
    assert run(a, "roster", "set-lifetime", "need", "3") == "roster version 2 is in force\n"
    run(a, "roster", "add-zone", "Elm & 5th")
    run(a, "roster", "add-community", "Riverside")
    data = json.loads(run(a, "roster", "show", "--json"))
    assert data["lifetimes"] == {"need": 3}
    assert data["zones"] == {"1": "Elm & 5th"} and data["communities"] == {"1": "Riverside"}
    shown = run(a, "roster", "show")
    assert "need 3 days" in shown and "zones: 1 Elm & 5th" in shown
    posted = run(a, "post", "need", "water for two adults")
    assert "expires" in posted
    entry = json.loads(run(a, "board", "--json"))[0]
    lived = datetime.fromisoformat(entry["expires"]) - datetime.fromisoformat(entry["created"])
    assert lived == timedelta(days=3)
    # One-line errors; a node off the committee cannot change the roster.
    assert run(a, "roster", "set-lifetime", "need", "3", code=1).startswith("Error: need")
    assert "90 days" in run(a, "roster", "set-lifetime", "offer", "120", code=1)
    assert run(b, "roster", "set-lifetime", "need", "5", code=1).count("\n") == 1
