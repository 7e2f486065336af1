"""The dashboard served by `streamlit run`, driven by headless Chromium through every page."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import ARTIFACTS, needs_chromium
from tests.e2e.screenshots import served, settle
from tests.e2e.test_e2e_no_network import SHOWN_TEXT

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")

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
    needs_chromium(),
]


@pytest.fixture(scope="module")
def server(e2e_workspace, config_home):
    """`streamlit run app.py` on a free localhost port, stopped after the module."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with served(e2e_workspace, ARTIFACTS / "streamlit.log", {"XDG_CONFIG_HOME": str(config_home)}) as url:
        yield url


def metric(page, label: str) -> str:
    """The value of the st.metric tile labelled `label`."""
    tile = page.locator('[data-testid="stMetric"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]').get_by_text(label, exact=True))
    return tile.locator('[data-testid="stMetricValue"]').inner_text().strip()


def test_deep_link_as_first_request_gets_the_frame(server, browser, e2e_workspace):
    """Defined first so it is the server's first request: a shared link must not bypass app.py, and
    the page shows the linked user's data, not only their id in the URL."""
    from llmrec.serve import WorkspaceIndex
    from llmrec.serve.users import history

    user = "U00003"
    n = len(history(WorkspaceIndex.open(e2e_workspace), user))
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        page.goto(f"{server}/portraits?user={user}", wait_until="domcontentloaded")
        settle(page, "User portraits")
        assert page.locator('[data-testid="stException"]').count() == 0
        nav = page.locator('[data-testid="stSidebarNav"]')
        assert nav.get_by_text("Personalised search").count() == 1  # app.py's navigation, not the legacy one
        assert page.locator('[data-testid="stSidebar"]').get_by_text("Workspace").count() >= 1
        assert f"user={user}" in page.url
        page.get_by_text("Interactions", exact=True).first.wait_for(timeout=60_000)
        assert metric(page, "Interactions") == f"{n:,}"
        assert page.locator('[data-testid="stSelectbox"]').filter(has_text="User").locator(
            "input").first.input_value() == user
    finally:
        page.close()


def test_privacy_mode_shows_no_raw_user_id_or_email(server, browser, e2e_workspace):
    from llmrec.serve import WorkspaceIndex

    ids = set(WorkspaceIndex.open(e2e_workspace).ws.ids.users)
    for path, heading in (("portraits?private=1", "User portraits"),
                          ("recommendations?private=1", "Recommendations"),
                          ("evaluation?private=1", "Evaluation")):
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        try:
            page.goto(f"{server}/{path}", wait_until="domcontentloaded")
            settle(page, heading)
            page.wait_for_timeout(1500)
            text = page.evaluate(SHOWN_TEXT)
            assert "user-" in text, path
            assert sorted(ids & set(re.findall(r"[\w-]+", text))) == [], path
            assert EMAIL.findall(text) == [], path
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


def test_describe_this_product_streams_a_grounded_description(server, browser, e2e_workspace):
    """The Recommendations page's "Describe this product for this shopper" (templates: fast) shows
    the checked description of the selected item, for the list's model, and names its source."""
    from urllib.parse import parse_qs, urlparse

    from llmrec.reasons.evidence import description_evidence
    from llmrec.serve import WorkspaceIndex
    from llmrec.serve.recommendations import recommend

    user = "U00003"
    page = browser.new_page(viewport={"width": 1280, "height": 1600})
    try:
        page.goto(f"{server}/recommendations?user={user}", wait_until="domcontentloaded")
        settle(page, "Recommendations")
        switch = page.locator('[data-testid="stCheckbox"]').filter(has_text="Describe with the local LLM")
        switch.first.wait_for(timeout=60_000)
        if switch.locator("input").first.is_checked():  # on when the LLM is installed: templates are faster
            switch.first.click()
            settle(page, "Recommendations")
        assert not switch.locator("input").first.is_checked()
        page.get_by_role("button", name="Describe this product for this shopper").click()
        source = page.get_by_text("source: template")
        source.first.wait_for(timeout=60_000)
        settle(page, "Recommendations")
        shown = page.evaluate(SHOWN_TEXT)
        query = parse_qs(urlparse(page.url).query)
        index = WorkspaceIndex.open(e2e_workspace)
        model, k = query["model"][0], int(query.get("k", ["10"])[0])  # 10 is left out of the link
        item = recommend(index, user, model, k, "seen")["item_id"].iloc[0]  # the item "Explain" starts on
        service = index.reason_service(model)
        expected = service.product_description(index.check_user(user), index.check_item(item))
        assert expected.source == "template" and expected.grounded
        ok, failure, cited = service.check(expected.text, description_evidence(
            service.ctx, index.check_user(user), index.check_item(item)))
        assert ok and cited, failure
        assert expected.text in shown
        assert "the local LLM is switched off" in shown
    finally:
        page.close()
