"""Data: load a source and build a workspace from it."""

import streamlit as st

from llmrec.ui.context import current
from llmrec.ui.views import data

ctx = current()
st.title("Data")
st.caption("Build a workspace from a source. The workspace in use stays available until you switch.")

kind = data.pick_source()
choice = data.source_form(kind)
st.subheader("Check")
if st.button("Check the source", key="data_check"):
    data.check(choice)
st.subheader("Build")
target = data.target_folder(ctx)
models = st.multiselect("Models", data.MODELS, default=list(data.MODELS), key="data_models")
quick = st.toggle("Quick build (fewer epochs and factors)", key="data_quick", value=kind == "demo")
if st.button("Build workspace", key="data_build", type="primary", disabled=not models or not target.allowed):
    data.build(choice, target, models, quick)
data.use_built()
