"""The committee CLI: exact output of every board command, and one clear line per error."""

from __future__ import annotations

import json
import sqlite3
import stat
from pathlib import Path
from typing import Any

import click
import pytest

from meshaid.cli.main import cli
from meshaid.node.services import BoardQuery, open_node
from meshaid.protocol.record import Category, Kind, RecordBody, sign
from recordgen import SIGNERS

DAY = 24 * 3600
PUBLIC_KEY = "d04ab232742bb4ab3a1368bd4615e4e6d0224ab71a016baf8520a332c9778737"
LONG_OFFER = "generator running in Magnolia lot 4-9pm. bring cords + phones, 6 outlets. gas welcome"


def ok(result: Any) -> str:
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    return str(result.stdout)


def fails(result: Any, code: int = 1) -> str:
    assert result.exit_code == code, result.output
    assert result.stdout == ""
    return str(result.stderr)


def post_three(run: Any, clock: Any) -> None:
    ok(
        run(
            "post",
            "need",
            "2 cases of water for 3 households",
            "--category",
            "water",
            "--zone",
            "north block",
            "--urgency",
            "high",
        )
    )
    clock.advance(3600)
    ok(
        run(
            "post",
            "offer",
            LONG_OFFER,
            "--category",
            "energy",
            "--community",
            "riverside",
            "--zone",
            "Magnolia Apts lot",
        )
    )
    clock.advance(1800)
    ok(run("post", "trade", "seed swap at the church hall", "--when", "2026-11-28 10:00"))


# -- init ------------------------------------------------------------------------------


def test_init_creates_the_home_and_says_what_it_made(run: Any, home: Path) -> None:
    out = ok(
        run(
            "init",
            "--name",
            "north porch",
            "--timezone",
            "America/Chicago",
            "--community",
            "Magnolia Flats",
            "--zone",
            "north block",
        )
    )
    assert out == (
        f"Initialised node 'north porch' in {home} (created: home, key, config, database)\n"
        f"  origin:      10ba682c\n"
        f"  public key:  {PUBLIC_KEY}\n"
        f"  key file:    {home}/node.key\n"
        f"  database:    {home}/board.sqlite3\n"
        f"  config:      {home}/meshaid.toml\n"
    )
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert stat.S_IMODE((home / "node.key").stat().st_mode) == 0o600
    assert (home / "meshaid.toml").read_text() == (
        "# meshaid node configuration.\n"
        "\n"
        "# This node's name, shown to the operators of other nodes.\n"
        'name = "north porch"\n'
        "\n"
        '# Times are shown in this time zone (an IANA name, e.g. "America/Chicago").\n'
        'timezone = "America/Chicago"\n'
        "\n"
        '# Language of the first answer to a resident\'s phone ("en" or "es"); after that,\n'
        "# each resident is answered in the language they write in.\n"
        'language = "en"\n'
        "\n"
        "# Communities and zones go on air as numbers: every node of the neighbourhood must\n"
        "# use the same numbers. Never renumber; give a new name the next free number.\n"
        "[communities]\n"
        '1 = "Magnolia Flats"\n'
        "\n"
        "[zones]\n"
        '1 = "north block"\n'
    )


def test_init_on_an_existing_home_says_so_and_keeps_the_key(initialised: Any, home: Path) -> None:
    key = (home / "node.key").read_bytes()
    out = ok(initialised("init", "--name", "someone else"))
    assert out == (
        f"Node home {home} is already initialised (node 'north porch', origin 10ba682c); "
        "nothing was changed.\nIgnored --name: the configuration already says otherwise; "
        f"to change it, edit {home}/meshaid.toml (then restart the daemon).\n"
    )
    assert (home / "node.key").read_bytes() == key


def test_init_json(run: Any, home: Path) -> None:
    out = ok(run("init", "--timezone", "UTC", "--json"))
    assert json.loads(out) == {
        "home": str(home),
        "origin": "10ba682c",
        "public_key": PUBLIC_KEY,
        "name": "node-10ba682c",
        "created": ["home", "key", "config", "database"],
    }


# -- post, board, show, close ------------------------------------------------------------


def test_post_prints_the_code_and_expiry(initialised: Any) -> None:
    out = ok(initialised("post", "need", "2", "cases", "of", "water", "--category", "water"))
    assert out == "Posted need 88C7, expires 2026-12-05 09:00 CST.\n"


def test_post_json(initialised: Any) -> None:
    out = ok(
        initialised(
            "post",
            "alert",
            "boil water notice, north block",
            "--urgency",
            "critical",
            "--zone",
            "north block",
            "--json",
        )
    )
    assert json.loads(out) == {
        "code": "88C7",
        "full_code": "88C79RRXDJTQH",
        "entry": "10ba682c/1",
        "kind": "alert",
        "category": "other",
        "community": "Magnolia Flats",
        "zone": "north block",
        "text": "boil water notice, north block",
        "urgency": "critical",
        "status": "open",
        "unmet": False,
        "created": "2026-11-21T09:00-06:00",
        "expires": "2026-11-23T09:00-06:00",
        "when": None,
        "version": 0,
        "origin": "10ba682c",
        "mine": True,
    }


def test_board_is_an_aligned_table_newest_first(initialised: Any, clock: Any) -> None:
    # 120 columns (conftest): the posting time and the community make room for the text.
    post_three(initialised, clock)
    assert ok(initialised("board")) == (
        "CODE  KIND   CATEGORY  URGENCY  STATUS  ZONE              WHEN         EXPIRES      TEXT\n"
        "0RHE  trade  other     normal   open    -                 11-28 10:00  11-29 10:00  "
        "seed swap at the church hall\n"
        "EYHF  offer  energy    normal   open    Magnolia Apts l…  -            12-21 10:00  "
        "generator running in Magnolia lot 4…\n"
        "88C7  need   water     high     open    north block       -            12-05 09:00  "
        "2 cases of water for 3 households\n"
    )


def test_board_filters(initialised: Any, clock: Any) -> None:
    post_three(initialised, clock)
    assert ok(initialised("board", "--kind", "need", "--kind", "trade", "--community", "1")) == (
        "CODE  KIND   CATEGORY  URGENCY  STATUS  ZONE         POSTED       WHEN         EXPIRES"
        "      TEXT\n"
        "0RHE  trade  other     normal   open    -            11-21 10:30  11-28 10:00  11-29 10:00"
        "  seed swap at the church hall\n"
        "88C7  need   water     high     open    north block  11-21 09:00  -            12-05 09:00"
        "  2 cases of water for 3 hous…\n"
    )
    assert ok(initialised("board", "--search", "GENERATOR", "--category", "energy")).startswith(
        "CODE  KIND   CATEGORY  URGENCY  STATUS  ZONE              POSTED       EXPIRES      TEXT\n"
        "EYHF  offer  energy"
    )
    assert ok(initialised("board", "--since", "2026-11-21 10:15")).count("\n") == 2
    assert ok(initialised("board", "--status", "fulfilled")) == "No entries match.\n"


def test_board_shows_expired_unmet_needs(initialised: Any, clock: Any) -> None:
    post_three(initialised, clock)
    clock.advance(20 * DAY)
    assert ok(initialised("board")) == (
        "CODE  KIND   CATEGORY  URGENCY  STATUS  ZONE              POSTED       EXPIRES      TEXT\n"
        "EYHF  offer  energy    normal   open    Magnolia Apts l…  11-21 10:00  12-21 10:00  "
        "generator running in Magnolia lot 4…\n"
    )
    assert ok(initialised("board", "--status", "expired")) == (
        "CODE  KIND   CATEGORY  URGENCY  STATUS           ZONE         WHEN         EXPIRES"
        "      TEXT\n"
        "0RHE  trade  other     normal   expired          -            11-28 10:00  11-29 10:00"
        "  seed swap at the church hall\n"
        "88C7  need   water     high     expired (unmet)  north block  -            12-05 09:00"
        "  2 cases of water for 3 househol…\n"
    )
    (need,) = json.loads(
        ok(initialised("board", "--status", "expired", "--kind", "need", "--json"))
    )
    assert (need["code"], need["status"], need["unmet"]) == ("88C7", "expired", True)


def test_show_is_a_detail_view_in_local_time(initialised: Any, clock: Any) -> None:
    post_three(initialised, clock)
    assert ok(initialised("show", "0rhe")) == (
        "Code:      0RHE (0RHEVXK6HP204)\n"
        "Kind:      trade\n"
        "Category:  other\n"
        "Status:    open\n"
        "Urgency:   normal\n"
        "Community: Magnolia Flats\n"
        "Zone:      -\n"
        "Posted:    2026-11-21 10:30 CST\n"
        "When:      2026-11-28 10:00 CST\n"
        "Expires:   2026-11-29 10:00 CST\n"
        "Version:   0\n"
        "Posted by: this node\n"
        "Text:      seed swap at the church hall\n"
    )
    assert json.loads(ok(initialised("show", "0RHEV", "--json")))["entry"] == "10ba682c/3"


def test_close_then_the_entry_leaves_the_active_board(initialised: Any, clock: Any) -> None:
    post_three(initialised, clock)
    assert ok(initialised("close", "88c7", "--fulfilled")) == "Closed 88C7 as fulfilled.\n"
    assert "88C7" not in ok(initialised("board"))
    assert ok(initialised("board", "--status", "fulfilled")) == (
        "CODE  KIND  CATEGORY  URGENCY  STATUS     ZONE         POSTED       EXPIRES      TEXT\n"
        "88C7  need  water     high     fulfilled  north block  11-21 09:00  12-05 09:00  2 cases"
        " of water for 3 households\n"
    )
    closed = json.loads(ok(initialised("close", "EYHF", "--withdrawn", "--json")))
    assert (closed["status"], closed["version"]) == ("withdrawn", 1)


# -- errors -------------------------------------------------------------------------------


def test_commands_before_init_say_to_run_init(run: Any, home: Path) -> None:
    for args in (
        ("board",),
        ("post", "need", "rice"),
        ("show", "88C7"),
        ("close", "88C7", "--withdrawn"),
    ):
        assert fails(run(*args)) == f"Error: no meshaid node at {home}; run `meshaid init` first\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("post", "need", "x" * 230), "text is 230 bytes, 30 over the limit of 200 bytes"),
        (
            ("post", "need", "rice", "--category", "rice"),
            "unknown category 'rice'; valid: food, water, medicine, health, shelter, clothing, "
            "childcare, transport, repair, energy, skills, legal, safety, other",
        ),
        (
            ("post", "need", "rice", "--community", "Oak Park"),
            "unknown community 'Oak Park'; configured: Magnolia Flats, Riverside",
        ),
        (
            ("post", "trade", "rice", "--when", "2026-13-01 10:00"),
            "--when '2026-13-01 10:00' is not a date; use e.g. 2026-11-22 10:00 or 2026-11-22",
        ),
        (
            ("post", "need", "rice", "--expires", "friday"),
            "--expires 'friday' is neither a date nor a duration; use e.g. 2026-11-22 18:00, "
            "3d or 12h",
        ),
        (
            ("board", "--since", "last week"),
            "--since 'last week' is not a date; use e.g. 2026-11-22 10:00 or 2026-11-22",
        ),
        (
            ("board", "--category", "food", "--category", "fud"),
            "unknown category 'fud'; valid: "
            "food, water, medicine, health, shelter, clothing, childcare, transport, repair, "
            "energy, skills, legal, safety, other",
        ),
        (("show", "ZZZZ"), "no entry has code ZZZZ"),
        (("show", "7Q"), "'7Q' is too short: entry codes have at least 4 characters"),
        (("close", "ZZZZ", "--fulfilled"), "no entry has code ZZZZ"),
    ],
)
def test_bad_input_is_one_clear_line(initialised: Any, args: tuple[str, ...], message: str) -> None:
    assert fails(initialised(*args)) == f"Error: {message}\n"


def test_closing_twice_or_someone_elses_entry_is_refused(initialised: Any, home: Path) -> None:
    ok(initialised("post", "need", "tarp for roof"))
    ok(initialised("close", "88C7", "--withdrawn"))
    assert fails(initialised("close", "88C7", "--fulfilled")) == (
        "Error: entry 88C7 is already withdrawn\n"
    )
    peer = SIGNERS[0]
    with open_node(home) as node:
        node.store.add_key(peer.public_key, "south node")
        body = RecordBody(
            origin=peer.origin,
            seq=1,
            kind=Kind.OFFER,
            category=Category.FOOD,
            text="rice",
            created=node.store.now_minute(),
        )
        assert node.store.apply(sign(body, peer.key)).outcome == "new"
        (theirs,) = [e for e in node.board(BoardQuery(status="all")) if not e.mine]
    assert fails(initialised("close", theirs.code, "--fulfilled")) == (
        f"Error: entry {theirs.code} was posted on node {peer.origin:08x}; "
        "only that node can close it\n"
    )


def test_close_needs_exactly_one_outcome(initialised: Any) -> None:
    ok(initialised("post", "need", "tarp for roof"))
    for args in (("close", "88C7"), ("close", "88C7", "--fulfilled", "--withdrawn")):
        err = fails(initialised(*args), code=2)
        assert err.endswith("Error: give exactly one of --fulfilled or --withdrawn\n")


def test_a_locked_database_says_it_is_busy(initialised: Any, home: Path) -> None:
    holder = sqlite3.connect(home / "board.sqlite3", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process is writing
    try:
        assert fails(initialised("post", "need", "rice")) == (
            "Error: the board database is busy (another meshaid process holds its lock); "
            "try again\n"
        )
        assert ok(initialised("board")).startswith("No entries")  # reads still work
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_a_bad_config_names_the_file(initialised: Any, home: Path) -> None:
    config = home / "meshaid.toml"
    config.write_text(config.read_text().replace("America/Chicago", "America/Chicag0"))
    assert fails(initialised("board")) == (
        f"Error: {config}: timezone 'America/Chicag0' is not a known time zone\n"
    )


def test_init_refuses_bad_options_before_creating_anything(run: Any, home: Path) -> None:
    assert fails(run("init", "--timezone", "Mars/Olympus")) == (
        "Error: meshaid init: timezone 'Mars/Olympus' is not a known time zone\n"
    )
    assert fails(run("init", "--community", "Riverside", "--community", "riverside")) == (
        "Error: meshaid init: [communities] 1 and 2 have the same name\n"
    )
    assert not home.exists()


def test_a_damaged_or_newer_database_is_one_clear_line(initialised: Any, home: Path) -> None:
    db = home / "board.sqlite3"
    conn = sqlite3.connect(db)
    conn.execute("UPDATE alembic_version SET version_num = '0999'")
    conn.commit()
    conn.close()
    assert fails(initialised("board")) == (
        "Error: the board database has schema 0999, made by a newer meshaid; "
        "upgrade meshaid to use it\n"
    )
    db.write_bytes(b"this is not a database" * 100)
    assert fails(initialised("board")) == "Error: board database error: file is not a database\n"


# -- help --------------------------------------------------------------------------------


def walk(command: click.Command, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    found = [(path, command)]
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            found += walk(sub, (*path, name))
    return found


def test_every_command_has_help_text(run: Any) -> None:
    commands = walk(cli)
    assert {path for path, _ in commands} >= {
        (),
        ("init",),
        ("post",),
        ("board",),
        ("show",),
        ("close",),
    }
    undocumented = [" ".join(path) or "meshaid" for path, cmd in commands if not cmd.help]
    assert undocumented == []
    for path, _cmd in commands:
        out = ok(run(*path, "--help"))
        assert out.startswith("Usage: ")


def test_board_commands_document_an_example_and_their_options(run: Any) -> None:
    for name in ("init", "post", "board", "show", "close"):
        command = cli.commands[name]
        assert "Example:" in (command.help or ""), name
        missing = [p.name for p in command.params if isinstance(p, click.Option) and not p.help]
        assert missing == [], name
