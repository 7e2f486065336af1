"""User portrait sections: profile facts, history timeline, taste vs population, aspects, neighbours."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from llmrec.serve.tables import shown_items
from llmrec.ui import charts, reads
from llmrec.ui.components import chips, facts, llm_writer, source_note, table
from llmrec.ui.context import Context
from llmrec.ui.safe import plain


def profile(ctx: Context, user: str) -> dict:
    """Headline facts; a field the data does not have (categories, ratings, prices) is left out."""
    p = reads.portrait(ctx.key, user)
    quality = reads.data_quality(ctx.key)
    sentiment = p.get("sentiment")
    first = {"Interactions": f"{p['n_interactions']:,}", "Reviews": f"{p['n_reviews']:,}",
             "Mean rating": "—" if pd.isna(p.get("mean_rating")) else f"{p['mean_rating']:.2f}",
             "Sentiment": "—" if sentiment is None or pd.isna(sentiment) else f"{sentiment:+.2f}"}
    second = {"Price band": p.get("price_band") or "—",
              "Mean price": "—" if pd.isna(p.get("mean_price")) else f"${p['mean_price']:,.2f}",
              "Top category": p.get("top_category") or "—",
              "Rating spread": "—" if pd.isna(p.get("rating_std")) else f"±{p['rating_std']:.2f}"}
    absent = {"Mean rating": not quality.has_ratings, "Rating spread": not quality.has_ratings,
              "Top category": not quality.has_categories, "Price band": not quality.items_with.get("price"),
              "Mean price": not quality.items_with.get("price")}
    facts({k: v for k, v in first.items() if not absent.get(k)})
    second = {k: v for k, v in second.items() if not absent.get(k)}
    if second:
        facts(second)
    chips("Interest cluster", [p.get("cluster_label") or "none"])
    if quality.has_categories:
        chips("Top categories", list(p.get("top_categories") or []))
    if quality.items_with.get("brand"):
        chips("Top brands", list(p.get("top_brands") or []))
    return p


def summary(ctx: Context, user: str) -> None:
    """The portrait summary from llmrec.reasons (LLM or template), else a structured sentence."""
    generated = reads.summary(ctx.key, user, ctx.model)
    with st.container(border=True):
        if not generated.text.strip():  # nothing the data says about this user can be stated
            st.markdown("**Portrait summary**")
            st.caption("This data holds too little about the user's products (no titles, categories, "
                       "ratings or reviews) for a summary; the history and interest clusters below are "
                       "what there is.")
            return
        st.markdown(f"**Portrait summary** · {source_note(generated)}")
        st.markdown(plain(ctx.privacy.text(generated.text)))
        if generated.cited_facts:
            with st.expander("Cited evidence"):
                for fact in generated.cited_facts:
                    st.markdown(f"- {plain(ctx.privacy.text(fact.text))}")
        llm_writer(ctx, "portraits_llm", user)


def history(ctx: Context, user: str) -> pd.DataFrame:
    hist = reads.history(ctx.key, user)
    if hist.empty:
        st.info("This user has no interactions.")
        return hist
    when = reads.time_column(ctx.key)
    st.plotly_chart(charts.timeline(hist, when, reads.has_categories(ctx.key)), key="portraits_timeline")
    shown = shown_items(hist, [when, "title", "category", "brand", "price", "rating", "review"])
    if "review" in shown:
        shown["review"] = shown["review"].map(ctx.privacy.text)
    table(shown.iloc[::-1], key="portraits_history",
          price=st.column_config.NumberColumn(format="$%.2f"),
          rating=st.column_config.NumberColumn(format="%.0f ⭐"),
          review=st.column_config.TextColumn(width="large"))
    return hist


def taste(ctx: Context, user: str) -> None:
    left, right = st.columns(2)
    categories = reads.category_profile(ctx.key, user)
    if categories.empty:
        left.info("This catalogue has no categories: the interest clusters below group this user's "
                  "products by their text instead.")
    else:
        left.plotly_chart(charts.compare_bars(categories, "category", "Categories vs everyone"),
                          key="portraits_categories")
    if not reads.data_quality(ctx.key).items_with.get("price"):
        right.info("This catalogue has no prices, so there are no price bands.")
        return
    bands = reads.price_profile(ctx.key, user)
    right.plotly_chart(charts.compare_bars(bands, "band", "Price band vs everyone"), key="portraits_price")


def aspects(ctx: Context, user: str, p: dict) -> None:
    frame = reads.user_aspects(ctx.key, user)
    if frame.empty:
        st.info("No product aspects found in this user's reviews.")
        return
    left, right = st.columns([3, 2])
    left.plotly_chart(charts.aspects(frame), key="portraits_aspects")
    with right:
        chips("Praises", list(p.get("praised") or []))
        chips("Criticises", list(p.get("criticised") or []))
        table(frame, key="portraits_aspect_table",
              sentiment=st.column_config.ProgressColumn(min_value=-1.0, max_value=1.0, format="%+.2f"))


def interests(ctx: Context, user: str) -> None:
    frame = reads.interests(ctx.key, user)
    if frame.empty:
        return
    table(frame[["cluster_label", "share"]].head(5), key="portraits_interests",
          cluster_label=st.column_config.TextColumn("interest cluster"),
          share=st.column_config.ProgressColumn(min_value=0.0, max_value=1.0, format="percent"))


def similar_users(ctx: Context, user: str) -> str | None:
    frame = reads.similar_users(ctx.key, user, 5).copy()
    if frame.empty:
        st.info("No similar users found.")
        return None
    frame["user_id"] = ctx.privacy.users(frame["user_id"])
    table(shown_items(frame, list(frame.columns)), key="portraits_similar",
          similarity=st.column_config.NumberColumn(format="%.3f"),
          n_interactions=st.column_config.NumberColumn("interactions", format="%d"))
    return None
