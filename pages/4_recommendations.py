"""Recommendations: a user's top-K with evidence and reasons; launching a new product."""

import streamlit as st

from llmrec.ui.components import guard, require_models, require_workspace, user_picker
from llmrec.ui.context import current
from llmrec.ui.views import recommendations

ctx = current()
st.title("Recommendations")
require_workspace(ctx)
require_models(ctx)

for_user, side_by_side, launch = st.tabs(["For a user", "Models side by side", "Launch a new product"])
with guard("recommendations"):
    user = user_picker(ctx, "recs_user")
    with for_user:
        recs = recommendations.top_k(ctx, user)
        st.subheader("Why this product")
        recommendations.explanation(ctx, user, recs)
    with side_by_side:
        recommendations.side_by_side(ctx, user)
    with launch:
        st.caption("Describe a product that is not in the catalogue: the text-aware model scores it for "
                   "every user from its text alone.")
        product = recommendations.launch_form()
        if product is not None:
            recommendations.launch_result(ctx, *product)
