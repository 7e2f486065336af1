"""Overview: what is in the workspace."""

import streamlit as st

from llmrec.ui.components import guard, require_workspace
from llmrec.ui.context import current
from llmrec.ui.views import overview

ctx = current()
st.title("Overview")
require_workspace(ctx)

with guard("the overview"):
    overview.dataset_card(ctx)
    overview.data_quality(ctx)
    overview.distributions(ctx)
    overview.catalogue(ctx)
    overview.top_products(ctx)
    overview.load_report(ctx)
