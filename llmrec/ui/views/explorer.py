"""Embedding explorer sections: the 2-D item map with colourings, overlays and neighbour lists."""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from llmrec.serve.tables import shown_items
from llmrec.ui import charts, reads, state
from llmrec.ui.components import item_picker, table, user_picker
from llmrec.ui.context import Context
from llmrec.ui.safe import plain

SPACE_LABELS = {"text": "Text (language model)", "text_frozen": "Text (frozen, before fine-tuning)",
                "mf": "Collaborative (MF factors)"}


def spaces(ctx: Context) -> list[str]:
    return reads.available_spaces(ctx.key)


def space_label(ctx: Context, space: str) -> str:
    """The space's name; "text" says fine-tuned when the frozen text space sits beside it."""
    if space == "text" and "text_frozen" in spaces(ctx):
        return "Text (fine-tuned language model)"
    return SPACE_LABELS[space]


def controls(ctx: Context) -> tuple[str, str, bool]:
    available = spaces(ctx)
    if not available:
        st.warning("This workspace has no 2-D projection; rebuild it to get the map.")
        st.stop()
    left, middle, right = st.columns([2, 2, 1])
    state.choose("explorer_space", available, param_name="space", default="text")
    with left:
        space = st.radio("Space", available, key="explorer_space", horizontal=True,
                         format_func=partial(space_label, ctx))
    colourings = reads.colourings(ctx.key)  # only fields this catalogue has
    state.choose("explorer_colour", colourings, param_name="colour", default=colourings[0])
    with middle:
        colour = st.radio("Colour by", colourings, key="explorer_colour", horizontal=True)
    state.ensure("explorer_overlay", state.param("overlay") == "1")
    with right:
        overlay = st.toggle("Overlay a user", key="explorer_overlay",
                            help="Show a user's history and recommendations on the map.")
    state.share(space=space, colour=colour, overlay="1" if overlay else None)
    return space, colour, overlay


def _on_select(ctx: Context, space: str) -> None:
    """Map click -> selected item (runs before the rerun, so the item picker can take the value).

    Each marker's customdata is its row in the full map frame (also when the chart draws a sample)."""
    event = st.session_state.get("explorer_map")
    points = (event or {}).get("selection", {}).get("points", []) if event else []
    for point in points:
        row = point.get("customdata")
        if isinstance(row, list):
            row = row[0] if row else None
        item = reads.map_item_at(ctx.key, space, int(row)) if isinstance(row, (int, float)) else None
        if item is not None:
            st.session_state["explorer_item"] = item
            return


def overlay_frames(ctx: Context, space: str, user: str) -> dict[str, pd.DataFrame]:
    """The user's history and recommendations as map positions (item_id, x, y, title)."""
    hist = reads.history(ctx.key, user)
    recs = reads.recommend(ctx.key, user, ctx.model, ctx.k, "seen") if ctx.model else pd.DataFrame()
    out = {"history": reads.map_positions(ctx.key, space, tuple(hist["item_id"]))}
    if not recs.empty:
        out["recommended"] = reads.map_positions(ctx.key, space, tuple(recs["item_id"]))
    return out


def item_map(ctx: Context, space: str, colour: str, highlight: dict[str, pd.DataFrame],
             selected: str | None, neighbours: pd.DataFrame | None) -> None:
    # The full map (100k products) is never copied out of the cache here: the sample, the overlaid
    # positions and the few extra rows are each asked for on their own.
    total = reads.map_size(ctx.key, space)
    if neighbours is not None and not neighbours.empty:
        near = reads.map_positions(ctx.key, space, tuple(neighbours["item_id"]))
        highlight = {**highlight, "neighbours": near}
    shown = reads.map_sample(ctx.key, space)
    if len(shown) < total:  # the items on screen stay clickable even when the sample left them out
        overlaid = [frame["item_id"] for frame in highlight.values() if frame is not None]
        wanted = {selected, *(item for ids in overlaid for item in ids)} - {None}
        extra = reads.map_rows(ctx.key, space, tuple(sorted(wanted)))
        shown = pd.concat([shown, extra[~extra.index.isin(shown.index)]])
    fig = charts.embedding_map(shown, colour, highlight=highlight, selected=selected)
    st.plotly_chart(fig, key="explorer_map", on_select=partial(_on_select, ctx, space),
                    selection_mode="points",
                    config={"scrollZoom": True, "displaylogo": False})
    drawn = (f"{total:,} products" if len(shown) == total else
             f"{len(shown):,} of {total:,} products drawn (a sample that keeps every category and "
             "cluster)")
    st.caption(f"{drawn} · click a point to select it · scroll to zoom, drag to pan")


def selected_item(ctx: Context) -> str:
    return item_picker(ctx, "explorer_item", "Selected product")


def neighbours(ctx: Context, item: str, space: str) -> pd.DataFrame:
    """Nearest neighbours of the item in both spaces, side by side; returns those of `space`."""
    card = reads.item_card(ctx.key, item)
    price = None if pd.isna(card["price"]) else f"${card['price']:,.2f}"
    name = card["title"] if card["title"] == card["item_id"] else f"{card['title']} ({card['item_id']})"
    known = [plain(v) for v in (card["category"], price) if v]
    st.markdown(f"**{plain(name)}** — " + " · ".join([*known, f"{card['popularity']:,} interactions"]))
    cols = st.columns(len(spaces(ctx)))
    shown = None
    for col, name in zip(cols, spaces(ctx), strict=True):
        frame = reads.nearest_items(ctx.key, item, name, 10)
        with col:
            st.markdown(f"**Nearest in {space_label(ctx, name).lower()} space**")
            table(shown_items(frame, ["title", "category", "price", "similarity"]), key=f"explorer_nn_{name}",
                  price=st.column_config.NumberColumn(format="$%.2f"),
                  similarity=st.column_config.NumberColumn(format="%.3f"))
        if name == space:
            shown = frame
    return shown


def overlay_user(ctx: Context) -> str:
    return user_picker(ctx, "explorer_user", "User to overlay")
