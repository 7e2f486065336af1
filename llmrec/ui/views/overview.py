"""Overview page sections: dataset card, distributions, category mix, long tail, top products."""

from __future__ import annotations

import streamlit as st

from llmrec.serve.tables import shown_items
from llmrec.ui import charts, reads
from llmrec.ui.components import facts, table
from llmrec.ui.context import Context
from llmrec.ui.safe import plain


def dataset_card(ctx: Context) -> None:
    card = reads.dataset_card(ctx.key)
    st.markdown(f"**{plain(card['name'])}** · source {plain(card['source'])} · "
                f"models: {plain(', '.join(card['models']) or 'none')}")
    dated = card["first"] is not None
    span = f"{(card['last'] - card['first']).days:,} days" if dated else "order only"
    facts({"Users": f"{card['users']:,}", "Items": f"{card['items']:,}",
           "Interactions": f"{card['interactions']:,}", "Reviews": f"{card['reviews']:,}"})
    facts({"Sparsity": f"{card['sparsity']:.2%}", "Per user (mean)": f"{card['mean_per_user']:.1f}",
           "Categories": f"{card['categories']:,}" if card["categories"] else "none", "Time span": span})
    if dated:
        st.caption(f"History from {card['first']:%Y-%m-%d} to {card['last']:%Y-%m-%d}.")


def data_quality(ctx: Context) -> None:
    """Which fields this data has, per item and per interaction, and what cleaning found (from the build)."""
    quality = reads.data_quality(ctx.key)
    with st.expander("Data quality: which fields the data has", expanded=True):
        table(quality.rows(), key="overview_quality",
              of=st.column_config.TextColumn("share of"),
              have=st.column_config.NumberColumn(format="%d"),
              share=st.column_config.ProgressColumn(min_value=0.0, max_value=1.0, format="percent"))
        for line in quality.notes():
            st.markdown(f"- {plain(line)}")
        if not quality.has_categories:
            st.caption("This catalogue has no categories: views group products by their text-derived "
                       "interest clusters instead.")


def distributions(ctx: Context) -> None:
    left, right = st.columns(2)
    per_user = reads.interactions_per_user(ctx.key)
    left.plotly_chart(charts.histogram(per_user["interactions"], "Interactions per user", "interactions",
                                       log_y=True), key="overview_per_user")
    ratings = reads.rating_distribution(ctx.key)
    if ratings.empty:
        right.info("This dataset has no ratings (implicit feedback only).")
    else:
        labelled = ratings.assign(rating=ratings["rating"].astype(str))
        right.plotly_chart(charts.bars(labelled, "rating", "count", "Rating distribution"),
                           key="overview_ratings")


def catalogue(ctx: Context) -> None:
    left, right = st.columns(2)
    mix = reads.category_mix(ctx.key)
    if mix.empty:
        left.info("This catalogue has no categories, so there is no category mix.")
    else:
        left.plotly_chart(charts.bars(mix, "category", "interactions", "Category mix (interactions)",
                                      horizontal=True), key="overview_categories")
    head = reads.head_share(ctx.key, 0.2)
    right.plotly_chart(charts.long_tail(reads.long_tail(ctx.key), head), key="overview_long_tail")


def top_products(ctx: Context, n: int = 10) -> None:
    st.subheader("Top products")
    top = reads.top_products(ctx.key, n)
    table(shown_items(top, list(top.columns)), key="overview_top",
          price=st.column_config.NumberColumn("price", format="$%.2f"),
          popularity=st.column_config.ProgressColumn(
              "interactions", format="%d", min_value=0,
              max_value=int(top["popularity"].max() or 1)))


def load_report(ctx: Context) -> None:
    with st.expander("Load report and build timings"):
        lines = reads.load_report(ctx.key)
        st.code("\n".join(lines) or "(empty)", language=None)
        timings = reads.stage_timings(ctx.key)
        if not timings.empty:
            table(timings, key="overview_timings", seconds=st.column_config.NumberColumn(format="%.1f s"))
