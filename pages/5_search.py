"""Personalised search: language-model similarity blended with one user's preference scores."""

import streamlit as st

from llmrec.ui.components import guard, require_models, require_workspace, user_picker
from llmrec.ui.context import current
from llmrec.ui.views import search

ctx = current()
st.title("Personalised search")
require_workspace(ctx)
require_models(ctx)

with guard("search results"):
    user = user_picker(ctx, "search_user", "Search as user")
    query, weight = search.query_box()
    search.results(ctx, query, user, weight)
