"""Fixtures for the CLI tests: a node home under tmp_path, a fixed key and a fixed clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from nacl.signing import SigningKey

from meshaid.cli.context import CliContext
from meshaid.cli.main import cli

START = datetime(2026, 11, 21, 15, 0, tzinfo=UTC).timestamp()  # 09:00 in Chicago
KEY = SigningKey(b"\x11" * 32)  # origin 10ba682c

Run = Callable[..., Result]


class ManualClock:
    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def run(home: Path, clock: ManualClock) -> Run:
    """Runs ``meshaid ARGS...`` with MESHAID_HOME set, the fixed key and clock."""
    # COLUMNS: the board's table fits the terminal, so the tests give it one width.
    runner = CliRunner(env={"MESHAID_HOME": str(home), "MESHAID_SERVICE": None,
                            "COLUMNS": "120"})

    def invoke(*args: str) -> Result:
        settings = CliContext(wall=clock, new_key=lambda: KEY, busy_timeout_ms=50)
        return runner.invoke(cli, list(args), obj=settings, catch_exceptions=False)

    return invoke


@pytest.fixture
def initialised(run: Run) -> Run:
    result = run(
        "init",
        "--name",
        "north porch",
        "--timezone",
        "America/Chicago",
        "--community",
        "Magnolia Flats",
        "--community",
        "Riverside",
        "--zone",
        "north block",
        "--zone",
        "Elm & 5th",
    )
    assert result.exit_code == 0, result.output
    return run
