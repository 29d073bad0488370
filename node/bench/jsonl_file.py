"""Reading sample files of one JSON object a line, as the benchmarks take them, and the
error the benchmarks raise when such a file is not what they measure."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from meshaid.node.errors import InputError

T = TypeVar("T")


class BenchInputError(InputError):
    """A benchmark's sample file cannot be read, or one of its lines is not a valid sample."""


def read_numbered(
    path: Path,
    parse: Callable[[str, int], T],
    what: str,
    error: type[InputError] = BenchInputError,
) -> list[T]:
    """Every non-blank line of ``path`` through ``parse(text, line_number)``.

    ``error`` is raised, naming the file, when it cannot be read or holds no ``what``.
    """
    try:
        content = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise error(f"cannot read {path}: {reason}") from None
    items = [parse(text, n) for n, text in enumerate(content.splitlines(), 1) if text.strip()]
    if not items:
        raise error(f"{path} holds no {what}")
    return items


def json_object(
    text_line: str, line: int, error: type[InputError] = BenchInputError
) -> dict[str, Any]:
    """One line's JSON object; ``error`` names the line when it is not one."""
    try:
        raw = json.loads(text_line)
    except json.JSONDecodeError as exc:
        raise error(f"line {line}: not valid JSON ({exc.msg})") from None
    if not isinstance(raw, dict):
        raise error(f"line {line}: expected a JSON object")
    return raw
