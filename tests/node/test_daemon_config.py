"""The [radio] section of meshaid.toml, and the control socket server on its own."""

from __future__ import annotations

import asyncio
import socket
import stat
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from meshaid.cli.context import CliContext
from meshaid.cli.main import cli
from meshaid.node.config import load_config
from meshaid.node.daemon.control import (
    ControlError,
    ControlServer,
    DaemonNotRunning,
    request,
)
from meshaid.node.daemon.radio_config import RadioConfig, load_radio_config
from meshaid.node.errors import ConfigError, InputError, NodeError

BASE = 'name = "north porch"\n'


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "meshaid.toml"
    path.write_text(BASE + text, encoding="utf-8")
    return path


def test_no_radio_section_means_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, "")
    assert load_radio_config(path) == RadioConfig()
    assert RadioConfig().target is None  # autodetect the USB serial port
    assert RadioConfig().sync_config().budget_seconds == 180.0


def test_a_full_radio_section(tmp_path: Path) -> None:
    path = write(tmp_path, '[radio]\nhost = "10.0.0.7:4403"\nchannel = 2\nregion = "us"\n'
                           'preset = "medium_fast"\nbudget_share = 0.02\n')
    radio = load_radio_config(path)
    assert radio == RadioConfig(None, "10.0.0.7:4403", 2, "US", "MEDIUM_FAST", 0.02)
    assert radio.target == "10.0.0.7:4403"
    assert radio.sync_config().preset == "MEDIUM_FAST"
    assert radio.sync_config().budget_seconds == pytest.approx(72.0)
    # The node's own settings still load from the same file.
    assert load_config(path).name == "north porch"


def test_the_command_line_address_wins(tmp_path: Path) -> None:
    radio = load_radio_config(write(tmp_path, '[radio]\nport = "/dev/meshtastic"\nchannel = 1\n'))
    assert radio.with_target(None, None).target == "/dev/meshtastic"
    moved = radio.with_target(None, "127.0.0.1:9000")
    assert moved.target == "127.0.0.1:9000" and moved.channel == 1


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ('radio = "usb"\n', "[radio] must be a table"),
        ('[radio]\nport = "/dev/a"\nhost = "b"\n', "port (serial) or host (network), not both"),
        ("[radio]\nchannel = 8\n", "channel must be a channel index from 0 to 7"),
        ("[radio]\nchannel = true\n", "channel must be a channel index"),
        ('[radio]\nregion = "MARS"\n', "region 'MARS' is not a region"),
        ('[radio]\npreset = "FAST_FURIOUS"\n', "preset 'FAST_FURIOUS' is unknown"),
        ("[radio]\nbudget_share = 0.5\n", "budget_share must be a number above 0 and at most 0.1"),
        ('[radio]\nbudget_share = "5%"\n', "budget_share must be a number"),
        ("[radio]\nport = 3\n", "port must be a non-empty string"),
        ("[radio]\nbaud = 115200\n", "unknown setting 'baud'"),
    ],
)
def test_bad_radio_settings_name_the_file_and_key(
    tmp_path: Path, section: str, message: str
) -> None:
    path = write(tmp_path, section)
    with pytest.raises(ConfigError) as caught:
        load_radio_config(path)
    assert str(caught.value).startswith(f"{path}: [radio]")
    assert message in str(caught.value)


def test_run_refuses_port_and_host_together(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["run", "--port", "/dev/ttyUSB0", "--host", "127.0.0.1"],
        obj=CliContext(home=tmp_path),
    )
    assert result.exit_code == 2
    assert "give --port or --host, not both" in result.output


# -- the control server, in process -------------------------------------------------------


async def _echo(request: dict[str, Any]) -> Any:
    if "fail" in request:
        raise InputError("refused: " + str(request["fail"]))
    if "crash" in request:
        raise RuntimeError("a bug")
    if "odd" in request:
        return {"set": {1, 2}}  # msgpack cannot encode a set
    return {"echo": request.get("value")}


def serve_and_ask(path: Path, *messages: dict[str, Any]) -> list[Any]:
    """Start a server on ``path``, send each message from a client thread, stop."""

    async def main() -> list[Any]:
        server = ControlServer(path, {"echo": _echo})
        await server.start()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        answers: list[Any] = []
        for message in messages:
            try:
                answers.append(await asyncio.to_thread(request, path, message))
            except ControlError as exc:
                answers.append(f"error: {exc}")
        await server.close()
        return answers

    return asyncio.run(main())


def test_control_answers_refusals_and_bugs_with_errors(tmp_path: Path) -> None:
    path = tmp_path / "control.sock"
    answers = serve_and_ask(
        path,
        {"op": "echo", "value": 7},
        {"op": "echo", "fail": "no"},
        {"op": "echo", "crash": 1},
        {"op": "echo", "odd": 1},
        {"op": "echo", "value": "still here"},
    )
    assert answers == [
        {"echo": 7},
        "error: refused: no",
        "error: internal error while handling 'echo'; see the daemon's log",
        "error: internal error while answering 'echo'; see the daemon's log",
        {"echo": "still here"},
    ]
    assert not path.exists()


def test_a_stale_socket_is_replaced(tmp_path: Path) -> None:
    path = tmp_path / "control.sock"
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(str(path))  # bound, never listening: what a killed daemon leaves behind
    dead.close()
    assert serve_and_ask(path, {"op": "echo", "value": 1}) == [{"echo": 1}]


def test_a_second_server_is_refused_while_one_answers(tmp_path: Path) -> None:
    path = tmp_path / "control.sock"

    async def main() -> None:
        first = ControlServer(path, {"echo": _echo})
        await first.start()
        try:
            with pytest.raises(NodeError, match="already running"):
                await ControlServer(path, {"echo": _echo}).start()
        finally:
            await first.close()

    asyncio.run(main())


def test_no_daemon_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DaemonNotRunning, match="daemon not running"):
        request(tmp_path / "control.sock", {"op": "status"})
