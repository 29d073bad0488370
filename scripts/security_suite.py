"""Run the adversarial suite at a larger count and print its table for SECURITY.md.

    .venv/bin/python scripts/security_suite.py              # 50 variants a class
    .venv/bin/python scripts/security_suite.py --count 200 --seed 7

The same attack builders and checks as tests/adversarial/test_attacks.py (which runs 6
variants a class in CI): each class injected into a daemon in-process, then whether
any bad record was stored, held by the engine or relayed, and whether the store changed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from adversarial.attacks import run_suite


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=50, help="variants of each class")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        outcomes = run_suite(Path(tmp), args.count, args.seed)
    print(f"`.venv/bin/python scripts/security_suite.py --count {args.count} --seed "
          f"{args.seed}` ({time.perf_counter() - started:.0f} s)")
    print()
    print("| attack | variants | frames or texts | bad records | stored / held / relayed "
          "| store changed |")
    print("|---|---|---|---|---|---|")
    failed = False
    for o in outcomes:
        changed = "no" if not o.store_changed else "evidence kept" if o.equivocations else "YES"
        failed |= bool(o.stored or o.held or o.relayed) or changed == "YES"
        print(f"| {o.name} | {o.variants} | {o.frames} | {o.bad_records} | "
              f"{o.stored} / {o.held} / {o.relayed} | {changed} |")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
