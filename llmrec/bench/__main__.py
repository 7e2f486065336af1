"""`python -m llmrec.bench`: run the benchmarks and write BENCHMARKS.md.

Each benchmark runs in its own process (so memory peaks and thread settings do not leak between
them) and prints ratios against a reference measured in that same process. Its output is kept in
benchmarks/<name>.txt; BENCHMARKS.md is rebuilt from every kept output, so benchmarks can be
rerun one at a time (`--only mf`).
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks"

# name -> (title, target, command arguments after `python -m`)
BENCHMARKS: dict[str, tuple[str, str, list[str]]] = {
    "embedding": ("Text embedding throughput",
                  "our encoder >= 2x sentence-transformers' encode on the same model and texts, "
                  "cosine agreement >= 0.999",
                  ["llmrec.bench.embedding"]),
    "mf": ("BPR-MF against implicit",
           "faster than implicit's BPR to the same NDCG@10 (epoch time and NDCG@10 ratios against "
           "implicit's BPR and ALS on the same data)",
           ["llmrec.bench.mf"]),
    "build": ("Build time and peak memory",
              "demo default cold < 2 min, warm < 10 s; 1M interactions / 100k items < 15 min in < 4 GB",
              ["llmrec.bench.build"]),
    "evaluation": ("Evaluation throughput",
                   "thousands of users/s over 100k items on 2 cores (full ranking, all metrics)",
                   ["llmrec.bench.evaluation"]),
    "ui": ("Dashboard speed",
           "first page < 3 s after start; switching user, model or colouring < 300 ms on the demo data",
           ["llmrec.bench.ui"]),
    "quality": ("Recommendation quality, frozen vs fine-tuned text",
                "text_mf > bpr on warm NDCG@10; fine-tuned text improves itemknn and text_mf over frozen; "
                "cold-start: best text-aware model >= content itemknn with frozen text",
                ["llmrec.bench.quality"]),
    "sequential": ("Sequential models in the build",
                   "on Amazon Scientific, what `build` trains reaches the published numbers: text_sasrec "
                   "NDCG@10 >= 0.064, sasrec >= 0.055, and text_sasrec > sasrec",
                   ["llmrec.bench.sequential"]),
    "reasons": ("Generated reasons",
                "final grounding rate 100% (after fallback); template failures 0; LLM raw grounding >= 0.5 "
                "(Scientific) and >= 0.8 (demo) for reasons; fallback rate and latency measured",
                ["llmrec.bench.reasons"]),
}


def run(name: str, extra: list[str]) -> None:
    title, _target, command = BENCHMARKS[name]
    started = time.perf_counter()
    print(f"== {title}: python -m {' '.join(command + extra)}", flush=True)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    result = subprocess.run([sys.executable, "-m", *command, *extra], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    output = result.stdout.strip()
    if result.returncode != 0:
        output += f"\n\nFAILED (exit {result.returncode}):\n{result.stderr.strip()[-3000:]}"
    print(output)
    RESULTS.mkdir(exist_ok=True)
    header = (f"command: python -m {' '.join(command + extra)}\n"
              f"run: {datetime.now(UTC).isoformat(timespec='minutes')}, "
              f"{time.perf_counter() - started:.0f} s, {platform.processor() or platform.machine()}, "
              f"{os.cpu_count()} cores\n")
    (RESULTS / f"{name}.txt").write_text(header + "\n" + output + "\n")


def write_markdown() -> None:
    parts = ["# Benchmarks",
             "",
             "Measured with `python -m llmrec.bench` (all) or `python -m llmrec.bench --only NAME`.",
             "Every figure is a ratio against a reference run in the same process, because these",
             "machines are shared and noisy; absolute times are indicative only. Raw outputs live in",
             "`benchmarks/`.",
             ""]
    for name, (title, target, _command) in BENCHMARKS.items():
        path = RESULTS / f"{name}.txt"
        parts += [f"## {title}", "", f"Target: {target}.", ""]
        notes = RESULTS / f"{name}.notes.md"
        if notes.exists():
            parts += [notes.read_text().strip(), ""]
        if path.exists():
            parts += ["```", path.read_text().strip(), "```", ""]
        elif not notes.exists():
            parts += ["Not run yet.", ""]
    (ROOT / "BENCHMARKS.md").write_text("\n".join(parts))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m llmrec.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=list(BENCHMARKS), help="run only these benchmarks")
    parser.add_argument("--workspace", default="workspace", help="built workspace for the dashboard")
    parser.add_argument("--large", action="store_true",
                        help="also build 1M interactions / 100k items (long on 2 cores)")
    args = parser.parse_args(argv)
    extras = {"ui": ["--workspace", args.workspace], "build": [] if args.large else ["--no-large"]}
    for name in args.only or list(BENCHMARKS):
        run(name, extras.get(name, []))
    write_markdown()
    print(f"wrote {ROOT / 'BENCHMARKS.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
