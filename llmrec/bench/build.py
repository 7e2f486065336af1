"""Build benchmark: wall time and peak memory of `python -m llmrec build`, cold and warm.

Each build runs in its own process so its peak resident memory (ru_maxrss of the child) is
measured alone; the cold run starts with an empty embedding cache and no workspace, the warm run
rebuilds the same workspace unchanged. Every build also prints its per-stage times, read from the
manifest the build wrote. `--keep DIR` keeps the workspaces (e.g. to measure the dashboard on the
large one); `--no-large` skips the 1M-interaction build.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed_build(workspace: Path, cache: Path, extra: list[str]) -> dict:
    """Run one build in a child process; return seconds and the child's peak RSS in MB."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    env = {**os.environ, "LLMREC_CACHE": str(cache)}
    result = subprocess.run([sys.executable, "-m", "llmrec", "build", "--workspace", str(workspace), *extra],
                            env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"build failed:\n{result.stderr[-3000:]}")
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of children is the maximum over all children so far: only a rise is attributable.
    return {"seconds": round(seconds, 1), "peak_mb": round(max(peak_kb, before) / 1024),
            "peak_is_exact": peak_kb > before, "stages": stage_seconds(workspace),
            "cpu_stages": stage_seconds(workspace, "cpu_timings")}


def stage_seconds(workspace: Path, record: str = "timings") -> dict[str, float]:
    """Seconds per stage (and "total") as recorded in the workspace manifest by the build itself:
    wall seconds (`timings`) or the build process's CPU seconds, all threads (`cpu_timings`)."""
    manifest = json.loads((Path(workspace) / "manifest.json").read_text())
    return {name: float(seconds) for name, seconds in manifest.get(record, {}).items()}


def format_stages(stages: dict[str, float], cpu: dict[str, float] | None = None) -> str:
    """One line per stage: `  embed      6:07   (367.2 s)`, then its CPU seconds when `cpu` has
    them (`  412.0 CPU s`); total last."""
    rows = [(name, seconds) for name, seconds in stages.items() if name != "total"]
    if "total" in stages:
        rows.append(("total", stages["total"]))
    cpu = cpu or {}
    return "\n".join(f"    {name:<10} {int(seconds // 60):>3}:{int(seconds % 60):02d}  ({seconds:8.1f} s)"
                     + (f" {cpu[name]:8.1f} CPU s" if name in cpu else "")
                     for name, seconds in rows)


def time_demo_generation() -> None:
    """Seconds to generate the default and a small demo store (was a wall-clock unit test)."""
    from llmrec.data.demo import DemoConfig, generate_demo

    for label, config in (("default", DemoConfig()),
                          ("small", DemoConfig(n_users=200, n_items=150, n_interactions=3000,
                                               n_reviews=600, seed=7))):
        started = time.perf_counter()
        generate_demo(config)
        print(f"demo generation ({label}): {time.perf_counter() - started:.2f} s")


def run_build_benchmark(large: bool = True, keep: Path | None = None) -> dict:
    time_demo_generation()
    results = {}
    with tempfile.TemporaryDirectory() as scratch:
        tmp = Path(keep) if keep is not None else Path(scratch)
        tmp.mkdir(parents=True, exist_ok=True)
        results["demo_cold"] = timed_build(tmp / "demo", tmp / "cache", ["--source", "demo"])
        results["demo_warm"] = timed_build(tmp / "demo", tmp / "cache", ["--source", "demo"])
        if large:
            results["large"] = timed_build(
                tmp / "large", tmp / "cache",
                ["--source", "demo", "--demo-users", "60000", "--demo-items", "100000",
                 "--demo-interactions", "1000000", "--demo-reviews", "50000"])
    for name, row in results.items():
        print(f"{name:>10}: {row['seconds']:7.1f} s, peak {row['peak_mb']:,} MB")
        print(format_stages(row["stages"], row["cpu_stages"]))
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m llmrec.bench.build", description=__doc__.splitlines()[0])
    parser.add_argument("--large", dest="large", action="store_true", default=True,
                        help="also build 1M interactions / 100k items (the default; long on 2 cores)")
    parser.add_argument("--no-large", dest="large", action="store_false", help="skip the 1M build")
    parser.add_argument("--keep", type=Path, default=None,
                        help="folder to build in and keep (workspaces and cache) instead of a temporary one")
    args = parser.parse_args(argv)
    run_build_benchmark(large=args.large, keep=args.keep)


if __name__ == "__main__":
    main()
