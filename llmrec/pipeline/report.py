"""The stored evaluation of a workspace, read back as an EvaluationResult and printed per K."""

from __future__ import annotations

from pathlib import Path

from llmrec.errors import ConfigError
from llmrec.evaluation.evaluate import EvaluationResult
from llmrec.evaluation.protocol import Protocol
from llmrec.pipeline.artifacts import Workspace

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
