"""What every page knows: the workspace in use, the chosen model and K, and the privacy mode."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from llmrec.pipeline.artifacts import Workspace
from llmrec.ui.privacy import Privacy
from llmrec.ui.reads import WorkspaceKey

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

    @property
    def key(self) -> WorkspaceKey:
        """What the cached answers of llmrec.ui.reads are keyed by: this workspace and its build."""
        return WorkspaceKey(self.root, self.stamp)


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
