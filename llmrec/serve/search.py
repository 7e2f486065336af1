"""Personalised search: a text query ranked by language-model similarity blended with a user's taste."""

from __future__ import annotations

import numpy as np
import pandas as pd

from llmrec.errors import ConfigError
from llmrec.serve.catalogue import item_facts
from llmrec.serve.index import WorkspaceIndex
from llmrec.serve.recommendations import user_scores


def personalised_search(index: WorkspaceIndex, encoder, query: str, user_id: str | None, model: str | None,
                        weight: float = 0.5, k: int = 10) -> pd.DataFrame:
    """rank, item_id, title, category, brand, price, price_band, text_score, preference_score, score.

    text_score is the cosine similarity of query and product text; preference_score is the
    model's score for the user, min-max scaled to 0..1 over the catalogue; score blends them as
    (1 - weight) * text + weight * preference. weight 0 is plain semantic search.
    """
    if not 0.0 <= weight <= 1.0:
        raise ConfigError(f"weight must be between 0 and 1, got {weight}")
    if not query or not query.strip():
        raise ConfigError("type a search query")
    q = np.asarray(encoder.encode([query.strip()]), dtype=np.float32)[0]
    text = index.ws.embeddings["items"] @ q
    if user_id is not None and model is not None:
        raw = user_scores(index, user_id, model).astype(np.float64)
        finite = np.isfinite(raw)
        lo, hi = (raw[finite].min(), raw[finite].max()) if finite.any() else (0.0, 1.0)
        pref = np.where(finite, (raw - lo) / max(hi - lo, 1e-12), 0.0)
    else:
        pref = np.zeros_like(text, dtype=np.float64)
        weight = 0.0
    score = (1 - weight) * text + weight * pref
    best = index.best(score, min(k, len(score)))
    out = item_facts(index, best)
    out.insert(0, "rank", np.arange(1, len(best) + 1))
    out["text_score"] = text[best].astype("float64")
    out["preference_score"] = pref[best].astype("float64")
    out["score"] = score[best].astype("float64")
    return out
