"""Scenario and texts files for `meshaid sim`: bad ones are meshaid's one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import invoke, one_line_error


@pytest.mark.parametrize(("content", "expected"), [
    (b'nodes = "many"\n', "scenario field nodes must be a whole number, not 'many'"),
    (b"nodes = 3\nloss = true\n", "scenario field loss must be a number"),
    (b'nodes = 3\nname = "caf\xe9"\n', "not valid UTF-8"),
    (b"nodes = 3\n[[outages]]\nnode = 1\nstart = 1\n", "outages #1 needs end"),
    (b'nodes = 3\n[[outages]]\nnode = "a"\nstart = 1\nend = 2\n', "outages #1 node must be"),
    (b'nodes = 3\nclock_offsets = { x = 1 }\n', "clock_offsets: 'x' is not a node number"),
])
def test_bad_scenario_files(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "storm.toml"
    path.write_bytes(content)
    assert expected in one_line_error(invoke("sim", "--scenario", str(path)), 1)


def test_a_json_scenario_with_a_lone_surrogate(tmp_path: Path) -> None:
    path = tmp_path / "storm.json"
    path.write_text('{"nodes": 3, "name": "\\udc80"}', encoding="utf-8")
    assert "not valid UTF-8" in one_line_error(invoke("sim", "--scenario", str(path)), 1)


@pytest.mark.parametrize("content", [b'{"text": "caf\xe9"}\n', b'{"text": "\\udc80"}\n'])
def test_bad_texts_files(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "texts.jsonl"
    path.write_bytes(content)
    line = one_line_error(invoke("sim", "small", "--texts", str(path)), 1)
    assert str(path) in line
