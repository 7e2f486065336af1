"""Which encoder the embed stage uses, read from the fine-tuning stage's decision.

Kept apart from `finetuning.py` on purpose: the embed stage's reuse key hashes the code it imports,
and the fine-tuning check imports the models (it fits content ItemKNN); here nothing does, so editing
a model does not re-embed the catalogue.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from llmrec.pipeline.layout import FINETUNE_DECISION, FINETUNED_ENCODER


def corpus_size(dataset) -> int:
    """Texts the embed stage embeds (one per item and per review): what "auto" precision sizes up."""
    return dataset.n_items + len(dataset.reviews)


def precision_param(config) -> dict:
    """The precision as a reuse-key parameter, only when asked for: "auto" (the default) keeps the keys
    of workspaces built before the setting existed."""
    return {} if config.precision == "auto" else {"precision": config.precision}


def text_encoder(run, model, corpus: int):
    """The build's encoder for `model` (a fine-tuned head folder included), in the configured precision
    ("auto" sized by `corpus` texts)."""
    from llmrec.text.head import open_encoder

    return open_encoder(model, max_length=run.config.max_length, precision=run.config.precision,
                        corpus_size=corpus)


def item_vectors(run, model, texts: list[str], corpus: int) -> np.ndarray:
    """Vectors of `texts` through the build's embedding cache (the embed stage then finds them there)."""
    from llmrec.text.cache import EmbeddingCache, encode_cached

    encoder = text_encoder(run, model, corpus)
    return encode_cached(encoder, texts, EmbeddingCache(run.config.cache_dir / "embeddings"))


def read_decision(root: Path) -> dict | None:
    """The fine-tuning stage's keep-or-fall-back decision in a workspace or staging folder, if it ran."""
    path = Path(root) / FINETUNE_DECISION
    return json.loads(path.read_text()) if path.is_file() else None


def embedding_model(run):
    """The encoder the embed stage uses: the fine-tuned one when the build fine-tuned and kept it."""
    if run.config.finetune_seconds and (read_decision(run.staging) or {}).get("kept"):
        return run.staging / FINETUNED_ENCODER
    return run.config.encoder


def frozen_item_vectors(run, texts: list[str], corpus: int) -> dict[str, np.ndarray]:
    """{"items_frozen": vectors} when the build embeds with a kept fine-tuned encoder, else {}."""
    if embedding_model(run) == run.config.encoder:
        return {}
    return {"items_frozen": item_vectors(run, run.config.encoder, texts, corpus)}
