"""The demo workspace for browser tests: the session's small workspace the AppTest suite uses."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def e2e_workspace(small_workspace) -> Path:
    return small_workspace
