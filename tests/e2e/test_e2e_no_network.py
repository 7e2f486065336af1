"""Nothing from the data or a link reaches the network: a workspace full of Markdown, HTML and URL
payloads is served and every page is rendered in headless Chromium, which watches every request."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from tests.e2e import payloads
from tests.e2e.conftest import ARTIFACTS, needs_chromium
from tests.e2e.screenshots import served, settle

LOCAL = {"127.0.0.1", "localhost"}
PAGES = {  # url path -> a heading the page must show
    "": "Overview",
    "portraits": "User portraits",
    "portraits?private=1": "User portraits",
    "explorer?overlay=1": "Embedding explorer",
    "recommendations": "Recommendations",
    "search?q=kettle": "Personalised search",
    "evaluation": "Evaluation",
    "data": "Data",
    f"explorer?item={quote(payloads.IMAGE)}": "Embedding explorer",
    "explorer?item=no-such-item": "Embedding explorer",
    f"portraits?user={quote(payloads.LINK)}": "User portraits",
}
# Elements that would fetch from, or link to, somewhere else.
OUTSIDE = ('[src*="evil.test" i], [href*="evil.test" i], [srcset*="evil.test" i], '
           '[href^="javascript:" i], [src^="javascript:" i], iframe')
# The page's text as a reader sees it (the invisible joiners that stop autolinking removed).
# Selectboxes show their value in an <input>: those values count as shown too.
SHOWN_TEXT = """() => [document.body.innerText, ...[...document.querySelectorAll('input')].map(e => e.value)]
    .join('\\n').replaceAll('\\u200d', '')"""

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    needs_chromium(),
]


@pytest.fixture(scope="module")
def payload_workspace(tmp_path_factory, embedding_cache) -> Path:
    from llmrec.pipeline.run import build_workspace
    from tests.conftest import small_config

    folder = tmp_path_factory.mktemp("payloads")
    options = payloads.write_payload_tables(folder / "csv")
    root = folder / "workspace"
    build_workspace(small_config(root, embedding_cache, source="csv", source_options=options))
    return root


@pytest.fixture(scope="module")
def server(payload_workspace, config_home):
    """`streamlit run app.py` on a free localhost port over the payload workspace."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = ARTIFACTS / "streamlit-payloads.log"
    with served(payload_workspace, log, {"XDG_CONFIG_HOME": str(config_home)}) as url:
        yield url


@dataclass
class Visit:
    """What one page load did: every URL requested, those that left this machine, the page text."""

    requested: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    elements: list[str] = field(default_factory=list)
    text: str = ""
    exceptions: int = 0
    errors: list[str] = field(default_factory=list)


def visit(browser, url: str, heading: str) -> Visit:
    """Load `url`, blocking (and recording) every request to a host other than this machine."""
    seen = Visit()
    page = browser.new_page(viewport={"width": 1280, "height": 900})

    def check(route) -> None:
        target = urlsplit(route.request.url)
        seen.requested.append(route.request.url)
        if target.hostname in LOCAL or target.scheme in ("data", "blob"):
            route.continue_()
        else:
            seen.outside.append(route.request.url)
            route.abort()

    page.route("**/*", check)
    try:
        page.goto(url, wait_until="domcontentloaded")
        settle(page, heading)
        page.wait_for_timeout(1000)  # late image loads, lazy charts
        seen.elements = page.eval_on_selector_all(OUTSIDE, "els => els.map(e => e.outerHTML.slice(0, 200))")
        seen.text = page.evaluate(SHOWN_TEXT)
        seen.exceptions = page.locator('[data-testid="stException"]').count()
        seen.errors = page.locator('[data-testid="stAlertContentError"]').all_inner_texts()
        name = "".join(c if c.isalnum() else "-" for c in url.split("/", 3)[-1])[:40] or "overview"
        page.screenshot(path=str(ARTIFACTS / f"e2e-payloads-{name}.png"), full_page=True)
    finally:
        page.close()
    return seen


@pytest.mark.parametrize("path", list(PAGES))
def test_no_request_leaves_this_machine_and_nothing_links_out(server, browser, path):
    seen = visit(browser, f"{server}/{path}", PAGES[path])
    assert seen.requested, "the interception saw no request at all"
    assert seen.outside == []
    assert seen.elements == []
    assert seen.exceptions == 0
    assert seen.errors == []


def test_payloads_are_shown_as_text(server, browser):
    """The payloads are not dropped either: the reader sees them literally."""
    portraits = visit(browser, f"{server}/portraits", "User portraits")
    assert payloads.TOP_CATEGORY in portraits.text  # the st.metric tile "Top category"
    assert payloads.TOP_USER in portraits.text  # the user picker
    explorer = visit(browser, f"{server}/explorer", "Embedding explorer")
    assert payloads.TOP_ITEM in explorer.text  # the selected product's card (st.markdown)
    for shown in (portraits.text, explorer.text):
        assert "\\[" not in shown and "\\:" not in shown  # no stray escape backslashes


def test_unknown_ids_in_links_are_ignored_with_a_notice(server, browser):
    for path, name in ((f"explorer?item={quote(payloads.IMAGE)}", "item"),
                       ("explorer?item=no-such-item", "item"),
                       (f"portraits?user={quote(payloads.LINK)}", "user")):
        seen = visit(browser, f"{server}/{path}", PAGES[path])
        assert f"The link's {name} " in seen.text and "is not known here; it was ignored" in seen.text
        assert "Nearest neighbours" in seen.text or "History" in seen.text  # the page still works
        assert seen.exceptions == 0 and seen.errors == []
