"""A small demo workspace built once per test session, shared by the dashboard tests."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"


@pytest.fixture(scope="session")
def ui_workspace(small_workspace) -> Path:
    return small_workspace


@pytest.fixture
def app(ui_workspace, monkeypatch, tmp_path):
    """An AppTest of the dashboard pointed at the shared workspace (call .run() yourself)."""
    from streamlit.runtime import pages_manager
    from streamlit.testing.v1 import AppTest

    # AppTest starts every run as a fresh server would, in Streamlit's legacy `pages/` mode, where
    # llmrec.ui.context hands each page over to app.py with a rerun (which drops button clicks).
    # A running server leaves that mode on its first st.navigation call: test in that steady state.
    # The hand-over itself is tested in a real browser (tests/e2e, a deep link as first request).
    original_init = pages_manager.PagesManager.__init__

    def steady_state_init(self, *args, **kwargs):
        pages_manager.PagesManager.uses_pages_directory = False
        original_init(self, *args, **kwargs)

    monkeypatch.setattr(pages_manager.PagesManager, "__init__", steady_state_init)
    monkeypatch.setenv("LLMREC_WORKSPACE", str(ui_workspace))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # privacy mode's key, not ~/.config
    monkeypatch.chdir(ROOT)
    return AppTest.from_file(str(APP), default_timeout=120)
