"""Build benchmark: wall time and peak memory of `python -m llmrec build`, cold and warm.

Each build runs in its own process so its peak resident memory (ru_maxrss of the child) is
measured alone; the cold run starts with an empty embedding cache and no workspace, the warm run
rebuilds the same workspace unchanged.
"""

from __future__ import annotations

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
            "peak_is_exact": peak_kb > before}


def time_demo_generation() -> None:
    """Seconds to generate the default and a small demo store (was a wall-clock unit test)."""
    from llmrec.data.demo import DemoConfig, generate_demo

    for label, config in (("default", DemoConfig()),
                          ("small", DemoConfig(n_users=200, n_items=150, n_interactions=3000,
                                               n_reviews=600, seed=7))):
        started = time.perf_counter()
        generate_demo(config)
        print(f"demo generation ({label}): {time.perf_counter() - started:.2f} s")


def run_build_benchmark(large: bool = True) -> dict:
    time_demo_generation()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        results["demo_cold"] = timed_build(tmp / "demo", tmp / "cache", ["--source", "demo"])
        results["demo_warm"] = timed_build(tmp / "demo", tmp / "cache", ["--source", "demo"])
        if large:
            results["large"] = timed_build(
                tmp / "large", tmp / "cache",
                ["--source", "demo", "--demo-users", "60000", "--demo-items", "100000",
                 "--demo-interactions", "1000000", "--demo-reviews", "50000"])
    for name, row in results.items():
        print(f"{name:>10}: {row['seconds']:7.1f} s, peak {row['peak_mb']:,} MB")
    return results


def main() -> None:
    run_build_benchmark(large="--no-large" not in sys.argv)


if __name__ == "__main__":
    main()
