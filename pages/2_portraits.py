"""User portraits: who a user is, from their history and their reviews."""

import streamlit as st

from llmrec.ui.components import guard, require_workspace, user_picker
from llmrec.ui.context import current
from llmrec.ui.views import portraits

ctx = current()
st.title("User portraits")
require_workspace(ctx)

with guard("this portrait"):
    user = user_picker(ctx, "portraits_user")
    profile = portraits.profile(ctx, user)
    portraits.summary(ctx, user)
    st.subheader("History")
    portraits.history(ctx, user)
    st.subheader("Taste compared with everyone")
    portraits.taste(ctx, user)
    st.subheader("Praised and criticised aspects")
    portraits.aspects(ctx, user, profile)
    left, right = st.columns(2)
    with left:
        st.subheader("Interest clusters")
        portraits.interests(ctx, user)
    with right:
        st.subheader("Similar users")
        portraits.similar_users(ctx, user)
