"""What every page knows: the workspace in use, the chosen model and K, and the privacy mode."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from llmrec.pipeline.artifacts import Workspace
from llmrec.ui import cache
from llmrec.ui.privacy import Privacy

KEY = "app_context"


@dataclass(frozen=True)
class Context:
    """The shared sidebar's choices, handed to every page."""

    root: str
    stamp: float
    ws: Workspace | None
    error: str | None
    models: tuple[str, ...]
    model: str | None
    k: int
    privacy: Privacy

    def frame(self, query: str, *args) -> pd.DataFrame:
        """queries.<query>(ws, *args) as a cached DataFrame."""
        return cache.frame(self.root, self.stamp, query, *args)

    def value(self, query: str, *args):
        """queries.<query>(ws, *args), cached."""
        return cache.value(self.root, self.stamp, query, *args)


def current() -> Context:
    """The context the app frame built for this run."""
    ctx = st.session_state.get(KEY)
    if ctx is None:
        raise RuntimeError("run the dashboard through app.py (streamlit run app.py)")
    return ctx
