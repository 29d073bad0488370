"""The spellings of the simulator's figures, shared by `meshaid sim` and BENCHMARKS.md."""

from __future__ import annotations

import importlib.util
import math
import sys
from dataclasses import replace
from pathlib import Path
from types import ModuleType

from meshaid.cli.figures import duration, number, percent, spread
from meshaid.node.sim.measures import Percentiles
from meshaid.node.sim.scenarios import SCENARIOS
from meshaid.node.sim.simulation import run_scenario

ROOT = Path(__file__).resolve().parents[2]


def test_durations_change_unit_at_two_minutes_and_two_hours() -> None:
    assert duration(None) == "never"
    assert duration(119.4) == "119 s"
    assert duration(120) == "2.0 min"
    assert duration(7199) == "120.0 min"
    assert duration(7200) == "2.0 h"


def test_missing_figures_use_the_callers_mark() -> None:
    assert percent(None) == "-" and percent(None, missing="–") == "–"
    assert percent(0.99237) == "99.24 %" and percent(0.0312, 1) == "3.1 %"
    assert number(None, missing="–") == "–"
    assert number(0.2604, 3, "s") == "0.260 s" and number(71.84) == "71.8"


def test_spread_lists_four_ranks_and_never_for_records_that_did_not_converge() -> None:
    assert spread(None) == "-" and spread(Percentiles.of([]), "–") == "–"
    p = Percentiles.of([1.0, 2.0, 300.0, math.inf])
    assert spread(p) == "2 s / never / never / never"
    assert spread(Percentiles.of([5.0, 90.0, 8000.0])) == "90 s / 2.2 h / 2.2 h / 2.2 h"


def _bench_script() -> ModuleType:
    path = ROOT / "scripts" / "bench_sim.py"
    spec = importlib.util.spec_from_file_location("bench_sim_under_test", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_benchmark_script_renders_a_scenario_table() -> None:
    bench = _bench_script()
    sc = replace(SCENARIOS["small"], hours=0.25, settle_hours=0.25)
    results = run_scenario(sc, ("engine", "flooding"))
    table = bench.scenario_table(sc, results)
    lines = table.splitlines()
    assert lines[0] == "| | sync engine | (a) naive flooding |"
    delivery = next(line for line in lines if line.startswith("| delivery |"))
    assert delivery.count("%") == 2
    airtime = next(line for line in lines if line.startswith("| airtime per hour, all nodes |"))
    assert airtime.count(" s |") == 2
