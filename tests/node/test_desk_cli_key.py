"""`meshaid members add-radio --public-key` pins the radio's Meshtastic key on the roster,
which the desk then holds its messages to."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from click.testing import CliRunner

from meshaid.cli.context import CliContext
from meshaid.cli.main import cli
from meshaid.node.membership.neighbourhood import Neighbourhood
from meshaid.node.services import open_node

KEY = bytes(range(32))


def run(home: Path, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(cli, list(args), obj=CliContext(home=home))
    assert result.exit_code == code, result.output
    return result.output


def test_add_radio_pins_the_public_key_given_as_the_app_shows_it(tmp_path: Path) -> None:
    home = tmp_path / "a"
    run(home, "init", "--name", "north porch", "--timezone", "UTC", "--new-neighbourhood",
        "Magnolia Flats")
    shown = base64.b64encode(KEY).decode()  # how the Meshtastic app shows a public key
    run(home, "members", "add-radio", "!a1b2c3d4", "--public-key", shown, "--name", "Rosa")
    run(home, "members", "add-radio", "!0000beef", "--name", "old radio")
    radios = {r["radio"]: r["pinned"] for r in
              json.loads(run(home, "members", "list", "--json"))["radios"]}
    assert radios == {"!a1b2c3d4": True, "!0000beef": False}
    with open_node(home) as node:
        roster = Neighbourhood(node).roster
        assert roster.radios[0xA1B2C3D4].key == KEY and roster.radios[0xBEEF].key == b""
    bad = run(home, "members", "add-radio", "!a1b2c3d5", "--public-key", "AAAA", code=1)
    assert "32 bytes" in bad and len(bad.strip().splitlines()) == 1
