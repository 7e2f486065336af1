"""The dashboard served by `streamlit run`, driven by headless Chromium through every page."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import ARTIFACTS, CHROMIUM
from tests.e2e.screenshots import served, settle

PAGES = {  # url path -> a heading the page must show
    "": "Overview",
    "portraits": "User portraits",
    "explorer": "Embedding explorer",
    "recommendations": "Recommendations",
    "search": "Personalised search",
    "evaluation": "Evaluation",
    "data": "Data",
}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium (apt-get install chromium)"),
]


@pytest.fixture(scope="module")
def server(e2e_workspace, config_home):
    """`streamlit run app.py` on a free localhost port, stopped after the module."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with served(e2e_workspace, ARTIFACTS / "streamlit.log", {"XDG_CONFIG_HOME": str(config_home)}) as url:
        yield url


def test_deep_link_as_first_request_gets_the_frame(server, browser):
    """Defined first so it is the server's first request: a shared link must not bypass app.py."""
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        page.goto(f"{server}/portraits?user=U00003", wait_until="domcontentloaded")
        settle(page, "User portraits")
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
        settle(page, PAGES[path])
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
        settle(page, "User portraits")
        page.locator('[data-testid="stSidebarNav"]').get_by_text("Recommendations").click()
        settle(page, "Recommendations")
        assert "k=5" in page.url
        assert page.get_by_text("Top 5 from").count() >= 1
    finally:
        page.close()
