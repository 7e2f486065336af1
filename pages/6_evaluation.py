"""Evaluation: offline metrics across models and K, with the protocol that produced them, and the
quality of the generated explanations."""

import streamlit as st

from llmrec.ui.components import guard, require_models, require_workspace
from llmrec.ui.context import current
from llmrec.ui.views import evaluation

ctx = current()
st.title("Evaluation")
require_workspace(ctx)
require_models(ctx)

with guard("the evaluation"):
    evaluation.protocol(ctx)
    st.subheader("Metrics across models and K")
    evaluation.metrics_across_k(ctx)
    k = evaluation.pick_k(ctx)
    st.subheader("All metrics at the chosen K")
    evaluation.metrics_at_k(ctx, k)
    evaluation.curves(ctx, k)
    st.subheader("Per-user distributions")
    evaluation.per_user(ctx, k)
    st.subheader("Cold start (new products)")
    evaluation.cold_start(ctx, k)
    st.subheader("Frozen vs fine-tuned text")
    evaluation.text_ablation(ctx, k)
    st.subheader("Drill down: the worst-served users")
    evaluation.drill_down(ctx, k)
    st.subheader("Explanation quality")
    evaluation.explanation_quality(ctx)
