"""The node home: where it is, its key file, its config file, and ``init``."""

from __future__ import annotations

import stat
import tomllib
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import platformdirs
import pytest
from nacl.signing import SigningKey

from meshaid.node.config import NodeConfig, load_config, render_config, write_config
from meshaid.node.errors import ConfigError, KeyFileError
from meshaid.node.home import SERVICE_HOME, NodeHome, default_home
from meshaid.node.keys import load_key, write_new_key
from meshaid.node.services import init_node
from meshaid.node.timeparse import parse_datetime, parse_duration

KEY = SigningKey(bytes([5]) * 32)


def test_home_comes_from_the_environment_the_service_or_the_user_data_dir() -> None:
    assert default_home({"MESHAID_HOME": "/srv/mesh"}) == Path("/srv/mesh")
    assert default_home({"MESHAID_HOME": "/srv/mesh", "MESHAID_SERVICE": "1"}) == Path("/srv/mesh")
    assert default_home({"MESHAID_SERVICE": "1"}) == SERVICE_HOME == Path("/var/lib/meshaid")
    assert default_home({}) == Path(platformdirs.user_data_dir("meshaid"))


def test_init_creates_a_private_home_key_config_and_database(tmp_path: Path) -> None:
    root = tmp_path / "a" / "home"
    result = init_node(
        root,
        communities=("Magnolia Flats",),
        zones=("north block",),
        timezone="UTC",
        new_key=lambda: KEY,
        wall=lambda: 1_790_000_000.0,
    )
    home = NodeHome(root)
    assert result.created == ("home", "key", "config", "database")
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    assert stat.S_IMODE(home.key_file.stat().st_mode) == 0o600
    assert bytes(load_key(home.key_file)) == bytes(KEY)
    assert result.origin == f"{int(result.origin, 16):08x}"
    config = load_config(home.config_file)
    assert config == NodeConfig(
        name=f"node-{result.origin}",
        timezone="UTC",
        communities={1: "Magnolia Flats"},
        zones={1: "north block"},
    )
    assert [p.name for p in root.iterdir() if p.name.startswith(".")] == []


def test_init_again_changes_nothing_and_keeps_the_key(tmp_path: Path) -> None:
    first = init_node(tmp_path, timezone="UTC", new_key=lambda: KEY)
    config_text = (tmp_path / "meshaid.toml").read_text()
    again = init_node(
        tmp_path, name="other", timezone="Asia/Tokyo", new_key=lambda: SigningKey(b"\x06" * 32)
    )
    assert again.already_initialised and again.created == ()
    assert (again.origin, again.public_key) == (first.origin, first.public_key)
    assert (tmp_path / "meshaid.toml").read_text() == config_text


def test_init_completes_a_partial_home(tmp_path: Path) -> None:
    init_node(tmp_path, name="porch", timezone="UTC", new_key=lambda: KEY)
    (tmp_path / "meshaid.toml").unlink()
    again = init_node(tmp_path, name="porch", timezone="UTC", new_key=lambda: KEY)
    assert again.created == ("config",)


def test_key_files_are_written_once_and_checked_when_read(tmp_path: Path) -> None:
    path = tmp_path / "node.key"
    write_new_key(path, KEY)
    with pytest.raises(KeyFileError, match="already exists; not overwriting a node key"):
        write_new_key(path, SigningKey(b"\x06" * 32))
    assert bytes(load_key(path)) == bytes(KEY)
    path.chmod(0o644)
    with pytest.raises(KeyFileError) as err:
        load_key(path)
    assert str(err.value) == (
        f"{path}: key file is accessible by other users (mode 0644); run: chmod 600 {path}"
    )
    path.chmod(0o600)
    path.write_text("not a key\n")
    with pytest.raises(KeyFileError, match="not a meshaid key file"):
        load_key(path)
    with pytest.raises(KeyFileError, match="key file is missing"):
        load_key(tmp_path / "nothing")


def test_config_round_trips_awkward_names(tmp_path: Path) -> None:
    config = NodeConfig(
        name='Ms. "T"\'s porch \\ node',
        timezone="America/Chicago",
        communities={1: "Magnolia Flats", 7: "Barrio Logan — Sur"},
        zones={2: "Elm & 5th", 3: "# not a comment"},
    )
    path = tmp_path / "meshaid.toml"
    write_config(path, config)
    assert load_config(path) == config
    assert tomllib.loads(render_config(config))["zones"] == {
        "2": "Elm & 5th",
        "3": "# not a comment",
    }
    with pytest.raises(FileExistsError):
        write_config(path, config)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            'name = "x"\ntimezone = "Mars/Olympus"\n',
            "timezone 'Mars/Olympus' is not a known time zone",
        ),
        ('timezone = "UTC"\n', 'the node\'s name is missing (name = "...")'),
        ('name = "x"\nzone = "typo"\n', "unknown setting 'zone'"),
        (
            'name = "x"\n[communities]\nfirst = "Magnolia"\n',
            "[communities] key 'first' is not a number from 1 to 4294967295",
        ),
        (
            'name = "x"\n[communities]\n0 = "Magnolia"\n',
            "[communities] key '0' is not a number from 1 to 4294967295",
        ),
        ('name = "x"\n[zones]\n1 = "A"\n2 = "a"\n', "[zones] 1 and 2 have the same name"),
        ('name = "x"\n[zones]\n1 = ""\n', "[zones] 1 must be a non-empty string"),
        (
            'name = "x"\ncommunities = ["a", "b"]\n',
            '[communities] must be a table of number = "name" lines',
        ),
        ('name = "x"\n[zones]\n1 = "' + "z" * 41 + '"\n', "[zones] 1 is longer than 40 bytes"),
        ("name = 3\n", "name must be a non-empty string"),
    ],
)
def test_bad_config_names_the_file_and_the_problem(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "meshaid.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value) == f"{path}: {problem}"


def test_config_that_is_not_toml_says_where(tmp_path: Path) -> None:
    path = tmp_path / "meshaid.toml"
    path.write_text('name = "x\n')
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value).startswith(f"{path}: not valid TOML (")
    assert "line 1" in str(err.value)


def test_durations_and_local_dates() -> None:
    assert parse_duration("3d") == 3 * 24 * 60
    assert parse_duration("1w2d12h30m") == (9 * 24 + 12) * 60 + 30
    assert parse_duration("12H") == 720
    assert parse_duration("3 days") is None
    assert parse_duration("d") is None
    assert parse_duration("") is None
    tz = ZoneInfo("America/Chicago")
    assert parse_datetime("2026-11-22 10:00", tz) == datetime(2026, 11, 22, 16, 0, tzinfo=UTC)
    assert parse_datetime("2026-11-22T10:00", tz) == datetime(2026, 11, 22, 16, 0, tzinfo=UTC)
    assert parse_datetime("2026-11-22", tz) == datetime(2026, 11, 22, 6, 0, tzinfo=UTC)
    offset = timezone(timedelta(hours=2))
    assert parse_datetime("2026-11-22T10:00+02:00", tz) == datetime(2026, 11, 22, 10, tzinfo=offset)


def test_language_setting_is_checked(tmp_path: Path) -> None:
    path = tmp_path / "meshaid.toml"
    path.write_text('name = "n"\nlanguage = "es"\n')
    assert load_config(path).language == "es"
    path.write_text('name = "n"\nlanguage = "fr"\n')
    with pytest.raises(ConfigError, match="language must be one of en, es"):
        load_config(path)
