"""Regenerate the README screenshots (1280x800) of the main pages from a built workspace.

    python tests/e2e/screenshots.py --workspace workspace --out assets

Serves the app with `streamlit run` on a free localhost port and drives /usr/bin/chromium.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
# file name -> (url path with query, heading to wait for, optional action)
SHOTS = {
    "overview.png": ("", "Overview"),
    "portraits.png": ("portraits", "User portraits"),
    "explorer.png": ("explorer?overlay=1", "Embedding explorer"),
    "recommendations.png": ("recommendations", "Recommendations"),
    "search.png": ("search?q=comfortable+running+shoes", "Personalised search"),
    "evaluation.png": ("evaluation", "Evaluation"),
    "data.png": ("data", "Data"),
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(workspace: Path, port: int, log: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    env = {**os.environ, "LLMREC_WORKSPACE": str(workspace), **(env or {})}
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                return process
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise RuntimeError(f"streamlit did not start; see {log}")


@contextmanager
def served(workspace: Path, log: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    """The app served on a free localhost port for the duration of the block; yields its URL."""
    port = free_port()
    process = serve(workspace, port, log, env)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def settle(page, heading: str, timeout_ms: int = 120_000) -> None:
    page.get_by_role("heading", name=heading).first.wait_for(timeout=timeout_ms)
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=timeout_ms)
    page.wait_for_function(  # lazy components loaded, every Plotly chart has drawn its SVG layer
        "() => !document.querySelector('[data-testid=\"stSkeleton\"]') && "
        "[...document.querySelectorAll('[data-testid=\"stPlotlyChart\"]')]"
        ".every(c => c.querySelector('.main-svg'))", timeout=60_000)
    page.wait_for_timeout(500)


def main(argv: list[str] | None = None) -> int:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workspace", type=Path, default=Path("workspace"))
    parser.add_argument("--out", type=Path, default=ROOT / "assets")
    parser.add_argument("--full-page", action="store_true", help="capture the whole page, not 1280x800")
    parser.add_argument("--height", type=int, default=800,
                        help="viewport height in pixels: Streamlit scrolls inside its own container, so a "
                             "tall viewport (e.g. 5000) is how to see a whole page")
    parser.add_argument("--timeout", type=float, default=120,
                        help="seconds a page may take to settle (more on a loaded machine)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    log = Path(tempfile.gettempdir()) / f"llmrec-screenshots-{os.getpid()}.log"
    try:
        with served(args.workspace.resolve(), log) as url, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": args.height})
            for name, (path, heading) in SHOTS.items():
                page.goto(f"{url}/{path}", wait_until="domcontentloaded")
                settle(page, heading, int(args.timeout * 1000))
                page.screenshot(path=str(args.out / name), full_page=args.full_page)
                print(f"wrote {args.out / name}")
            browser.close()
    finally:
        log.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
