"""A committee member on a service node finds it, or is told what to run; never `init`."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from meshaid.cli.context import CliContext
from meshaid.cli.main import cli
from meshaid.node.errors import HomeMissingError
from meshaid.node.home import find_home

from .conftest import KEY, START


@pytest.fixture
def machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A machine whose service node lives in tmp_path, and a user (``pi``) with no node."""
    env = {
        "MESHAID_SERVICE_HOME": str(tmp_path / "var-lib-meshaid"),
        "MESHAID_SERVICE_CONFIG": str(tmp_path / "etc-meshaid.toml"),
        "XDG_DATA_HOME": str(tmp_path / "pi-data"),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("MESHAID_HOME", raising=False)
    return env


def _meshaid(*args: str) -> tuple[int, str, str]:
    settings = CliContext(wall=lambda: START, new_key=lambda: KEY, busy_timeout_ms=50)
    result = CliRunner().invoke(cli, list(args), obj=settings)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.exit_code, result.stdout, result.stderr


def _service_node(machine: dict[str, str]) -> Path:
    service = Path(machine["MESHAID_SERVICE_HOME"])
    code, _out, err = _meshaid("--home", str(service), "init", "--name", "north porch")
    assert code == 0, err
    return service


def test_no_service_node_means_the_users_own_home(machine: dict[str, str]) -> None:
    assert find_home() == Path(machine["XDG_DATA_HOME"]) / "meshaid"
    code, _out, err = _meshaid("board")
    assert code == 1 and "meshaid init" in err


def test_the_owner_of_the_service_home_finds_it(machine: dict[str, str]) -> None:
    service = _service_node(machine)
    assert find_home() == service
    code, out, err = _meshaid("post", "need", "water for 3")
    assert code == 0, err
    code, out, err = _meshaid("board")
    assert code == 0 and "water for 3" in out


def test_another_user_is_told_what_to_run(machine: dict[str, str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    service = _service_node(machine)
    with pytest.raises(HomeMissingError) as caught:
        find_home(argv=["board", "--kind", "need"], uid=os.geteuid() + 1)
    message = str(caught.value)
    assert str(service) in message and "meshaid board --kind need" in message
    assert "sudo -u " in message and "init" not in message
    monkeypatch.setattr(os, "geteuid", lambda: os.getuid() + 1)  # as `pi` would be
    code, out, err = _meshaid("board", "--kind", "need")
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "sudo -u " in err and "meshaid init" not in err
    # ... and `init` does not make a second node with a new key beside the service's.
    code, _out, err = _meshaid("init", "--name", "pi's node")
    assert code == 1 and "sudo -u " in err
    assert not (Path(machine["XDG_DATA_HOME"]) / "meshaid").exists()


def test_the_users_own_node_wins(machine: dict[str, str]) -> None:
    _service_node(machine)
    own = Path(machine["XDG_DATA_HOME"]) / "meshaid"
    code, _out, err = _meshaid("--home", str(own), "init", "--name", "pi's node")
    assert code == 0, err
    assert find_home(uid=os.geteuid() + 1) == own
