"""Every command-line mistake is one line and a non-zero exit; with --json, JSON."""

from __future__ import annotations

import json

import pytest

from .conftest import Run, invoke, one_line_error

NOT_UTF8 = b"caf\xe9 water".decode("utf-8", "surrogateescape")  # as Linux hands it over


@pytest.mark.parametrize("args", [
    ("post", "need", NOT_UTF8),
    ("post", "need", "water", "--zone", NOT_UTF8),
    ("board", "--search", NOT_UTF8),
])
def test_arguments_that_are_not_utf8(node: Run, args: tuple[str, ...]) -> None:
    assert "not valid UTF-8" in one_line_error(node(*args), 2)


def test_services_refuse_surrogates_too(node: Run, home: object) -> None:
    from pathlib import Path

    from meshaid.node.errors import InputError
    from meshaid.node.services import BoardQuery, PostRequest, open_node

    with open_node(Path(str(home))) as opened:
        for bad in (PostRequest("need", NOT_UTF8), PostRequest("need", "x", zone=NOT_UTF8)):
            with pytest.raises(InputError, match="UTF-8"):
                opened.post(bad)
        with pytest.raises(InputError, match="UTF-8"):
            opened.board(BoardQuery(search=NOT_UTF8))


def test_expires_1m_is_ambiguous(node: Run) -> None:
    line = one_line_error(node("post", "need", "water", "--expires", "1m"), 1)
    assert "ambiguous" in line and "30min" not in line and "min" in line and "30d" in line
    assert node("post", "need", "water", "--expires", "30min").exit_code == 0
    assert node("post", "need", "water", "--expires", "1mo").exit_code == 0
    assert node("post", "need", "water", "--expires", "1h30m").exit_code == 0


def test_a_300_character_node_name_is_refused(run: Run) -> None:
    line = one_line_error(run("init", "--name", "n" * 300), 1)
    assert "at most 40" in line
    assert run("init", "--name", "n" * 40).exit_code == 0


def test_init_again_says_which_flags_were_ignored(node: Run, home: object) -> None:
    again = node("init", "--name", "south porch", "--timezone", "America/Chicago",
                 "--zone", "river road")
    assert again.exit_code == 0
    assert "Ignored --name, --zone" in again.stdout
    assert f"edit {home}/meshaid.toml" in again.stdout
    assert "--timezone" not in again.stdout  # the same as configured
    quiet = node("init")
    assert "Ignored" not in quiet.stdout
    data = json.loads(node("init", "--name", "x", "--json").stdout)
    assert data["ignored"] == ["--name"]


@pytest.mark.parametrize("args", [
    ("board", "--kind", "bogus"),
    ("board", "--no-such-option"),
    ("nosuch",),
    ("post",),
    ("close", "ZZZZ"),
])
def test_usage_mistakes_are_one_line(node: Run, args: tuple[str, ...]) -> None:
    one_line_error(node(*args), 2)


def test_meshaid_alone_still_shows_the_help() -> None:
    result = invoke()
    assert "Commands:" in result.output
    assert one_line_error(invoke("--home", "/nonexistent"), 2) == "Error: Missing command."


@pytest.mark.parametrize("args", [
    ("show", "ZZZZ", "--json"),
    ("board", "--kind", "bogus", "--json"),
    ("board", "--page", "9", "--json"),
    ("close", "ZZZZ", "--fulfilled", "--json"),
    ("post", "need", "\u200b", "--json"),
])
def test_json_errors_are_json(node: Run, args: tuple[str, ...]) -> None:
    node("post", "need", "one entry")
    result = node(*args)
    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.output
    error = json.loads(lines[0])
    assert list(error) == ["error"] and error["error"]
    assert result.stderr == ""
