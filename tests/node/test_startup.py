"""Start-up costs: a command imports only what it needs, and what is left out or deferred
(lazy commands, the lazily built text model, the schema check without Alembic) is the same
as what it stands for."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from meshaid.cli.main import LAZY_COMMANDS, cli
from meshaid.node.services import PostRequest
from meshaid.node.store.database import head_revision, known_revisions
from meshaid.protocol import textpack

HEAVY = ("sqlalchemy", "alembic", "meshtastic", "google.protobuf", "pubsub", "serial")
PROBE = """
import json, sys
import click
from meshaid.cli.main import cli
try:
    cli.main(sys.argv[1:], standalone_mode=False)
except (SystemExit, click.ClickException):
    pass
heavy = {heavy!r}
print(json.dumps(sorted({{m.split(".")[0] if m.split(".")[0] != "google" else "google.protobuf"
                         for m in sys.modules if m.startswith(heavy)}})))
"""


def loaded(*args: str) -> list[str]:
    """The heavy libraries a ``meshaid ARGS`` process imported."""
    done = subprocess.run([sys.executable, "-c", PROBE.format(heavy=HEAVY), *args],
                          capture_output=True, text=True, timeout=60, check=True)
    return list(json.loads(done.stdout.splitlines()[-1]))


def modules_of(*args: str) -> set[str]:
    """Every module a ``meshaid ARGS`` process imported."""
    probe = PROBE.split("heavy = ")[0] + "print(json.dumps(sorted(sys.modules)))\n"
    done = subprocess.run([sys.executable, "-c", probe, *args],
                          capture_output=True, text=True, timeout=60, check=True)
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_read_commands_import_no_database_library_nor_the_radio_one(node: Any) -> None:
    home = str(node.home.root)
    code = node.post(PostRequest("need", "niños necesitan agua")).code
    assert loaded("--help") == []
    assert loaded("--home", home, "board") == []
    assert loaded("--home", home, "board", "--json", "--search", "ninos", "--page", "2") == []
    assert loaded("--home", home, "show", code) == []
    assert loaded("--home", home, "status") == []


# What a read command leaves out: the write path of the store, the radio's errors, logging
# (only to warn), and importlib.resources with tempfile and shutil (the text model's seed).
NOT_FOR_READING = ("meshaid.node.store.merging", "meshaid.sync.merge", "meshaid.hardware.radio",
                   "logging", "importlib.resources", "tempfile", "shutil")
NOT_FOR_POSTING = ("meshaid.hardware.radio", "logging", "importlib.resources", "tempfile",
                   "shutil")


def test_reading_and_posting_leave_out_what_they_do_not_use(node: Any) -> None:
    home = str(node.home.root)
    code = node.post(PostRequest("need", "water for two households")).code
    for args in (("board",), ("board", "--wide"), ("show", code)):
        assert modules_of("--home", home, *args) & set(NOT_FOR_READING) == set(), args
    assert modules_of("--home", home, "post", "offer", "rice") & set(NOT_FOR_POSTING) == set()


def test_a_post_loads_protobuf_for_its_record_and_no_database_or_radio_library(
    node: Any,
) -> None:
    assert loaded("--home", str(node.home.root), "post", "need", "rice") == ["google.protobuf"]


def _first_paragraph(command: click.Command) -> str:
    return " ".join((command.help or "").partition("\n\n")[0].split())


@pytest.mark.parametrize("name", sorted(LAZY_COMMANDS))
def test_each_lazy_command_is_listed_as_its_own_help_says(name: str) -> None:
    module, attribute, summary = LAZY_COMMANDS[name]
    command = getattr(__import__(module, fromlist=[attribute]), attribute)
    assert isinstance(command, click.Command) and command.help
    assert summary == _first_paragraph(command)
    stand_in = click.Command(name, help=summary)
    for limit in (20, 45, 70, 200):
        assert stand_in.get_short_help_str(limit) == command.get_short_help_str(limit)


def test_help_lists_every_command_and_lazy_ones_load_when_run(tmp_path: Path) -> None:
    listed = subprocess.run([sys.executable, "-c", "from meshaid.cli.main import main; main()",
                             "--help"], capture_output=True, text=True, timeout=60, check=True)
    for name in {*cli.commands, *LAZY_COMMANDS}:
        assert f"\n  {name} " in listed.stdout
    result = CliRunner().invoke(cli, ["bench", "--help"])
    assert result.exit_code == 0 and "Measure meshaid's on-air formats" in result.output
    assert "bench" in cli.commands


def test_the_text_model_is_built_on_first_use_only() -> None:
    probe = ("import meshaid.protocol.textpack as t; print(t._built is None); "
             "t.pack('water'); print(t._built is not None)")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=60, check=True)
    assert done.stdout.split() == ["True", "True"]


def test_the_lazily_built_model_is_the_whole_seed_counted() -> None:
    # Counted here the plain way: every (context, next byte) of every padded seed line.
    order = textpack._ORDER
    counts: list[Counter[tuple[bytes, int]]] = [Counter() for _ in range(order + 1)]
    for line in textpack._seed_lines():
        text = textpack._PAD + line
        for end in range(order, len(text) + 1):
            symbol = text[end] if end < len(text) else textpack._END
            for k in range(order + 1):
                counts[k][(text[end - k : end], symbol)] += 1
    model = textpack._MODEL
    for k in range(order + 1):
        contexts: dict[bytes, dict[int, int]] = {}
        for (ctx, symbol), n in counts[k].items():
            contexts.setdefault(ctx, {})[symbol] = n
        assert set(model[k]) == set(contexts)
        for ctx, seen in contexts.items():
            built = model[k][ctx]
            assert dict(zip(built.symbols, built.counts, strict=True)) == seen
            assert built.escape == len(seen) and built.total == sum(seen.values()) + len(seen)


def test_the_schema_head_read_from_the_files_is_alembics() -> None:
    revisions, head = known_revisions()
    assert head == head_revision()
    assert {"0001", "0002", "0004"} <= revisions


def test_the_outcomes_a_store_accepts_are_the_merges_that_keep_a_record() -> None:
    # Written out in board.py, which does not import the merge to read the board.
    from meshaid.node.store.board import ACCEPTED
    from meshaid.sync.merge import Outcome

    assert {Outcome.NEW.value, Outcome.DUPLICATE.value, Outcome.EQUIVOCATION.value} == ACCEPTED
