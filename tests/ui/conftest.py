"""A small demo workspace built once per test session, shared by the dashboard tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmrec.bench.ui import build_demo_workspace

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"


@pytest.fixture(scope="session")
def ui_workspace(tmp_path_factory) -> Path:
    base = tmp_path_factory.getbasetemp()
    return build_demo_workspace(base / "ui-workspace", n_users=300, n_items=200, cache_dir=base / "ui-cache")


@pytest.fixture
def app(ui_workspace, monkeypatch):
    """An AppTest of the dashboard pointed at the shared workspace (call .run() yourself)."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("LLMREC_WORKSPACE", str(ui_workspace))
    monkeypatch.chdir(ROOT)
    return AppTest.from_file(str(APP), default_timeout=120)
