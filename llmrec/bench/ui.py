"""Dashboard speed: first render of every page and the latency of common widget changes.

    python -m llmrec.bench.ui --workspace workspace [--repeat 3]

Runs the real app through streamlit.testing.v1.AppTest (no browser) against a built workspace and
prints wall milliseconds per step, the process's CPU milliseconds beside them. Budgets: first
page < 3 s after start, switching user / model / colouring < 300 ms on demo data.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

BUDGET_FIRST_MS = 3000.0
BUDGET_SWITCH_MS = 300.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m llmrec.bench.ui", description=__doc__.split("\n")[0])
    parser.add_argument("--workspace", type=Path,
                        default=Path(os.environ.get("LLMREC_WORKSPACE", "workspace")))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    from llmrec.ui.speed import measure

    results = measure(args.workspace, args.repeat)
    if args.json:
        print(json.dumps({step: {"wall_ms": wall, "cpu_ms": cpu} for step, (wall, cpu) in results.items()},
                         indent=2))
        return 0
    for step, (ms, cpu) in results.items():
        budget = BUDGET_FIRST_MS if "cold" in step else BUDGET_SWITCH_MS
        flag = "ok " if ms <= budget else "SLOW"
        print(f"{flag} {ms:8.0f} ms (cpu {cpu:6.0f} ms)  {step}  (budget {budget:.0f} ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
