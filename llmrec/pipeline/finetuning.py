"""The fine-tuning stage's body, its keep-or-fall-back check, and the frozen-text ablation.

Fine-tuning pays off on some shops and not on others (few pairs, a budget that buys too few steps):
the stage fine-tunes, then compares content ItemKNN on the VALIDATION part with the frozen and the
fine-tuned text and keeps the fine-tuned encoder only when it wins; otherwise the build embeds with
the frozen encoder and says why (decision.json, the build output, the manifest). When the fine-tuned
encoder is kept, the build also stores the frozen item vectors and evaluates every text-aware model
on them once more, so `evaluate` and the Evaluation page show frozen vs fine-tuned side by side.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from llmrec.data.dataset import Dataset
from llmrec.data.ids import IdMap, interaction_matrix
from llmrec.pipeline.encoder_choice import corpus_size, item_vectors
from llmrec.pipeline.layout import FINETUNE_DECISION, FINETUNED_ENCODER, cold_part_path

GATE_MODEL = "itemknn"
"""The model whose validation NDCG@10 decides: seconds to fit, and it reads nothing but the text."""
MIN_PAIRS = 32
"""Fewer training pairs than this (one batch) teach nothing: the stage keeps the frozen encoder."""
ABLATION_FILES = {"standard": "evaluation/frozen_text.parquet",
                  "cold_start": "evaluation/frozen_text_cold.parquet"}
"""Metrics of the text-aware models trained on the frozen text, when the build kept a fine-tuned encoder."""


def finetune(run, dataset: Dataset, ids: IdMap, parts: dict[str, pd.DataFrame]) -> None:
    """Pre-train, then fine-tune: adapt the encoder on the training split only, keep it where it pays off."""
    from llmrec.text.documents import item_documents
    from llmrec.text.finetune import finetune_head_encoder
    from llmrec.text.pairs import review_pairs, training_pairs

    seed, train_part = run.config.seed, shared_training(run, parts["train"])
    folder = run.staging / FINETUNED_ENCODER
    texts = item_documents(dataset.items)
    pairs = training_pairs(train_part, ids, seed=seed)
    # Only reviews of training interactions: a review of a held-out purchase would leak it.
    seen = set(zip(train_part["user_id"], train_part["item_id"], strict=True))
    reviews = dataset.reviews
    if len(reviews):
        reviews = reviews[[pair in seen for pair in zip(reviews["user_id"], reviews["item_id"], strict=True)]]
    reviews = review_pairs(reviews, ids, seed=seed) if len(reviews) else []
    decision = {"kept": False, "n_item_pairs": len(pairs), "n_review_pairs": len(reviews), "metric": None}
    if len(pairs) + len(reviews) < MIN_PAIRS:
        decision["reason"] = (f"only {len(pairs) + len(reviews)} training pairs (fewer than {MIN_PAIRS}): "
                              "too few to fine-tune on; the frozen encoder is used")
        return _write_decision(run, decision)
    # The frozen vectors come from (and go to) the build's embedding cache, in the precision the embed
    # stage will use, so it reuses them.
    corpus = corpus_size(dataset)
    finetune_head_encoder(run.config.encoder, texts, pairs, reviews, folder,
                          embed=lambda all_texts: item_vectors(run, run.config.encoder, all_texts, corpus),
                          time_budget_s=float(run.config.finetune_seconds), seed=seed,
                          progress=lambda fraction, message: run.progress("finetune", fraction, message))
    if not len(parts["valid"]):
        decision.update(kept=True, reason="no validation part to check against: the fine-tuned encoder "
                                          "is used unchecked")
        return _write_decision(run, decision)
    run.progress("finetune", 0.95, f"validation check: {GATE_MODEL} with frozen vs fine-tuned text")
    frozen = validation_ndcg(parts, ids, item_vectors(run, run.config.encoder, texts, corpus))
    tuned = validation_ndcg(parts, ids, item_vectors(run, folder, texts, corpus))
    kept = tuned > frozen
    decision.update(kept=kept, metric=f"{GATE_MODEL} validation NDCG@10",
                    frozen=round(frozen, 6), finetuned=round(tuned, 6),
                    reason=(f"{GATE_MODEL} validation NDCG@10 {frozen:.4f} frozen -> {tuned:.4f} fine-tuned: "
                            + ("the fine-tuned encoder is used" if kept
                               else "no gain, so the frozen encoder is used")))
    _write_decision(run, decision)


def shared_training(run, train: pd.DataFrame) -> pd.DataFrame:
    """The training interactions that are also in the cold-start split's training part, when it exists.

    The cold-start evaluation holds whole items out; pairs with those items would teach the encoder
    about the very products it is then asked to score as new, so they are left out of fine-tuning.
    """
    cold = cold_part_path(run.staging, "train")
    if not cold.is_file():
        return train
    keys = ["user_id", "item_id"]
    kept = pd.read_parquet(cold, columns=keys).drop_duplicates()
    return train.merge(kept, on=keys, how="inner")


def validation_ndcg(parts: dict[str, pd.DataFrame], ids: IdMap, item_text: np.ndarray, k: int = 10) -> float:
    """NDCG@k of content ItemKNN on the validation part (trained on the training part)."""
    from llmrec.evaluation import splits
    from llmrec.evaluation.evaluate import evaluate
    from llmrec.models import build_model
    from llmrec.models.registry import get_spec

    model = build_model(GATE_MODEL, **get_spec(GATE_MODEL).default_params)
    model.fit(interaction_matrix(parts["train"], ids), item_text=item_text)
    split = splits.Split(kind="given", train=parts["train"], valid=parts["valid"], test=parts["test"])
    table = evaluate({GATE_MODEL: model}, split, ids, ks=(k,), on="valid").metrics
    return float(table[(table["metric"] == "NDCG") & (table["k"] == k)]["value"].iloc[0])




def _write_decision(run, decision: dict) -> None:
    path = run.staging / FINETUNE_DECISION
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(decision, indent=2))
    run.progress("finetune", 1.0, decision["reason"])








def evaluate_frozen_text(run, models: list[str], parts: dict[str, pd.DataFrame], ids: IdMap,
                         frozen: np.ndarray, fit, cold_parts: dict[str, pd.DataFrame] | None,
                         cold_items: np.ndarray | None) -> None:
    """The ablation: every text-aware model trained and evaluated once more on the frozen text.

    fit(name, config, train, valid, ids, item_text) is the build's own fitting routine, so both
    columns of the ablation come from the same parameters and protocol.
    """
    from llmrec.evaluation import splits
    from llmrec.evaluation.evaluate import evaluate
    from llmrec.models.registry import get_spec

    text_models = [m for m in models if get_spec(m).needs_text]
    if not text_models:
        return
    runs = [("standard", parts, None)] + ([("cold_start", cold_parts, cold_items)] if cold_parts else [])
    for split_name, split_parts, candidates in runs:
        run.progress("evaluate", 0.9, f"ablation: {', '.join(text_models)} on the frozen text ({split_name})")
        fitted = {m: fit(m, run.config, split_parts["train"], split_parts["valid"], ids, frozen)
                  for m in text_models}
        split = splits.Split(kind="given", train=split_parts["train"], valid=split_parts["valid"],
                             test=split_parts["test"])
        result = evaluate(fitted, split, ids, ks=run.config.ks, candidates=candidates,
                          tie_seed=run.config.seed)
        result.metrics.to_parquet(run.staging / ABLATION_FILES[split_name], index=False)
