"""The explorer on a catalogue larger than the map draws: a sample, with the selected and neighbour
products always on it, and the caption says how many are drawn."""

from __future__ import annotations

import base64
import json

import numpy as np
import streamlit as st

from llmrec.pipeline.artifacts import Workspace
from llmrec.serve import maps
from tests.ui.test_ui_pages import open_page


def test_a_sampled_map_keeps_the_selected_and_neighbour_products(app, ui_workspace, monkeypatch):
    original = maps.sample_points
    monkeypatch.setattr(maps, "sample_points", lambda points: original(points, limit=30, floor=1))
    st.cache_data.clear()
    try:
        open_page(app, "pages/3_explorer.py")
        selected = Workspace(ui_workspace).ids.items[5]
        app.selectbox(key="explorer_item").set_value(selected).run()
        assert not app.exception
        n_items = Workspace(ui_workspace).ids.n_items
        captions = [c.value for c in app.caption if "products drawn" in c.value]
        assert captions and f"of {n_items:,} products drawn" in captions[0]
        figure = json.loads(app.get("plotly_chart")[0].proto.spec)
        ids = maps.map_frame(maps.WorkspaceIndex.open(ui_workspace), "text")["item_id"]
        drawn = {str(ids.iloc[int(row)]) for trace in figure["data"] if trace["type"] == "scattergl"
                 for row in _array(trace["customdata"])}
        assert selected in drawn                         # the selection is clickable on the map
        assert 30 <= len(drawn) < n_items
    finally:
        st.cache_data.clear()


def _array(values) -> np.ndarray:
    """A plotly JSON array: a list, or {"dtype", "bdata"} (base64) for numpy arrays in plotly >= 6."""
    if isinstance(values, dict):
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"]))
    return np.asarray(values)
