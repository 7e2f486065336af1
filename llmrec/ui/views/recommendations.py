"""Recommendation sections: top-K with evidence and reasons, models side by side, product launch."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from llmrec.ui import cache, charts, state
from llmrec.ui.components import chips, llm_writer, source_label, source_note, table
from llmrec.ui.context import Context
from llmrec.ui.safe import plain


def top_k(ctx: Context, user: str) -> pd.DataFrame:
    """The top-K table, each row with its one-sentence reason."""
    recs = ctx.frame("recommend", user, ctx.model, ctx.k, "seen")
    reasons = cache.reasons(ctx.root, ctx.stamp, user, tuple(recs["item_id"]))
    shown = recs[["rank", "title", "price", "score"]].copy()
    shown["why"] = [ctx.privacy.text(r.text) for r in reasons]
    shown["source"] = [source_label(r) for r in reasons]
    st.subheader(f"Top {ctx.k} from {plain(ctx.model)}")
    table(shown, key="recs_table",
          rank=st.column_config.NumberColumn("#", width=40),
          title=st.column_config.TextColumn(width="medium"),
          price=st.column_config.NumberColumn(format="$%.2f", width=70),
          score=st.column_config.NumberColumn(format="%.3f", width=60),
          why=st.column_config.TextColumn("reason (hover for the full sentence)", width="large"),
          source=st.column_config.TextColumn(width="small"))
    by_llm = sum(r.source == "llm" for r in reasons)
    st.caption(f"{by_llm} of {len(reasons)} reasons written by the local LLM (cached), the rest by "
               "templates; each sentence is checked against the evidence. Seen items excluded.")
    return recs


def explanation(ctx: Context, user: str, recs: pd.DataFrame) -> None:
    """One recommended item in depth: its reason with source and citations, then the evidence."""
    titles = dict(zip(recs["item_id"], recs["title"], strict=True))
    items = list(titles)
    state.choose("recs_explain", items, default=items[0])
    item = st.selectbox("Explain", items, key="recs_explain",
                        format_func=lambda i: f"{recs.set_index('item_id').loc[i, 'rank']}. {titles[i]}")
    reason = cache.reason(ctx.root, ctx.stamp, user, item)
    with st.container(border=True):
        st.markdown(plain(ctx.privacy.text(reason.text)))
        st.caption(source_note(reason))
        if reason.cited_facts:
            st.markdown("**Cited facts:** " + "; ".join(plain(ctx.privacy.text(f))
                                                        for f in reason.cited_facts))
        else:
            st.caption("Cites no evidence fact.")
        llm_writer(ctx, "recs_llm", user, item)
    evidence(ctx, user, item)


def evidence(ctx: Context, user: str, item: str) -> None:
    ev = ctx.value("evidence", user, item, ctx.model)
    left, right = st.columns(2)
    with left:
        st.markdown("**Closest items in their history** (text similarity)")
        if ev.closest_history.empty:
            st.caption("No history.")
        else:
            table(ev.closest_history[["title", "similarity"]], key=f"recs_closest_{item}",
                  similarity=st.column_config.NumberColumn(format="%.3f"))
    with right:
        chips("Shared attributes", ev.shared)
        if ev.aspects.empty:
            st.caption("No review aspects in common with this user.")
        else:
            st.markdown("**Review aspects this user also cares about**")
            table(ev.aspects[["aspect", "praises", "criticisms", "sentiment"]], key=f"recs_aspects_{item}",
                  sentiment=st.column_config.NumberColumn(format="%+.2f"))
        if ev.model_explanation is not None:
            parts = ev.model_explanation.parts
            st.caption("Model score: " + ", ".join(f"{plain(k)} {v:+.3f}" for k, v in parts.items()))


def side_by_side(ctx: Context, user: str) -> None:
    default = list(ctx.models[:4])
    state.ensure("recs_models", default)
    chosen = st.multiselect("Models to compare", ctx.models, key="recs_models")
    if not chosen:
        st.info("Pick at least one model.")
        return
    frame = ctx.frame("compare_models", user, tuple(chosen), ctx.k, "seen")
    st.dataframe(frame, key="recs_compare_table")


def launch_form() -> tuple[str, str] | None:
    with st.form("recs_launch_form"):
        title = st.text_input("Product title", key="recs_launch_title",
                              placeholder="e.g. Cordless stick vacuum with HEPA filter")
        description = st.text_area("Description", key="recs_launch_description", height=100)
        submitted = st.form_submit_button("Place on the map", type="primary", key="recs_launch_submit")
    if submitted or st.session_state.get("recs_launched"):
        st.session_state["recs_launched"] = True
        return title, description
    return None


def launch_result(ctx: Context, title: str, description: str) -> None:
    if not title.strip():
        st.warning("Give the new product a title.")
        return
    with st.spinner("Encoding the description and scoring every user…"):
        launch = cache.launch(ctx.root, ctx.stamp, title, description, ctx.k)
    left, right = st.columns([3, 2])
    with left:
        points = ctx.frame("map_frame", "text")
        by_id = points.set_index("item_id")[["x", "y", "title"]]
        near = by_id.reindex(launch.neighbours["item_id"]).dropna().reset_index()
        fig = charts.embedding_map(points, "category", highlight={"neighbours": near},
                                   new_point=(launch.x["text"], launch.y["text"], title), height=480)
        st.plotly_chart(fig, key="recs_launch_map")
    with right:
        st.markdown("**Nearest existing products**")
        table(launch.neighbours[["title", "category", "price", "similarity"]], key="recs_launch_nn",
              price=st.column_config.NumberColumn(format="$%.2f"),
              similarity=st.column_config.NumberColumn(format="%.3f"))
    if launch.model is None:
        st.info("This workspace has no text-aware model (text_mf), so the audience cannot be estimated.")
        return
    n = len(launch.audience)
    st.metric(f"Users who would get it in their top {ctx.k} ({plain(launch.model)})",
              f"{n:,}", f"{n / max(1, launch.n_users):.1%} of users", delta_color="off")
    if n:
        audience = launch.audience.head(200).copy()
        audience["user_id"] = ctx.privacy.users(audience["user_id"])
        table(audience[["user_id", "top_category", "score", "margin"]], key="recs_launch_audience",
              score=st.column_config.NumberColumn(format="%.3f"),
              margin=st.column_config.NumberColumn("margin over their K-th item", format="%+.3f"))
