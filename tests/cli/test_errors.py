"""Library errors on the command line: one line on stderr, from one helper (cli/errors.py)."""

from __future__ import annotations

import json

import click
import pytest
from click.testing import CliRunner

from meshaid.cli.errors import click_error, library_errors, reports_errors
from meshaid.cli.main import MeshaidGroup
from meshaid.hardware.radio import RadioNotConnectedError
from meshaid.node.errors import NodeError, StoreBusyError
from meshaid.protocol.errors import SignatureError, UsageError

FAMILY_ERRORS = [
    StoreBusyError("the board database is busy; try again"),
    UsageError("text is 230 bytes, 30 over the limit of 200 bytes"),
    SignatureError("bad signature from node 10ba682c"),
    RadioNotConnectedError("the radio is closed"),
]


def failing_command(exc: BaseException) -> click.Command:
    @click.command()
    @click.option("--json", "as_json", is_flag=True)
    @reports_errors
    def command(as_json: bool) -> None:
        """Fails."""
        raise exc

    return command


@pytest.mark.parametrize("exc", FAMILY_ERRORS, ids=lambda e: type(e).__name__)
def test_each_family_is_one_line_on_stderr(exc: Exception) -> None:
    result = CliRunner().invoke(failing_command(exc), [])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == f"Error: {exc}\n"


@pytest.mark.parametrize("exc", FAMILY_ERRORS, ids=lambda e: type(e).__name__)
def test_with_json_each_family_is_one_json_line_on_stdout(exc: Exception) -> None:
    result = CliRunner().invoke(failing_command(exc), ["--json"])
    assert result.exit_code == 1
    assert result.stdout == json.dumps({"error": str(exc)}) + "\n"
    assert result.stderr == ""


def test_other_errors_keep_their_traceback() -> None:
    result = CliRunner().invoke(failing_command(KeyError("bug")), [])
    assert isinstance(result.exception, KeyError)


def test_the_message_is_kept_as_it_is_and_never_empty() -> None:
    assert click_error(NodeError("no entry has code ZZZZ")).message == "no entry has code ZZZZ"
    assert click_error(RadioNotConnectedError()).message == "RadioNotConnectedError"
    assert click_error(NodeError("boom"), "simulation stopped: ").message == (
        "simulation stopped: boom"
    )


def test_the_context_manager_converts_and_chains() -> None:
    with pytest.raises(click.ClickException) as caught, library_errors():
        raise StoreBusyError("busy")
    assert caught.value.message == "busy"
    assert isinstance(caught.value.__cause__, StoreBusyError)


def test_the_root_group_converts_for_commands_that_do_not() -> None:
    @click.group(cls=MeshaidGroup)
    def root() -> None:
        """Root."""

    @root.command()
    def plain() -> None:
        """Fails without the decorator."""
        raise RadioNotConnectedError("no radio on /dev/ttyUSB0")

    result = CliRunner().invoke(root, ["plain"])
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == "Error: no radio on /dev/ttyUSB0\n"
