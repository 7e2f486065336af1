"""The evaluation report of a built workspace: metrics table plus the protocol that produced it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from llmrec.errors import ConfigError
from llmrec.evaluation.protocol import Protocol
from llmrec.pipeline.artifacts import Workspace

# Column order of the printed table: accuracy first, then beyond-accuracy metrics.
METRIC_ORDER = ("Precision", "Recall", "F1", "NDCG", "MAP", "HR", "MRR", "Coverage", "Novelty",
                "Diversity", "AvgPop", "RMSE", "MAE")


@dataclass
class EvaluationReport:
    protocol: Protocol
    metrics: pd.DataFrame  # model, metric, k, value

    def table(self) -> pd.DataFrame:
        """Models as rows, `Metric@K` as columns, in METRIC_ORDER."""
        frame = self.metrics.copy()
        frame["label"] = [m if pd.isna(k) or k == 0 else f"{m}@{int(k)}"
                          for m, k in zip(frame["metric"], frame["k"], strict=True)]
        wide = frame.pivot_table(index="model", columns="label", values="value", sort=False)
        rank = {name: i for i, name in enumerate(METRIC_ORDER)}
        columns = sorted(wide.columns, key=lambda c: (rank.get(c.split("@")[0], 99), c))
        return wide[columns]

    def format(self) -> str:
        """The protocol, then one table per K (a single wide table would not fit a terminal)."""
        table = self.table()
        blocks = [f"Protocol\n{self.protocol.describe()}"]
        ks = sorted({c.split("@")[1] for c in table.columns if "@" in c}, key=int)
        for k in ks:
            columns = [c for c in table.columns if c.endswith(f"@{k}")]
            blocks.append(f"K = {k}\n" + table[columns].rename(columns=lambda c: c.split("@")[0])
                          .to_string(float_format=lambda v: f"{v:.4f}"))
        unranked = [c for c in table.columns if "@" not in c]
        if unranked and table[unranked].notna().any().any():
            blocks.append("Rating prediction\n" + table[unranked].dropna(how="all").to_string(
                float_format=lambda v: f"{v:.4f}"))
        return "\n\n".join(blocks)

    def to_json_dict(self) -> dict:
        return {"protocol": self.protocol.to_dict(), "metrics": self.metrics.to_dict(orient="records")}


def evaluation_report(workspace: Path | str | Workspace, *, models: list[str] | None = None,
                      split: str = "standard", ks: tuple[int, ...] | None = None) -> EvaluationReport:
    """Read the stored results; `split` is 'standard' or 'cold_start'; filter models and K."""
    ws = workspace if isinstance(workspace, Workspace) else Workspace(workspace)
    names = {"standard": ("evaluation/metrics.parquet", "evaluation/protocol.json"),
             "cold_start": ("evaluation/cold_start.parquet", "evaluation/cold_start_protocol.json")}
    if split not in names:
        raise ConfigError(f"unknown split '{split}'; valid choices: {', '.join(names)}")
    table, protocol_file = names[split]
    metrics = ws.table(table)
    protocol = Protocol.from_dict(json.loads((ws.root / protocol_file).read_text()))
    if models:
        unknown = sorted(set(models) - set(metrics["model"]))
        if unknown:
            raise ConfigError(f"model(s) {unknown} not in this workspace; available: "
                              f"{', '.join(sorted(metrics['model'].unique()))}")
        metrics = metrics[metrics["model"].isin(models)]
    if ks:
        available = sorted(int(k) for k in metrics["k"].dropna().unique() if k)
        missing = sorted(set(ks) - set(available))
        if missing:
            raise ConfigError(f"K={missing} was not evaluated; available: {available}")
        metrics = metrics[metrics["k"].isna() | (metrics["k"] == 0) | metrics["k"].isin(ks)]
    return EvaluationReport(protocol=protocol, metrics=metrics.reset_index(drop=True))
