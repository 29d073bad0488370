"""One configuration for every command and the daemon, validated as a whole."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from meshaid.node.config import load_config
from meshaid.node.errors import ConfigError
from meshaid.node.home import config_file

from .conftest import Run, invoke, one_line_error


def _other_config(path: Path, community: str = "Riverside") -> Path:
    path.write_text(f'name = "north porch"\ntimezone = "UTC"\n[communities]\n1 = "{community}"\n',
                    encoding="utf-8")
    return path


def test_config_on_the_root_group_reaches_post_and_board(node: Run, home: Path,
                                                         tmp_path: Path) -> None:
    other = _other_config(tmp_path / "etc.toml")
    posted = invoke("--home", str(home), "--config", str(other), "post", "need", "water",
                    "--community", "Riverside", "--json")
    assert posted.exit_code == 0, posted.output
    assert json.loads(posted.stdout)["community"] == "Riverside"
    listed = invoke("--home", str(home), "--config", str(other), "board", "--json")
    assert json.loads(listed.stdout)[0]["community"] == "Riverside"
    # Without it, the home's own file: Riverside is not a community there.
    assert "unknown community" in one_line_error(node("post", "need", "x", "--community",
                                                      "Riverside"))


def test_config_environment_variable(home: Path, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    other = _other_config(tmp_path / "env.toml")
    monkeypatch.setenv("MESHAID_CONFIG", str(other))
    assert config_file(home) == other
    assert config_file(home, tmp_path / "given.toml") == tmp_path / "given.toml"


def test_the_service_home_reads_the_system_config_when_it_exists(tmp_path: Path) -> None:
    service, system = tmp_path / "var-lib-meshaid", tmp_path / "etc-meshaid.toml"
    env = {"MESHAID_SERVICE_HOME": str(service), "MESHAID_SERVICE_CONFIG": str(system)}
    service.mkdir()
    assert config_file(service, environ=env) == service / "meshaid.toml"
    _other_config(system)
    assert config_file(service, environ=env) == system
    assert config_file(tmp_path / "elsewhere", environ=env) == tmp_path / "elsewhere/meshaid.toml"


@pytest.mark.parametrize("command", [("board",), ("post", "need", "water"), ("status",),
                                     ("show", "ABCD")])
def test_a_bad_radio_section_is_refused_by_every_command(node: Run, home: Path,
                                                         command: tuple[str, ...]) -> None:
    config = home / "meshaid.toml"
    config.write_text(config.read_text(encoding="utf-8") + "\n[radio]\nbudget_share = 7\n",
                      encoding="utf-8")
    line = one_line_error(node(*command), 1)
    assert str(config) in line and "budget_share" in line and "0.1" in line


def test_a_missing_config_file_is_named(node: Run, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.toml"
    result = invoke("--home", str(tmp_path / "home"), "--config", str(missing), "board")
    assert one_line_error(result, 1) == f"Error: {missing}: config file is missing"


def test_a_bad_phone_section_is_refused_when_loaded(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('name = "n"\n[phone]\nallow = ["nobody"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[phone\] allow"):
        load_config(path)


def test_a_config_that_is_not_utf8_is_one_line_naming_the_file(node: Run, home: Path) -> None:
    config = home / "meshaid.toml"
    config.write_bytes(config.read_bytes().replace(b"north porch", b"north p\xf6rch"))
    for command in (("board",), ("post", "need", "x"), ("init",)):
        line = one_line_error(node(*command), 1)
        assert str(config) in line and "UTF-8" in line
