"""The short run of the crash and fault suite (scripts/crash_suite.py) in CI.

At least 50 SIGKILLs of ``meshaid post`` and of the two daemons while they write, radio
faults between them, the clock five years ahead and back in 1970 across restarts; then
every acknowledged post is in the store, both databases pass ``integrity_check``, no seq
was used twice and stamped minutes never went back. The long run and its figures:
RELIABILITY.md.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "crash_suite.py"


@pytest.mark.slow
def test_fifty_kills_lose_nothing_acknowledged(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("crash_suite", SCRIPT)
    assert spec is not None and spec.loader is not None
    suite = importlib.util.module_from_spec(spec)
    sys.modules["crash_suite"] = suite
    spec.loader.exec_module(suite)
    # Mostly posts (a daemon restart costs seconds of imports); the daemons still die a few
    # times each while they take socket posts and records from the air.
    report = suite.run_suite(50, 13, tmp_path, fault_every=8, weights=(16, 2, 2),
                             catch_up=5.0)
    assert report.kills == 50
    assert report.acknowledged > 0 and report.by_target["cli"] > 0
    assert report.missing == []
    assert report.integrity == {"a": "ok", "b": "ok"}
    assert report.seq_reused == []
    assert report.minutes_back == 0
    assert report.ok
