"""Session state and shareable links: page-prefixed keys created only if absent, mirrored into
st.query_params so the current view can be sent as a URL."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

from llmrec.ui.safe import plain


def ensure(key: str, default: Any) -> Any:
    """Create st.session_state[key] with `default` only when it does not exist yet."""
    if key not in st.session_state:
        st.session_state[key] = default
    return st.session_state[key]


def param(name: str) -> str | None:
    """A query parameter (a single string), or None."""
    value = st.query_params.get(name)
    return value if value not in ("", None) else None


def ignored(name: str, value: str | None) -> None:
    """Say, as plain text, that a link's parameter names nothing here (no such id, model, K ...); the
    page goes on without it. `value=None` leaves the value out (a user id in privacy mode)."""
    shown = "" if value is None else f" {plain(repr(value))}"
    st.info(f"The link's {plain(name)}{shown} is not known here; it was ignored.",
            icon=":material/link_off:")


def share(**values: Any) -> None:
    """Mirror the current selections into the URL (None removes a parameter)."""
    for name, value in values.items():
        if value is None or value == "":
            if name in st.query_params:
                del st.query_params[name]
        elif st.query_params.get(name) != str(value):
            st.query_params[name] = str(value)


def choose(key: str, options: Sequence, *, param_name: str | None = None, default: Any = None,
           parse: Callable[[str], Any] | None = None) -> None:
    """Prepare the state of a choice widget with key `key` before it is drawn.

    On first use the value comes from the URL (when valid) or `default`; a value no longer among
    `options` (another workspace, another model list) falls back to `default`. Widget state is
    re-assigned so it survives page switches (Streamlit drops state of widgets not drawn).
    """
    options = list(options)
    fallback = default if default in options else (options[0] if options else None)
    if key not in st.session_state:
        value = None
        raw = param(param_name) if param_name else None
        if raw is not None:
            try:
                value = parse(raw) if parse else raw
            except (ValueError, TypeError):
                value = None
        st.session_state[key] = value if value in options else fallback
        if raw is not None and value not in options:
            ignored(param_name, raw)
    elif st.session_state[key] not in options:
        st.session_state[key] = fallback
    else:
        st.session_state[key] = st.session_state[key]
