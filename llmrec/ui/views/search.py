"""Personalised search sections: a query ranked by text similarity blended with the user's taste."""

from __future__ import annotations

import streamlit as st

from llmrec.serve.tables import shown_items
from llmrec.ui import charts, reads, state
from llmrec.ui.components import table
from llmrec.ui.context import Context
from llmrec.ui.safe import plain


def query_box() -> tuple[str, float]:
    state.ensure("search_query", state.param("q") or "")
    left, right = st.columns([3, 1])
    query = left.text_input("Search products", key="search_query",
                            placeholder="e.g. quiet coffee grinder for travel")
    state.ensure("search_weight", 0.3)
    weight = right.slider("Personalisation weight", 0.0, 1.0, key="search_weight", step=0.05,
                          help="0 = pure language-model similarity; 1 = only the user's preference score.")
    state.share(q=query or None)
    return query, weight


def results(ctx: Context, query: str, user: str, weight: float) -> None:
    if not query.strip():
        st.info("Type a query to search the catalogue. Results are ranked by "
                "`(1 − weight) · text similarity + weight · preference`, with both scores shown.")
        return
    with st.spinner("Encoding the query…"):
        found = reads.personalised_search(ctx.key, query, user, ctx.model, weight, ctx.k)
    st.caption(f"Text similarity: cosine between the query and product embeddings. Preference: the "
               f"{plain(ctx.model)} score for this user, scaled to 0–1 over the catalogue.")
    table(shown_items(found, ["rank", "title", "category", "text_score", "preference_score", "score"]),
          key="search_results",
          rank=st.column_config.NumberColumn("#", width=40),
          title=st.column_config.TextColumn(width="medium"),
          text_score=st.column_config.NumberColumn("text similarity", format="%.3f"),
          preference_score=st.column_config.NumberColumn("user preference", format="%.3f"),
          score=st.column_config.NumberColumn("blended", format="%.3f"))
    with st.expander("Both scores per result, as a chart"):
        st.plotly_chart(charts.score_bars(found), key="search_chart")
