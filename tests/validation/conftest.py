"""Fixtures for the input-validation tests: a node home made by the CLI, a fixed key and
clock, and no service node unless a test makes one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from nacl.signing import SigningKey

from meshaid.cli.context import CliContext
from meshaid.cli.main import cli

START = datetime(2026, 11, 21, 15, 0, tzinfo=UTC).timestamp()
KEY = SigningKey(b"\x11" * 32)

Run = Callable[..., Result]


@pytest.fixture(autouse=True)
def no_service_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Never the machine's own /var/lib/meshaid or /etc/meshaid.
    monkeypatch.setenv("MESHAID_SERVICE_HOME", str(tmp_path / "no-service-home"))
    monkeypatch.setenv("MESHAID_SERVICE_CONFIG", str(tmp_path / "no-service.toml"))
    monkeypatch.delenv("MESHAID_SERVICE", raising=False)
    monkeypatch.delenv("MESHAID_CONFIG", raising=False)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def invoke(*args: str, env: dict[str, str | None] | None = None) -> Result:
    runner = CliRunner(env=env)
    settings = CliContext(wall=lambda: START, new_key=lambda: KEY, busy_timeout_ms=50)
    return runner.invoke(cli, list(args), obj=settings)


@pytest.fixture
def run(home: Path) -> Run:
    """``meshaid --home HOME ARGS...``; a traceback shows as the result's exception."""

    def go(*args: str) -> Result:
        return invoke("--home", str(home), *args)

    return go


@pytest.fixture
def node(run: Run) -> Run:
    result = run("init", "--name", "north porch", "--timezone", "America/Chicago",
                 "--zone", "north block")
    assert result.exit_code == 0, result.output
    return run


def one_line_error(result: Result, code: int | None = None) -> str:
    """The error line of a failed command; fails on a traceback or a multi-line error."""
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.exception
    )
    assert result.exit_code != 0
    if code is not None:
        assert result.exit_code == code
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]
