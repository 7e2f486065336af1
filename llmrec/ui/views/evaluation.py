"""Evaluation sections: protocol, metrics across models and K, curves, distributions, drill-down,
explanation quality."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from llmrec.models.registry import default_model
from llmrec.serve.tables import shown_items
from llmrec.ui import charts, reads, state
from llmrec.ui.components import table
from llmrec.ui.context import Context
from llmrec.ui.safe import plain


def protocol(ctx: Context) -> None:
    """How the numbers below were produced, stated before the numbers."""
    lines = reads.protocol_lines(ctx.key)
    with st.container(border=True):
        st.markdown("**Protocol** — " + " ".join(
            f"{plain(line)}{'' if line.endswith('.') else '.'}" for line in lines[:1]))
        with st.expander("Full protocol"):
            for line in lines:
                st.markdown(f"- {plain(line)}")


def ks(ctx: Context) -> list[int]:
    return reads.metric_ks(ctx.key)


def pick_k(ctx: Context) -> int:
    available = ks(ctx)
    default = ctx.k if ctx.k in available else available[0]
    state.choose("eval_k", available, param_name="eval_k", default=default, parse=int)
    k = st.segmented_control("K", available, key="eval_k") or available[0]
    state.share(eval_k=k)
    return int(k)


def metrics_across_k(ctx: Context) -> None:
    """The headline accuracy metrics for every model at every K."""
    frame = reads.metrics_table(ctx.key, None, ("NDCG", "Recall", "HitRate", "Coverage"))
    st.dataframe(frame.style.format("{:.4f}").highlight_max(axis=0, color="#d5ecd4"), key="eval_table_all")
    st.caption("Best model per column highlighted.")


def metrics_at_k(ctx: Context, k: int) -> None:
    """Every recorded metric at one K."""
    frame = reads.metrics_table(ctx.key, k)
    st.dataframe(frame.style.format("{:.4f}").highlight_max(axis=0, color="#d5ecd4"), key="eval_table")
    st.caption("Higher is better, except AvgPop (lower: less popularity-biased lists) and RMSE / MAE "
               "(rating error, only for models that predict ratings).")
    verdict = reads.rating_model_verdict(ctx.key)
    if verdict:
        st.info(plain(verdict))


def curves(ctx: Context, k: int) -> None:
    all_metrics = reads.metrics(ctx.key)
    left, right = st.columns(2)
    ndcg = all_metrics[(all_metrics["metric"].astype(str).str.lower() == "ndcg") & all_metrics["k"].notna()]
    left.plotly_chart(charts.metric_curves(ndcg, "NDCG"), key="eval_curves")
    cov = reads.accuracy_vs_coverage(ctx.key, k, "NDCG")
    if cov.empty or cov["coverage"].isna().all():
        right.info("Coverage was not recorded in this workspace's metrics.")
    else:
        right.plotly_chart(charts.accuracy_coverage(cov, "NDCG", k), key="eval_coverage")


def per_user(ctx: Context, k: int) -> None:
    names = reads.per_user_metrics(ctx.key)
    state.choose("eval_metric", names, default="NDCG")
    metric = st.radio("Per-user metric", names, key="eval_metric", horizontal=True, format_func=plain)
    frame = reads.per_user(ctx.key, k)
    if frame.empty:
        st.info("Per-user metrics were not recorded.")
        return
    st.plotly_chart(charts.distributions(frame, metric), key="eval_dist")


def cold_start(ctx: Context, k: int) -> None:
    frame = reads.cold_start(ctx.key)
    if frame.empty:
        st.info("No cold-start evaluation in this workspace (build with cold-start enabled).")
        return
    wide = frame[frame["k"] == k].pivot_table(index="model", columns="metric", values="value",
                                              aggfunc="first")
    pool = reads.cold_start_pool(ctx.key)
    if pool["note"]:
        st.warning(plain(pool["note"]))
    st.dataframe(wide.style.format("{:.4f}"), key="eval_cold")
    st.caption(f"Cold start: the models never saw these {pool['n_items']:,} items in training and rank "
               f"only the new items for {pool['n_users']:,} users. Only text-aware models can place them "
               "above chance.")


def text_ablation(ctx: Context, k: int) -> None:
    """Frozen vs fine-tuned text per text-aware model (computed by the build; rendered here)."""
    decision = reads.finetune_decision(ctx.key)
    if decision is None:
        st.info("This workspace's encoder was not fine-tuned (build with --finetune to compare).")
        return
    st.caption(f"Fine-tuning: {plain(decision['reason'])}.")
    tables = reads.text_ablation(ctx.key, k)
    for split, frame in tables.items():
        st.markdown("**Warm items**" if split == "standard" else "**Cold start (new products)**")
        st.dataframe(frame.style.format("{:.4f}"), key=f"eval_ablation_{split}")
    if tables:
        st.caption("Each text-aware model trained twice with the same parameters and protocol: on the "
                   "frozen encoder's text and on the fine-tuned encoder's; change = fine-tuned - frozen.")


def drill_down(ctx: Context, k: int) -> None:
    state.choose("eval_model", ctx.models, param_name="eval_model",
                 default=default_model(ctx.models) or ctx.models[0])
    left, right = st.columns([1, 2])
    model = left.selectbox("Model", ctx.models, key="eval_model")
    state.share(eval_model=model)
    worst = reads.worst_users(ctx.key, model, k, "NDCG", 20).copy()
    if worst.empty:
        st.info("No per-user results for this model.")
        return
    real_ids = worst["user_id"].tolist()
    worst["user_id"] = ctx.privacy.users(worst["user_id"])
    with left:
        st.caption("Worst-served users (lowest NDCG, most history first). Select a row.")
        event = st.dataframe(worst[["user_id", "NDCG", "Recall", "n_interactions"]], hide_index=True,
                             key="eval_worst", on_select="rerun", selection_mode="single-row", height=420)
    rows = event.selection.rows if event is not None else []
    user = real_ids[rows[0]] if rows else real_ids[0]
    with right:
        st.markdown(f"**{plain(ctx.privacy.user(user))}**: what {plain(model)} recommended "
                    f"(training and validation items masked, as in evaluation)")
        recs = reads.recommend(ctx.key, user, model, k, "evaluation")
        table(shown_items(recs, ["rank", "title", "category", "score", "held_out"]), key="eval_user_recs",
              held_out=st.column_config.CheckboxColumn("hit (held out)"))
        held = reads.test_items(ctx.key, user)
        st.markdown("**What they actually did next (test items)**")
        shown = shown_items(held, ["title"]) if not held.empty else pd.DataFrame({"title": ["(none)"]})
        table(shown, key="eval_user_test")


def _quality_columns() -> dict:
    """Column labels and formats of the explanation-quality table, in the order shown."""
    def share(label: str, help: str | None = None):
        return st.column_config.NumberColumn(label, format="%.3f", help=help)

    return {
        "generator": st.column_config.TextColumn("generator"),
        "n_pairs": st.column_config.NumberColumn("pairs", format="%d"),
        "grounding_rate": share("grounding rate", "shown sentences that pass the evidence check"),
        "raw_grounding_rate": share("raw grounding rate", "generator outputs passing before any fallback"),
        "fallback_rate": share("fallback rate", "texts whose generator output was replaced by the template"),
        "feature_coverage": share("feature coverage", "distinct available facts that some text cites"),
        "unique_sentence_ratio": share("unique sentences"),
        "distinct_1": share("distinct-1"),
        "distinct_2": share("distinct-2"),
        "mean_words": st.column_config.NumberColumn("mean words", format="%.1f"),
        "latency_per_sentence_s": st.column_config.NumberColumn(
            "latency / sentence (s)", format="%.4f", help="generation time; cache hits excluded"),
    }


def explanation_quality(ctx: Context) -> None:
    """Grounding, variety and speed of the generated reasons, per generator (reasons/quality.json)."""
    frame = reads.explanation_quality(ctx.key)  # not memoised: `explain` rewrites it at any time
    command = f"python -m llmrec explain --workspace {ctx.root}"
    if frame.empty:
        st.info("No explanation quality measured for this workspace yet. Run this command, then reload "
                "(add `--llm` to measure the local LLM as well):", icon=":material/terminal:")
        st.code(command, language="bash")
        return
    columns = _quality_columns()
    table(frame[list(columns)], key="eval_quality", **columns)
    models = ", ".join(sorted(frame["model"].dropna().astype(str).unique()))
    st.caption(f"Reasons for each sampled user's top-1 recommendation ({plain(models)}). Rates are "
               "shares in 0..1; distinct-1/2 are distinct words / word pairs over all words / pairs. "
               f"Measure again with {plain(command)} (`--llm` for the local LLM).")
