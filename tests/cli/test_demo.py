"""``meshaid demo``: four daemons on fake radios in a lossy line, residents texting."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from meshaid.cli.main import cli
from meshaid.node.daemon.control import socket_path

PROGRESS = re.compile(r"^t=\s*\d+s  records held  A:(\d+)  B:(\d+)  C:(\d+)  D:(\d+)$")
POSTED = re.compile(r"^t=\s*[\d.]+s  ([ABCD]) -> phone: Posted \w+ (\w+): ")


@pytest.mark.slow
def test_the_demo_spreads_residents_posts_to_every_node_and_stops(tmp_path: Path) -> None:
    root = tmp_path / "hood"
    # Without loss, so that the test's length does not hang on the daemons' repair timers
    # (a lost push waits for a Trickle digest, 30-60 s); the lossy line is exercised by
    # tests/node/test_neighbourhood_e2e.py.
    result = CliRunner().invoke(cli, ["demo", "--keep", str(root), "--loss", "0"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "  simulated LoRa: LONG_FAST airtime played 10x faster, 0% of frames lost on " \
           "each link, hop limit 3" in lines
    assert "  radios in a line, each hears only the next: A - B - C - D" in lines

    codes = {m.group(2): m.group(1) for m in map(POSTED.match, lines) if m}
    assert sorted(codes.values()) == ["A", "A", "B", "C", "D", "D"]  # each got its answer
    progress = [tuple(map(int, m.groups())) for m in map(PROGRESS.match, lines) if m]
    assert progress, result.output
    assert progress[-1] == (6, 6, 6, 6)
    for row, later in itertools.pairwise(progress):  # a store only grows
        assert all(before <= after for before, after in zip(row, later, strict=True))
    assert "every node holds every post." in result.output
    assert "4 of 4 daemons stopped cleanly." in lines

    board = result.output.split("The board as node D sees it (open entries):\n")[1]
    shown = {line.split()[0] for line in board.splitlines()[1:]}
    assert shown == set(codes)
    # The homes are real nodes: the CLI reads D's board, and no daemon is left running.
    listed = CliRunner().invoke(cli, ["--home", str(root / "D"), "board", "--json"])
    assert listed.exit_code == 0
    assert {e["code"] for e in json.loads(listed.output)} == set(codes)
    for name in "ABCD":
        assert not socket_path(root / name).exists()
        assert "SIGTERM received, stopping" in (root / f"{name}.log").read_text()


def test_the_demo_refuses_a_loss_out_of_range() -> None:
    result = CliRunner().invoke(cli, ["demo", "--loss", "0.9"])
    assert result.exit_code == 2
    assert "0.9 is not in the range 0.0<=x<=0.5" in result.output


def test_the_demo_keeps_its_homes_only_in_a_new_or_empty_directory(tmp_path: Path) -> None:
    (tmp_path / "old.txt").write_text("earlier run")
    result = CliRunner().invoke(cli, ["demo", "--keep", str(tmp_path)])
    assert result.exit_code == 1
    assert f"Error: {tmp_path} is not empty; give a new or empty directory" in result.output
