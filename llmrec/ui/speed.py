"""Dashboard speed through streamlit's AppTest: first render of each page, widget-change latency.

Wall milliseconds, and the process's CPU milliseconds beside them: on a shared machine the wall
time says mostly how busy the other processes were, the CPU time what the dashboard itself did.

Used by `python -m llmrec.bench.ui`; lives in llmrec/ui because it drives streamlit.
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app.py"
PAGES = ("pages/1_overview.py", "pages/2_portraits.py", "pages/3_explorer.py",
         "pages/4_recommendations.py", "pages/5_search.py", "pages/6_evaluation.py",
         "pages/7_data.py")


def _app(timeout: float = 120):
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(str(APP), default_timeout=timeout)


def _ms(action) -> tuple[float, float]:
    """(wall ms, CPU ms of this process) of one action (AppTest runs the page in this process)."""
    started, cpu = time.perf_counter(), time.process_time()
    action()
    return (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000


def _check(at, step: str) -> None:
    if at.exception:
        raise RuntimeError(f"{step}: {at.exception[0].value}")


def measure(workspace: Path, repeat: int = 3) -> dict[str, tuple[float, float]]:
    """(wall ms, CPU ms) per step (for the switches: the medians of `repeat` changes)."""
    os.environ["LLMREC_WORKSPACE"] = str(workspace)
    results: dict[str, tuple[float, float]] = {}
    at = _app()
    results["first page (cold: workspace + overview)"] = _ms(at.run)
    _check(at, "first page")
    for page in PAGES:
        results[f"open {page} (cold)"] = _ms(lambda page=page: at.switch_page(page).run())
        _check(at, page)

    from llmrec.pipeline.artifacts import Workspace

    ws = Workspace(workspace)

    def median(times: list[tuple[float, float]]) -> tuple[float, float]:
        return statistics.median(t[0] for t in times), statistics.median(t[1] for t in times)

    def switches(page: str, key: str, values: list[str] | None, where: str = "main") -> tuple[float, float]:
        at.switch_page(page).run()
        if values is None:  # users: the next ones on the list (privacy is off, so labels are ids)
            values = list((at.sidebar if where == "sidebar" else at).selectbox(key=key).options)[1:repeat + 1]
        times = []
        for value in values:
            box = (at.sidebar if where == "sidebar" else at).selectbox(key=key)
            times.append(_ms(lambda box=box, value=value: box.set_value(value).run()))
            _check(at, f"{page} {key}")
        return median(times)

    def radio(page: str, key: str, values: list[str]) -> tuple[float, float]:
        at.switch_page(page).run()
        times = []
        for value in values:
            widget = at.radio(key=key)
            times.append(_ms(lambda w=widget, value=value: w.set_value(value).run()))
            _check(at, f"{page} {key}")
        return median(times)

    models = [m for m in ws.model_names if m != "text_mf"][:repeat]
    results["switch user (portraits)"] = switches("pages/2_portraits.py", "portraits_user", None)
    results["switch user (recommendations)"] = switches("pages/4_recommendations.py", "recs_user", None)
    results["switch model (recommendations)"] = switches("pages/4_recommendations.py", "sidebar_model",
                                                         models, "sidebar")
    results["switch colouring (explorer)"] = radio("pages/3_explorer.py", "explorer_colour",
                                                   ["price", "popularity", "cluster", "category"])
    results["switch space (explorer)"] = radio("pages/3_explorer.py", "explorer_space", ["mf", "text"])
    return results
