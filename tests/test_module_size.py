"""Modules stay small enough to read in one sitting (generated protobuf code aside)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 600


def test_no_module_is_over_600_lines() -> None:
    big = []
    for layer in ("protocol", "sync", "hardware", "node", "cli", "scripts"):
        for path in (ROOT / layer).rglob("*.py"):
            if path.name.endswith("_pb2.py"):
                continue
            lines = len(path.read_text(encoding="utf-8").splitlines())
            if lines > MAX_LINES:
                big.append(f"{path.relative_to(ROOT)}: {lines} lines")
    assert big == []
