"""The one place where library errors become command-line errors.

Each layer has one error family root: ``meshaid.node.errors.NodeError``,
``meshaid.protocol.errors.ProtocolError`` and ``meshaid.hardware.radio.RadioError``. Their
messages are written for the person at the terminal, so a command shows one as a single
line (``Error: ...`` on stderr, exit status 1, no traceback) and nothing on stdout. A
command given ``--json`` prints the error as JSON instead, ``{"error": "..."}`` on one
line of stdout, where the program reading its output looks (``JsonError``). Mistakes in
the command line itself (an unknown option, a missing argument, an argument that is not
UTF-8) are one line too, with exit status 2 (``usage_error``). Anything else is a bug and
keeps its traceback.

Commands use the decorator::

    @click.command()
    @click.pass_obj
    @reports_errors
    def show(obj: CliContext, code: str) -> None: ...

or, around a part of a command (a generator consumed while printing, say), the context
manager ``with library_errors(): ...``. The root group wraps every command in it too.
``click_error(exc, prefix)`` makes the same one-line error of anything else a command
wants to report that way.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

import click

from meshaid.node.errors import NodeError
from meshaid.protocol.errors import ProtocolError

# RadioError is the third root, but this module does not import meshaid.hardware.radio for
# it: a command that never loaded that module cannot have raised one (``is_library_error``).
LIBRARY_ERRORS: tuple[type[Exception], ...] = (NodeError, ProtocolError)
_RADIO_MODULE = "meshaid.hardware.radio"

P = ParamSpec("P")
R = TypeVar("R")


class JsonError(click.ClickException):
    """A command-line error shown as ``{"error": message}`` on one line of stdout."""

    def show(self, file: object = None) -> None:
        click.echo(json.dumps({"error": self.format_message()}, ensure_ascii=False))


class JsonUsageError(JsonError):
    exit_code = 2


class OneLineUsageError(click.ClickException):
    """A mistake in the command line: one line, exit status 2 as click gives it."""

    exit_code = 2


def as_json_error(exc: click.ClickException) -> JsonError:
    """``exc`` (a usage error in its one-line form) as a JsonError with its exit status."""
    if isinstance(exc, JsonError):
        return exc
    if isinstance(exc, click.UsageError | OneLineUsageError):
        return JsonUsageError(" ".join(exc.format_message().split()))
    return JsonError(exc.message)


def usage_error(exc: click.UsageError) -> OneLineUsageError:
    """A mistake in the command line as one line: click's message, in place of click's
    usage block (``--help`` says the rest)."""
    # click's own message may run over several lines
    return OneLineUsageError(" ".join(exc.format_message().split()))


def click_error(exc: BaseException, prefix: str = "") -> click.ClickException:
    """``exc`` as a ClickException: ``prefix`` and the error's message, as it is.

    The families promise a one-line message, so the message is not reworded; an error
    raised without one shows its class name instead of an empty ``Error:``.
    """
    return click.ClickException(prefix + (str(exc) or type(exc).__name__))


def is_library_error(exc: BaseException) -> bool:
    """Whether ``exc`` belongs to one of the three families (LIBRARY_ERRORS or RadioError)."""
    if isinstance(exc, LIBRARY_ERRORS):
        return True
    radio = sys.modules.get(_RADIO_MODULE)
    return radio is not None and isinstance(exc, radio.RadioError)


@contextmanager
def library_errors() -> Iterator[None]:
    """Re-raise any error of the three families as a one-line ClickException."""
    try:
        yield
    except Exception as exc:
        if not is_library_error(exc):
            raise
        raise click_error(exc) from exc


def reports_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Decorate a command's callback so that it reports library errors as one line."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            with library_errors():
                return command(*args, **kwargs)
        except click.ClickException as exc:
            if kwargs.get("as_json") is True:
                raise as_json_error(exc) from exc
            raise

    return wrapper
