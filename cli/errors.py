"""The one place where library errors become command-line errors.

Each layer has one error family root: ``meshaid.node.errors.NodeError``,
``meshaid.protocol.errors.ProtocolError`` and ``meshaid.hardware.radio.RadioError``. Their
messages are written for the person at the terminal, so a command shows one as a single
line (``Error: ...`` on stderr, exit status 1, no traceback) and shows nothing on stdout,
with or without ``--json``. Anything else is a bug and keeps its traceback.

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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

import click

from meshaid.hardware.radio import RadioError
from meshaid.node.errors import NodeError
from meshaid.protocol.errors import ProtocolError

LIBRARY_ERRORS: tuple[type[Exception], ...] = (NodeError, ProtocolError, RadioError)

P = ParamSpec("P")
R = TypeVar("R")


def click_error(exc: BaseException, prefix: str = "") -> click.ClickException:
    """``exc`` as a ClickException: ``prefix`` and the error's message, as it is.

    The families promise a one-line message, so the message is not reworded; an error
    raised without one shows its class name instead of an empty ``Error:``.
    """
    return click.ClickException(prefix + (str(exc) or type(exc).__name__))


@contextmanager
def library_errors() -> Iterator[None]:
    """Re-raise any error of the LIBRARY_ERRORS families as a one-line ClickException."""
    try:
        yield
    except LIBRARY_ERRORS as exc:
        raise click_error(exc) from exc


def reports_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Decorate a command's callback so that it reports library errors as one line."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with library_errors():
            return command(*args, **kwargs)

    return wrapper
