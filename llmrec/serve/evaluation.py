"""Evaluation views: metrics across models and K, the protocol, per-user results, explanation quality."""

from __future__ import annotations

import pandas as pd

from llmrec.errors import WorkspaceError
from llmrec.pipeline.artifacts import current_quality
from llmrec.pipeline.layout import QUALITY_FILE  # written by `python -m llmrec explain`
from llmrec.serve.index import WorkspaceIndex


def metrics(index: WorkspaceIndex) -> pd.DataFrame:
    """model, metric, k, value (offline evaluation on the test split; k is <NA> for RMSE/MAE)."""
    return index.ws.table("evaluation/metrics.parquet")


def metric_ks(index: WorkspaceIndex) -> list[int]:
    """The cut-offs K the ranking metrics were computed at."""
    return sorted(int(k) for k in metrics(index)["k"].dropna().unique())


METRIC_ORDER = ("NDCG", "Recall", "Precision", "HitRate", "MAP", "MRR", "F1", "Coverage", "Novelty",
                "AvgPop", "ILD", "RMSE", "MAE")


def metrics_table(index: WorkspaceIndex, k: int | None = None,
                  names: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Models as rows, `METRIC@K` as columns (one K, or all K), accuracy metrics first."""
    table = metrics(index)
    table = table[table["k"].isna() | (table["k"] == k)] if k is not None else table
    if names is not None:
        table = table[table["metric"].isin(names)]
    cut = table["k"].astype("string").fillna("")
    table = table.assign(column=table["metric"].astype(str) + ("@" + cut).where(cut != "", ""))
    wide = table.pivot_table(index="model", columns="column", values="value", aggfunc="first")
    rank = {name: i for i, name in enumerate(METRIC_ORDER)}

    def order(column: str) -> tuple:
        name, _, cut = column.partition("@")
        return (rank.get(name, len(rank)), name, int(cut) if cut else 0)

    wide = wide[sorted(wide.columns, key=order)]
    wide.columns.name = None
    return wide


def rating_model_verdict(index: WorkspaceIndex) -> str | None:
    """One plain sentence: does the rating model beat the bias baseline (global + user + item means)
    on test RMSE? None when the workspace has no rating models."""
    frame = metrics(index)
    rmse = frame[frame["metric"] == "RMSE"].set_index("model")["value"]
    if "rating_mf" not in rmse or "bias" not in rmse:
        return None
    mf, bias = float(rmse["rating_mf"]), float(rmse["bias"])
    gain = (bias - mf) / bias
    if gain >= 0.01:
        return (f"Rating MF predicts ratings better than the bias baseline: RMSE {mf:.4f} against "
                f"{bias:.4f} ({gain:.1%} lower).")
    return (f"Rating MF does not beat the bias baseline (global, user and item means): RMSE {mf:.4f} "
            f"against {bias:.4f}. Its latent factors add nothing measurable on these ratings.")


def protocol(index: WorkspaceIndex) -> dict:
    """evaluation/protocol.json: how the metrics were computed."""
    return index.ws.json("evaluation/protocol.json")


def protocol_lines(index: WorkspaceIndex) -> list[str]:
    """The evaluation protocol as readable 'Name: value' sentences (empty entries left out)."""
    lines = []
    for key, value in protocol(index).items():
        if value in (None, "", [], {}):
            continue
        if isinstance(value, (list, tuple)):
            value = ", ".join(str(v) for v in value)
        lines.append(f"{key.replace('_', ' ').capitalize()}: {value}")
    return lines


def accuracy_vs_coverage(index: WorkspaceIndex, k: int, accuracy: str = "NDCG") -> pd.DataFrame:
    """model, accuracy, coverage at k (coverage: share of the catalogue recommended to anyone)."""
    table = metrics(index)
    table = table[table["k"] == k]
    metric = table["metric"].astype(str).str.lower()
    acc = table[metric == accuracy.lower()].set_index("model")["value"]
    cov = table[metric.str.contains("coverage")].set_index("model")["value"]
    cov = cov[~cov.index.duplicated()]
    return pd.DataFrame({"model": acc.index, "accuracy": acc.to_numpy(),
                         "coverage": cov.reindex(acc.index).to_numpy()})


def per_user_metrics(index: WorkspaceIndex) -> list[str]:
    """Names of the metrics recorded per user (e.g. NDCG, Recall, HitRate)."""
    columns = index.ws.columns("evaluation/per_user.parquet")
    return [c for c in columns if c not in ("model", "user_id", "k")]


def per_user(index: WorkspaceIndex, k: int, model: str | None = None) -> pd.DataFrame:
    """model, user_id, k and one column per metric (NDCG, Recall, ...) for one k (and model)."""
    table = index.ws.table("evaluation/per_user.parquet")
    table = table[table["k"] == k]
    if model is not None:
        table = table[table["model"] == model]
    table = table.copy()
    table["user_id"] = table["user_id"].astype(str)
    return table.reset_index(drop=True)


def worst_users(index: WorkspaceIndex, model: str, k: int, metric: str = "NDCG", n: int = 20) -> pd.DataFrame:
    """The n users the model serves worst at k (ties broken by more history first)."""
    table = per_user(index, k, model)
    table["n_interactions"] = table["user_id"].map(index.activity).fillna(0).astype(int)
    return table.sort_values([metric, "n_interactions"], ascending=[True, False]).head(n).reset_index(
        drop=True)


def cold_start(index: WorkspaceIndex) -> pd.DataFrame:
    """model, metric, k, value on items unseen in training (empty when not evaluated)."""
    if not (index.ws.root / "evaluation" / "cold_start.parquet").is_file():
        return pd.DataFrame(columns=["model", "metric", "k", "value"])
    return index.ws.table("evaluation/cold_start.parquet")


# Below these a cold-start score is noise: a handful of new items or users decides it.
MIN_COLD_ITEMS = 30
MIN_COLD_USERS = 50


def cold_start_pool(index: WorkspaceIndex) -> dict:
    """n_items, n_users of the cold-start evaluation, and `note`: why its scores mean little (a pool
    of new items too small to rank, or too few users), None when the pool is large enough."""
    ws = index.ws
    if not (ws.root / "evaluation" / "cold_start_protocol.json").is_file():
        return {"n_items": 0, "n_users": 0, "note": None}
    protocol = ws.json("evaluation/cold_start_protocol.json")
    n_users = int(protocol.get("n_users", 0))
    cold_test = "split/cold_test.parquet"
    n_items = int(ws.table(cold_test)["item_id"].nunique()) if (ws.root / cold_test).is_file() else 0
    largest_k = max([int(k) for k in protocol.get("ks", [])] or [0])
    note = None
    if n_items <= largest_k:
        note = (f"Only {n_items:,} new items to rank for {n_users:,} users: every one fits in the top "
                f"{largest_k}, so these scores measure nothing.")
    elif n_items < MIN_COLD_ITEMS or n_users < MIN_COLD_USERS:
        note = (f"The cold-start pool is small ({n_items:,} new items, {n_users:,} users): a few items "
                "or users decide these scores, so they mean little.")
    return {"n_items": n_items, "n_users": n_users, "note": note}


QUALITY_COLUMNS = ("generator", "model", "n_pairs", "grounding_rate", "raw_grounding_rate", "fallback_rate",
                   "feature_coverage", "unique_sentence_ratio", "distinct_1", "distinct_2", "mean_words",
                   "latency_per_sentence_s", "created")


def explanation_quality(index: WorkspaceIndex) -> pd.DataFrame:
    """One row per generator measured by `python -m llmrec explain` (QUALITY_COLUMNS; empty when it
    has not run). Rates are shares in 0..1; latency is seconds per generated sentence."""
    path = index.ws.root / QUALITY_FILE
    if not path.is_file():
        return pd.DataFrame(columns=list(QUALITY_COLUMNS))
    try:
        entries = index.ws.json(QUALITY_FILE)
    except WorkspaceError:
        raise WorkspaceError(f"{path} is damaged (not a JSON object); run `python -m llmrec explain` "
                             "again") from None
    # Entries stamped with other data or models (a rebuild since) are stale: not shown.
    current = current_quality(entries, index.ws.manifest)
    rows = [{"generator": name, **entry} for name, entry in current.items()]
    frame = pd.DataFrame(rows).reindex(columns=list(QUALITY_COLUMNS))
    numeric = [c for c in QUALITY_COLUMNS if c not in ("generator", "model", "created")]
    frame[numeric] = frame[numeric].apply(pd.to_numeric, errors="coerce")
    return frame


def text_ablation(index: WorkspaceIndex, k: int) -> dict[str, pd.DataFrame]:
    """Frozen vs fine-tuned text per text-aware model at k, for "standard" and "cold_start": only the
    splits the workspace has an ablation for (none unless the build kept a fine-tuned encoder)."""
    from llmrec.pipeline.report import text_ablation as ablation

    tables = {split: ablation(index.ws, split=split, k=k) for split in ("standard", "cold_start")}
    return {split: table for split, table in tables.items() if not table.empty}


def finetune_decision(index: WorkspaceIndex) -> dict | None:
    """Whether the build fine-tuned the encoder and kept it, with the validation numbers (None: not asked)."""
    return index.ws.manifest.get("finetune")
