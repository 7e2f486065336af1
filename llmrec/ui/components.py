"""Small building blocks shared by pages: error boundary, empty states, safe text, pickers, tables."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner_utils.exceptions import ScriptControlException

from llmrec.errors import LlmrecError, UnknownIdError
from llmrec.reasons.service import GeneratedText
from llmrec.ui import reads, state
from llmrec.ui.context import Context
from llmrec.ui.safe import plain

_log = logging.getLogger(__name__)


@contextmanager
def guard(what: str = "this view") -> Iterator[None]:
    """Page boundary: an error becomes one plain st.error line and the page stops there.

    An LlmrecError says what is wrong and how to fix it, so its message is shown (escaped: a file
    name must not turn into Markdown). Anything else is a bug: the page shows only its type, never a
    traceback or local paths; the traceback goes to the server console.
    """
    try:
        yield
    except ScriptControlException:  # st.stop, st.rerun, st.switch_page: not errors
        raise
    except LlmrecError as error:
        st.error(f"Could not show {plain(what)}: {plain(error)}")
        st.stop()
    except Exception as error:
        _log.exception("unexpected error while showing %s", what)
        st.error(f"Could not show {plain(what)}: an unexpected error occurred "
                 f"({type(error).__name__}); the details are in the server console.")
        st.stop()


def require_workspace(ctx: Context) -> None:
    """Empty state when no workspace is built yet: say what to do, then stop the page."""
    if ctx.ws is not None:
        return
    if ctx.error:
        st.error(f"The workspace at {plain(ctx.root)} cannot be opened: {plain(ctx.error)}")
    else:
        st.info(
            f"No workspace at {plain(ctx.root)} yet. Build one on the **Data** page, or run "
            "`make demo` (or `python -m llmrec build --workspace workspace --source demo`) and reload.",
            icon=":material/inventory_2:")
    st.page_link("pages/7_data.py", label="Go to the Data page", icon=":material/database:")
    st.stop()


def require_models(ctx: Context) -> None:
    if not ctx.models:
        st.warning("This workspace has no trained models; rebuild it with at least one model.")
        st.stop()


def user_picker(ctx: Context, key: str, label: str = "User") -> str:
    """Pick a user (search box + list, most active first); mirrored into ?user=. Returns the real id."""
    privacy = ctx.privacy
    # The whole id list is read only for a search: copying 60k ids out of the cache on every rerun
    # cost tens of milliseconds; the first 500 and single ids are asked for directly.
    from_url = state.param("user")
    if key not in st.session_state and from_url is not None:
        resolved = privacy.resolve(from_url)
        if resolved is not None and reads.known_user(ctx.key, resolved):
            st.session_state[key] = resolved
        else:
            # In privacy mode the link may carry a real id: the notice must not repeat it.
            state.ignored("user", None if privacy.enabled else from_url)
    find, pick = st.columns([1, 2])
    search = find.text_input("Find a user", key=f"{key}_search", placeholder="part of an id",
                             help="Filters the list; in privacy mode it matches pseudonyms.")
    if search:
        everyone = reads.find_users(ctx.key, "", 1_000_000)
        options = [u for u in everyone if search.lower() in privacy.user(u).lower()][:500]
    else:
        options = reads.find_users(ctx.key, "", 500)
    current = st.session_state.get(key)
    if current is not None and current not in options and reads.known_user(ctx.key, current):
        options = [current, *options]
    if not options:
        st.warning("No user matches that search.")
        st.stop()
    state.choose(key, options, default=options[0])
    user = pick.selectbox(label, options, key=key, format_func=privacy.user,
                          help="Most active users first; the choice is kept in the page link (?user=).")
    state.share(user=privacy.user(user))
    return user


def item_picker(ctx: Context, key: str, label: str = "Product", preferred: list[str] | None = None) -> str:
    """Pick a product by title search; mirrored into ?item=. Returns the item id."""
    find, pick = st.columns([1, 2])
    search = find.text_input("Find a product", key=f"{key}_search", placeholder="words from the title or id")
    found = reads.search_items(ctx.key, search, 300)
    titles = dict(zip(found["item_id"], found["title"], strict=False))
    options = list(dict.fromkeys([*(preferred or []), *found["item_id"]]))
    from_url = state.param("item")
    if key not in st.session_state and from_url is not None and _known_item(ctx, from_url):
        options = list(dict.fromkeys([from_url, *options]))  # else state.choose says it is ignored
    current = st.session_state.get(key)
    if current and current not in options:
        options = [current, *options]
    if not options:
        st.warning("No product matches that search.")
        st.stop()
    state.choose(key, options, param_name="item", default=options[0])
    known = {i: titles.get(i) or reads.item_card(ctx.key, i)["title"] for i in options[:1000]}
    item = pick.selectbox(label, options, key=key, help="Or click a point on the map.",
                          format_func=lambda i: i if known.get(i, i) == i else f"{known[i]} · {i}")
    state.share(item=item)
    return item


def _known_item(ctx: Context, item_id: str) -> bool:
    try:
        reads.item_card(ctx.key, item_id)
    except UnknownIdError:
        return False
    return True


def facts(pairs: dict[str, object], columns: int = 4) -> None:
    """A row of st.metric tiles (labels and values may come from data: shown as plain text)."""
    cols = st.columns(columns)
    for i, (label, value) in enumerate(pairs.items()):
        cols[i % columns].metric(plain(label), plain(value))  # both render Markdown


def table(frame: pd.DataFrame, *, key: str | None = None, height: int | str = "auto",
          **column_config) -> None:
    """A read-only data table (cells are rendered as text, never as HTML)."""
    st.dataframe(frame, hide_index=True, height=height, key=key, column_config=column_config or None)


def chips(label: str, values: list[str]) -> None:
    """A label followed by comma-separated values, safely escaped."""
    shown = ", ".join(plain(v) for v in values) if values else "—"
    st.markdown(f"**{plain(label)}:** {shown}")


SOURCES = {"llm": "LLM", "template": "template"}


def source_label(reason: GeneratedText) -> str:
    """'LLM · cached', 'template · fresh': who wrote a text, and whether it was read from the
    workspace's generated-text cache or written for this view."""
    name = SOURCES.get(reason.source, reason.source)
    return f"{name} · {'cached' if reason.cached else 'fresh'}"


def source_note(reason: GeneratedText) -> str:
    """The source label as a caption, with why the text is not the LLM's when a draft was replaced."""
    note = f"source: **{plain(source_label(reason))}**"
    if reason.fallback_reason and reason.source != "llm":
        note += f" · fallback: {plain(reason.fallback_reason)}"
    return note


def llm_writer(ctx: Context, key: str, user: str, item: str | None = None) -> None:
    """A button that has the local LLM write the text now, streaming its draft (marked as not yet
    checked). The checked text, or the template fallback with the reason, lands in the workspace's
    generated-text cache, and the rerun shows it in place of the text above: from then on it is
    shown instantly, after restarts too."""
    from llmrec.serve.explanations import stream_text
    from llmrec.ui import cache

    if st.button("Write with the local LLM", key=key, help="SmolLM2-135M on this machine; its text is "
                 "checked sentence by sentence against the evidence before it is shown."):
        service = cache.llm_service(ctx.root, ctx.stamp, ctx.model)
        slot = st.empty()
        draft = ""
        for part in stream_text(cache.index(ctx.root, ctx.stamp), service, user, item):
            if isinstance(part, str):
                draft += part
                slot.caption(f"Draft (not yet checked): {plain(ctx.privacy.text(draft))}▌")
        slot.empty()
        st.rerun()
