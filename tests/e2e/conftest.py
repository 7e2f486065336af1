"""The demo workspace for browser tests (the same one the AppTest suite uses in a session)."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmrec.bench.ui import build_demo_workspace


@pytest.fixture(scope="session")
def e2e_workspace(tmp_path_factory) -> Path:
    base = tmp_path_factory.getbasetemp()
    return build_demo_workspace(base / "ui-workspace", n_users=300, n_items=200, cache_dir=base / "ui-cache")
