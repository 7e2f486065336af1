"""A metadata-less workspace (ids only, no ratings, no dates) in a real browser: no page claims an
"Unknown" category, shows markup, or dates what is only an order."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import ARTIFACTS, needs_chromium
from tests.e2e.screenshots import served, settle
from tests.e2e.test_e2e_dashboard import PAGES
from tests.e2e.test_e2e_no_network import SHOWN_TEXT

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    needs_chromium(),
]
MARKUP = re.compile(r"<\s*/?\s*[a-z]+[^>]*>|class=|&(?:amp|lt|gt|quot|nbsp);", re.I)


@pytest.fixture(scope="module")
def server(bare_workspace, config_home):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    env = {"XDG_CONFIG_HOME": str(config_home)}
    with served(bare_workspace, ARTIFACTS / "streamlit-bare.log", env) as url:
        yield url


@pytest.mark.parametrize("path", [p for p in PAGES if p != "data"])
def test_no_unknown_category_and_no_markup_on_any_page(server, browser, path):
    page = browser.new_page(viewport={"width": 1280, "height": 4000})  # every section rendered
    try:
        page.goto(f"{server}/{path}?user=U002", wait_until="domcontentloaded")
        settle(page, PAGES[path])
        assert page.locator('[data-testid="stException"]').count() == 0
        text = page.evaluate(SHOWN_TEXT)
        assert "Unknown" not in text
        assert MARKUP.search(text) is None, MARKUP.search(text)
        if path == "":
            assert "This catalogue has no categories" in text
        if path == "portraits":
            assert "Top categor" not in text and "Mean rating" not in text
            assert "Interest clusters" in text and "no prices" in text
    finally:
        page.close()
