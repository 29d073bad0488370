"""The board table's width: what shutil.get_terminal_size says, without importing shutil."""

from __future__ import annotations

import shutil

import pytest

from meshaid.cli.board import _terminal_width


@pytest.mark.parametrize("columns", [None, "132", "0", "-5", "wide", ""])
def test_the_width_is_shutils(monkeypatch: pytest.MonkeyPatch, columns: str | None) -> None:
    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    assert _terminal_width() == shutil.get_terminal_size().columns
