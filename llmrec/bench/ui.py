"""Dashboard speed: first render of every page and the latency of common widget changes.

    python -m llmrec.bench.ui --workspace workspace [--repeat 3]

Runs the real app through streamlit.testing.v1.AppTest (no browser) against a built workspace and
prints milliseconds per step. Budgets: first page < 3 s after start, switching user / model /
colouring < 300 ms on demo data.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app.py"
PAGES = ("pages/1_overview.py", "pages/2_portraits.py", "pages/3_explorer.py", "pages/4_recommendations.py",
         "pages/5_search.py", "pages/6_evaluation.py", "pages/7_data.py")
BUDGET_FIRST_MS = 3000.0
BUDGET_SWITCH_MS = 300.0


def build_demo_workspace(root: Path, n_users: int = 300, n_items: int = 200, *, quick: bool = True,
                         cache_dir: Path | None = None) -> Path:
    """Build a small demo workspace at `root` unless one is already there; return `root`."""
    from llmrec.pipeline.config import BuildConfig
    from llmrec.pipeline.run import build_workspace

    root = Path(root)
    if (root / "manifest.json").is_file():
        return root
    options = {"n_users": n_users, "n_items": n_items, "n_interactions": n_users * 12,
               "n_reviews": n_users * 4}
    extra = {"epochs": 5, "factors": 16} if quick else {}
    if cache_dir is not None:
        extra["cache_dir"] = cache_dir
    build_workspace(BuildConfig(workspace=root, source="demo", source_options=options, **extra))
    return root


def _app(timeout: float = 120):
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(str(APP), default_timeout=timeout)


def _ms(action) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def _check(at, step: str) -> None:
    if at.exception:
        raise RuntimeError(f"{step}: {at.exception[0].value}")


def measure(workspace: Path, repeat: int = 3) -> dict[str, float]:
    """Milliseconds per step (median of `repeat` for the switches)."""
    os.environ["LLMREC_WORKSPACE"] = str(workspace)
    results: dict[str, float] = {}
    at = _app()
    results["first page (cold: workspace + overview)"] = _ms(at.run)
    _check(at, "first page")
    for page in PAGES:
        results[f"open {page} (cold)"] = _ms(lambda page=page: at.switch_page(page).run())
        _check(at, page)

    def switches(page: str, key: str, where: str = "main") -> float:
        at.switch_page(page).run()
        box = (at.sidebar if where == "sidebar" else at).selectbox(key=key)
        options = list(box.options)
        times = []
        for i in range(repeat):
            box = (at.sidebar if where == "sidebar" else at).selectbox(key=key)
            times.append(_ms(lambda i=i, box=box: box.select_index((i + 1) % len(options)).run()))
            _check(at, f"{page} {key}")
        return statistics.median(times)

    def radio(page: str, key: str) -> float:
        at.switch_page(page).run()
        times = []
        for i in range(repeat):
            widget = at.radio(key=key)
            times.append(_ms(lambda i=i, w=widget: w.set_value(w.options[(i + 1) % len(w.options)]).run()))
            _check(at, f"{page} {key}")
        return statistics.median(times)

    results["switch user (portraits)"] = switches("pages/2_portraits.py", "portraits_user", "sidebar")
    results["switch user (recommendations)"] = switches("pages/4_recommendations.py", "recs_user", "sidebar")
    results["switch model (recommendations)"] = switches("pages/4_recommendations.py", "sidebar_model",
                                                         "sidebar")
    results["switch colouring (explorer)"] = radio("pages/3_explorer.py", "explorer_colour")
    results["switch space (explorer)"] = radio("pages/3_explorer.py", "explorer_space")
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m llmrec.bench.ui", description=__doc__.split("\n")[0])
    parser.add_argument("--workspace", type=Path, default=Path(os.environ.get("LLMREC_WORKSPACE", "workspace")))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    results = measure(args.workspace, args.repeat)
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    for step, ms in results.items():
        budget = BUDGET_FIRST_MS if "cold" in step else BUDGET_SWITCH_MS
        flag = "ok " if ms <= budget else "SLOW"
        print(f"{flag} {ms:8.0f} ms  {step}  (budget {budget:.0f} ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
