"""Recommendation sections: top-K with evidence and reasons, models side by side, product launch."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from llmrec.reasons.service import GeneratedText
from llmrec.serve.explanations import fact_rows
from llmrec.serve.tables import shown_items
from llmrec.ui import charts, reads, state
from llmrec.ui.components import llm_writer, source_label, source_note, table
from llmrec.ui.context import Context
from llmrec.ui.safe import plain


def top_k(ctx: Context, user: str) -> pd.DataFrame:
    """The top-K table of the sidebar's model, each row with its one-sentence reason for that model."""
    recs = reads.recommend(ctx.key, user, ctx.model, ctx.k, "seen")
    reasons = reads.reasons(ctx.key, user, tuple(recs["item_id"]), ctx.model)
    shown = shown_items(recs, ["rank", "title", "price", "price_band", "score"])
    shown["why"] = [ctx.privacy.text(r.text) for r in reasons]
    shown["source"] = [source_label(r) for r in reasons]
    st.subheader(f"Top {ctx.k} from {plain(ctx.model)}")
    table(shown, key="recs_table",
          rank=st.column_config.NumberColumn("#", width=40),
          title=st.column_config.TextColumn(width="medium"),
          price=st.column_config.NumberColumn(format="$%.2f", width=70),
          price_band=st.column_config.TextColumn("price band", width=70),
          score=st.column_config.NumberColumn(format="%.3f", width=60),
          why=st.column_config.TextColumn("reason (hover for the full sentence)", width="large"),
          source=st.column_config.TextColumn(width="small"))
    by_llm = sum(r.source == "llm" for r in reasons)
    st.caption(f"{by_llm} of {len(reasons)} reasons written by the local LLM (cached), the rest by "
               "templates; each sentence is checked against the evidence. Seen items excluded.")
    return recs


def explanation(ctx: Context, user: str, recs: pd.DataFrame) -> None:
    """One recommended item in depth: its reason with source and citations, then the evidence, both
    built for the sidebar's model (the one whose list is shown)."""
    titles = dict(zip(recs["item_id"], recs["title"], strict=True))
    items = list(titles)
    state.choose("recs_explain", items, default=items[0])
    item = st.selectbox("Explain", items, key="recs_explain",
                        format_func=lambda i: f"{recs.set_index('item_id').loc[i, 'rank']}. {titles[i]}")
    (reason,) = reads.reasons(ctx.key, user, (item,), ctx.model)
    with st.container(border=True):
        st.markdown(plain(ctx.privacy.text(reason.text)))
        st.caption(source_note(reason))
        if reason.cited_facts:
            st.markdown("**Cited facts:** " + "; ".join(plain(ctx.privacy.text(f.text))
                                                        for f in reason.cited_facts))
        else:
            st.caption("Cites no evidence fact.")
        llm_writer(ctx, "recs_llm", user, item)
    describe(ctx, user, item)
    evidence(ctx, user, item)


def describe(ctx: Context, user: str, item: str) -> None:
    """"Describe this product for this shopper": the description is streamed as it is written, then
    replaced by the checked text (the template's when the draft failed), which names its source."""
    has_llm = reads.llm_available(ctx.key)
    state.ensure("recs_describe_llm", has_llm)
    use_llm = st.toggle("Describe with the local LLM", key="recs_describe_llm", disabled=not has_llm,
                        help="Off: the templates write it (instant). Either way the text is checked "
                             "against the evidence and kept in the workspace's generated-text cache.")
    request = (user, item, ctx.model, bool(use_llm and has_llm))
    if st.button("Describe this product for this shopper", key="recs_describe"):
        written: list[GeneratedText] = []

        def chunks():
            streamed = False
            for part in reads.stream_description(ctx.key, user, item, ctx.model, request[3]):
                if isinstance(part, str):
                    streamed = True
                    yield plain(ctx.privacy.text(part))
                else:
                    written.append(part)
                    if not streamed:  # written at once (templates, a cached text)
                        yield plain(ctx.privacy.text(part.text))

        draft = st.empty()
        with draft.container():
            st.write_stream(chunks())
        draft.empty()
        st.session_state["recs_description"] = (request, written[-1])
    shown = st.session_state.get("recs_description")
    if shown is not None and shown[0] == request:
        text: GeneratedText = shown[1]
        st.markdown(plain(ctx.privacy.text(text.text)), help="Checked against the evidence.")
        why = "" if request[3] or text.source == "llm" else (
            " · the local LLM is switched off" if has_llm else " · no local LLM is installed")
        st.caption(source_note(text) + why)


def evidence(ctx: Context, user: str, item: str) -> None:
    """Every fact the reason could cite, for the model whose list is on screen."""
    ev = reads.evidence(ctx.key, user, item, ctx.model)
    band = reads.item_card(ctx.key, item)["price_band"]
    st.markdown(f"**Evidence for {plain(ctx.model)}'s list** · price band: {plain(band)}")
    rows = fact_rows(ev)
    if not rows:
        st.caption("No evidence fact for this item.")
        return
    frame = pd.DataFrame(rows)
    frame["statement"] = frame["statement"].map(ctx.privacy.text)
    table(frame, key=f"recs_evidence_{item}",
          fact=st.column_config.TextColumn(width="medium"),
          statement=st.column_config.TextColumn(width="large"))


def side_by_side(ctx: Context, user: str) -> None:
    default = list(ctx.models[:4])
    state.ensure("recs_models", default)
    chosen = st.multiselect("Models to compare", ctx.models, key="recs_models")
    if not chosen:
        st.info("Pick at least one model.")
        return
    frame = reads.compare_models(ctx.key, user, tuple(chosen), ctx.k, "seen")
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
        launch = reads.launch(ctx.key, title, description, ctx.k)
    left, right = st.columns([3, 2])
    with left:
        near = reads.map_positions(ctx.key, "text", tuple(launch.neighbours["item_id"]))
        fig = charts.embedding_map(reads.map_sample(ctx.key, "text"), reads.colourings(ctx.key)[0],
                                   highlight={"neighbours": near}, new_point=(launch.x, launch.y, title),
                                   height=480)
        st.plotly_chart(fig, key="recs_launch_map")
    with right:
        st.markdown("**Nearest existing products**")
        table(shown_items(launch.neighbours, ["title", "category", "price", "similarity"]),
              key="recs_launch_nn",
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
        table(shown_items(audience, ["user_id", "top_category", "score", "margin"]),
              key="recs_launch_audience",
              score=st.column_config.NumberColumn(format="%.3f"),
              margin=st.column_config.NumberColumn("margin over their K-th item", format="%+.3f"))
