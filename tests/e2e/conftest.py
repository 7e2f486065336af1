"""Browser-test fixtures: the demo workspace, headless Chromium, and where screenshots and logs go."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "tests" / "_artifacts"
REQUIRE_ENV = "LLMREC_REQUIRE_BROWSER"


def browser_required() -> bool:
    """CI sets LLMREC_REQUIRE_BROWSER=1 (.ci/run): there a missing browser fails the tests."""
    return os.environ.get(REQUIRE_ENV) == "1"


def needs_chromium() -> pytest.MarkDecorator:
    """Skip without Chromium, unless the browser is required: then the `browser` fixture fails."""
    return pytest.mark.skipif(not CHROMIUM.exists() and not browser_required(),
                              reason=f"needs {CHROMIUM} (apt-get install chromium)")


@pytest.fixture(scope="session")
def e2e_workspace(small_workspace) -> Path:
    return small_workspace


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless, driven by Playwright (one per test module)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{REQUIRE_ENV}=1 but {CHROMIUM} is missing: install chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    from tests.e2e.screenshots import ARGS

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def config_home(tmp_path_factory) -> Path:
    """XDG_CONFIG_HOME for the served app: privacy mode's key file, never the real ~/.config."""
    return tmp_path_factory.mktemp("config")
