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
    from streamlit.runtime.pages_manager import PagesManager

    ctx = st.session_state.get(KEY)
    if ctx is None or PagesManager.uses_pages_directory:
        _hand_over_to_frame(PagesManager)
    return ctx


def _hand_over_to_frame(pages_manager) -> None:
    """Rerun through app.py when a page file ran on its own.

    Streamlit still has its legacy mode for a folder named `pages/`: until some run in the
    process has called st.navigation, a deep link (a shared `/portraits?user=...` URL as the first
    request after start) runs the page file without app.py, so without the sidebar and context.
    Switching the process to st.navigation mode and rerunning makes app.py frame the same page.
    """
    pages_manager.uses_pages_directory = False
    st.rerun()
