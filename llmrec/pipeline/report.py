"""The stored evaluation of a workspace, read back as an EvaluationResult and printed per K."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from llmrec.errors import ConfigError
from llmrec.evaluation.evaluate import EvaluationResult
from llmrec.evaluation.protocol import Protocol
from llmrec.pipeline.artifacts import Workspace
from llmrec.pipeline.finetuning import ABLATION_FILES

_FILES = {"standard": ("evaluation/metrics.parquet", "evaluation/protocol.json"),
          "cold_start": ("evaluation/cold_start.parquet", "evaluation/cold_start_protocol.json")}


def evaluation_report(workspace: Path | str | Workspace, *, models: list[str] | None = None,
                      split: str = "standard", ks: tuple[int, ...] | None = None) -> EvaluationResult:
    """Read the stored results; `split` is 'standard' or 'cold_start'; filter models and K."""
    ws = workspace if isinstance(workspace, Workspace) else Workspace(workspace)
    if split not in _FILES:
        raise ConfigError(f"unknown split '{split}'; valid choices: {', '.join(_FILES)}")
    table, protocol_file = _FILES[split]
    metrics = ws.table(table)
    protocol = Protocol.from_dict(ws.json(protocol_file))
    if models:
        unknown = sorted(set(models) - set(metrics["model"]))
        if unknown:
            raise ConfigError(f"model(s) {unknown} not in this workspace; available: "
                              f"{', '.join(sorted(metrics['model'].unique()))}")
        metrics = metrics[metrics["model"].isin(models)]
    if ks:
        missing = sorted(set(ks) - set(protocol.ks))
        if missing:
            raise ConfigError(f"K={missing} was not evaluated; available: {list(protocol.ks)}")
        metrics = metrics[metrics["k"].isna() | metrics["k"].isin(ks)]
    return EvaluationResult(metrics=metrics.reset_index(drop=True), protocol=protocol)


def format_by_k(result: EvaluationResult) -> str:
    """The protocol once, then one table per K (one wide table would not fit a terminal)."""
    blocks = [f"Protocol\n{result.protocol.describe()}"]
    for k in sorted(int(k) for k in result.metrics["k"].dropna().unique()):
        table = result.table(k)
        ranking = table[[c for c in table.columns if c.endswith(f"@{k}")]]
        blocks.append(f"K = {k}\n" + ranking.rename(columns=lambda c: c.split("@")[0]).to_string(
            float_format=lambda v: f"{v:.4f}"))
    unranked = result.table()[[c for c in result.table().columns if "@" not in c]].dropna(how="all")
    if not unranked.empty:
        blocks.append("Rating prediction\n" + unranked.to_string(float_format=lambda v: f"{v:.4f}"))
    return "\n\n".join(blocks)


def text_ablation(workspace: Path | str | Workspace, *, split: str = "standard", k: int = 10) -> pd.DataFrame:
    """Frozen vs fine-tuned text, per text-aware model at `k`: NDCG and Recall with each text and the
    change. Empty when the workspace kept no fine-tuned encoder (or was not evaluated at `k`)."""
    ws = workspace if isinstance(workspace, Workspace) else Workspace(workspace)
    if split not in _FILES:
        raise ConfigError(f"unknown split '{split}'; valid choices: {', '.join(_FILES)}")
    if not (ws.root / ABLATION_FILES[split]).is_file():
        return pd.DataFrame()
    frozen, tuned = ws.table(ABLATION_FILES[split]), ws.table(_FILES[split][0])
    rows = []
    for model in dict.fromkeys(frozen["model"]):
        row = {"model": model}
        for metric in ("NDCG", "Recall"):
            before, after = (_value(table, model, metric, k) for table in (frozen, tuned))
            row.update({f"{metric}@{k} frozen": before, f"{metric}@{k} fine-tuned": after,
                        f"{metric}@{k} change": after - before})
        rows.append(row)
    table = pd.DataFrame(rows).set_index("model")
    return table.dropna(how="all") if not table.isna().all().all() else pd.DataFrame()


def format_ablation(workspace: Path | str | Workspace, *, split: str = "standard", k: int = 10) -> str:
    """The ablation table with a title, or "" when the workspace has none."""
    table = text_ablation(workspace, split=split, k=k)
    if table.empty:
        return ""
    return (f"Frozen vs fine-tuned text ({split.replace('_', '-')}, K = {k})\n"
            + table.to_string(float_format=lambda v: f"{v:.4f}"))


def _value(table: pd.DataFrame, model: str, metric: str, k: int) -> float:
    hit = table[(table["model"] == model) & (table["metric"] == metric) & (table["k"] == k)]["value"]
    return float(hit.iloc[0]) if len(hit) else float("nan")
