"""Embedding explorer: products on a 2-D map of the text space or the collaborative space."""

import streamlit as st

from llmrec.ui.components import guard, require_workspace
from llmrec.ui.context import current
from llmrec.ui.views import explorer

ctx = current()
st.title("Embedding explorer")
require_workspace(ctx)

with guard("the embedding map"):
    space, colour, overlay = explorer.controls(ctx)
    highlight = {}
    if overlay:
        user = explorer.overlay_user(ctx)
        highlight = explorer.overlay_frames(ctx, space, user)
    map_slot = st.container()
    st.subheader("Nearest neighbours")
    item = explorer.selected_item(ctx)
    neighbours = explorer.neighbours(ctx, item, space)
    with map_slot:
        explorer.item_map(ctx, space, colour, highlight, item, neighbours)
