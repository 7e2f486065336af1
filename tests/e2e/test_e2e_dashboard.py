"""The dashboard served by `streamlit run`, driven by headless Chromium through every page."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "tests" / "_artifacts"
PAGES = {  # url path -> a heading the page must show
    "": "Overview",
    "portraits": "User portraits",
    "explorer": "Embedding explorer",
    "recommendations": "Recommendations",
    "search": "Personalised search",
    "evaluation": "Evaluation",
    "data": "Data",
}
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium (apt-get install chromium)"),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(e2e_workspace):
    """`streamlit run app.py` on a free localhost port, stopped after the module."""
    port = _free_port()
    env = {**os.environ, "LLMREC_WORKSPACE": str(e2e_workspace)}
    log = (ARTIFACTS / "streamlit.log")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail(f"streamlit did not start; see {log}")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


def _settle(page, heading: str) -> None:
    """Wait for the heading, then for Streamlit to finish running the script."""
    page.get_by_role("heading", name=heading).first.wait_for(timeout=60_000)
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=120_000)
    page.wait_for_function(  # lazy components loaded, every Plotly chart has drawn its SVG layer
        "() => !document.querySelector('[data-testid=\"stSkeleton\"]') && "
        "[...document.querySelectorAll('[data-testid=\"stPlotlyChart\"]')]"
        ".every(c => c.querySelector('.main-svg'))", timeout=60_000)
    page.wait_for_timeout(500)


def test_deep_link_as_first_request_gets_the_frame(server, browser):
    """Defined first so it is the server's first request: a shared link must not bypass app.py."""
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        page.goto(f"{server}/portraits?user=U00003", wait_until="domcontentloaded")
        _settle(page, "User portraits")
        assert page.locator('[data-testid="stException"]').count() == 0
        nav = page.locator('[data-testid="stSidebarNav"]')
        assert nav.get_by_text("Personalised search").count() == 1  # app.py's navigation, not the legacy one
        assert page.locator('[data-testid="stSidebar"]').get_by_text("Workspace").count() >= 1
        assert "user=U00003" in page.url
    finally:
        page.close()


@pytest.mark.parametrize("path", list(PAGES))
def test_page_loads_without_errors(server, browser, path):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        page.goto(f"{server}/{path}", wait_until="domcontentloaded")
        _settle(page, PAGES[path])
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"e2e-{path or 'overview'}.png"), full_page=True)
        assert page.locator('[data-testid="stException"]').count() == 0
        alerts = page.locator('[data-testid="stAlertContentError"]')
        assert alerts.count() == 0, alerts.all_inner_texts()
        # the shared sidebar is present on every page, including deep links
        assert page.locator('[data-testid="stSidebar"]').get_by_text("Workspace").count() >= 1
    finally:
        page.close()


def test_navigation_keeps_the_sidebar_choices(server, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        page.goto(f"{server}/portraits?k=5", wait_until="domcontentloaded")
        _settle(page, "User portraits")
        page.locator('[data-testid="stSidebarNav"]').get_by_text("Recommendations").click()
        _settle(page, "Recommendations")
        assert "k=5" in page.url
        assert page.get_by_text("Top 5 from").count() >= 1
    finally:
        page.close()
