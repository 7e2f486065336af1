"""The shared sidebar: workspace picker, model picker, K and privacy mode."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from llmrec.errors import LlmrecError
from llmrec.models.registry import default_model
from llmrec.ui import cache, reads, state
from llmrec.ui.context import KEY, Context
from llmrec.ui.privacy import Privacy, pseudonym_key
from llmrec.ui.reads import WorkspaceKey
from llmrec.ui.safe import plain

KS = (5, 10, 20, 50)
OTHER = "Other folder…"


def render() -> Context:
    """Draw the sidebar and return the choices every page works with."""
    with st.sidebar:
        root = _workspace_picker()
        ws, error = cache.try_workspace(root)
        stamp = cache.stamp(root)
        models: tuple[str, ...] = ()
        if ws is not None:
            models = reads.model_names(WorkspaceKey(root, stamp))
        model = None
        if models:
            default = default_model(models) or models[0]
            state.choose("sidebar_model", models, param_name="model", default=default)
            model = st.selectbox("Model", models, key="sidebar_model",
                                 help="Used by Recommendations, Search and the explorer overlay.")
        state.choose("sidebar_k", KS, param_name="k", default=10, parse=int)
        k = st.select_slider("K (list length)", options=KS, key="sidebar_k")
        state.ensure("sidebar_privacy", state.param("private") == "1")
        private = st.toggle("Privacy mode", key="sidebar_privacy",
                            help="Pseudonymous user ids (keyed hash); e-mails and phone numbers "
                                 "masked in review text.")
        ids = reads.user_ids(WorkspaceKey(root, stamp)) if (ws is not None and private) else []
        privacy = Privacy(private, _key() if private else b"", ids)
        if ws is not None:
            card = ws.manifest.get("counts", {}) or {}
            if card:
                st.caption(" · ".join(f"{v:,} {plain(k)}" for k, v in card.items() if isinstance(v, int)))
    state.share(ws=root if root != str(cache.default_workspace()) else None, model=model,
                k=k if k != 10 else None, private="1" if private else None)
    ctx = Context(root=root, stamp=stamp, ws=ws, error=error, models=models, model=model, k=int(k),
                  privacy=privacy)
    st.session_state[KEY] = ctx
    return ctx


def _key() -> bytes:
    """The pseudonym key (kept outside every workspace); without one, privacy mode cannot start."""
    try:
        return pseudonym_key()
    except LlmrecError as error:
        st.error(f"Privacy mode is unavailable: {plain(error)}")
        st.stop()


def _workspace_picker() -> str:
    default = str(cache.default_workspace())
    options = list(dict.fromkeys([default, *cache.candidate_workspaces()]))
    from_url = state.param("ws")
    if from_url and from_url not in options and (Path(from_url) / "manifest.json").is_file():
        options.append(from_url)
    state.ensure("sidebar_custom_ws", "")
    custom = st.session_state["sidebar_custom_ws"]
    if custom and custom not in options:
        options.append(custom)
    state.choose("sidebar_workspace", [*options, OTHER], param_name="ws", default=default)
    choice = st.selectbox("Workspace", [*options, OTHER], key="sidebar_workspace",
                          help="A folder built by the Data page or `python -m llmrec build`.")
    if choice == OTHER:
        typed = st.text_input("Workspace folder", key="sidebar_custom_ws_input",
                              placeholder="/path/to/workspace")
        if typed:
            st.session_state["sidebar_custom_ws"] = typed
            return typed
        return default
    return choice
