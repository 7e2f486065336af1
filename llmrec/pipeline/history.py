"""The train stage's per-epoch record (models/training_history.parquet) read back by later stages."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from llmrec.models.base import SequentialModel
from llmrec.models.registry import model_names


def kept_epochs(models_folder: Path) -> dict[str, int]:
    """Per sequential model, the epoch its standard fit kept (best validation NDCG@10), read from the
    train stage's `models_folder`: the cold-start retraining stops there, instead of spending again the
    epochs early stopping waited in vain."""
    history_file = models_folder / "training_history.parquet"
    if not history_file.is_file():
        return {}
    history = pd.read_parquet(history_file)
    if "val_ndcg@10" not in history.columns:
        return {}
    history = history[history["model"].map(lambda m: m in model_names(SequentialModel))]
    best = history.dropna(subset=["val_ndcg@10"]).sort_values(["model", "epoch"])
    best = best.loc[best.groupby("model")["val_ndcg@10"].idxmax()]
    return {str(m): int(e) for m, e in zip(best["model"], best["epoch"], strict=True)}
