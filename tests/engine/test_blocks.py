"""Block-wise work gives the same answers however it is cut: ranking ties, evaluation merges."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from llmrec.data.ids import IdMap, interaction_matrix
from llmrec.engine import LocalEngine, make_engine
from llmrec.engine.base import batches
from llmrec.errors import ConfigError
from llmrec.evaluation import evaluate, leave_last_out
from llmrec.models import build_model, rank_top_k, tie_order


def reference_top_k(scores, k, mask, order):
    """Brute force: sort every row by (-score, position in the tie order), drop masked / -inf."""
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order))
    out = []
    for row in range(scores.shape[0]):
        blocked = set(mask[row].indices) if mask is not None else set()
        keep = [i for i in range(scores.shape[1]) if i not in blocked and scores[row, i] != -np.inf]
        keep.sort(key=lambda i: (-scores[row, i], position[i]))
        out.append((keep + [-1] * k)[:k])
    return np.array(out)


def test_rank_top_k_matches_brute_force_with_many_ties_and_masks():
    rng = np.random.default_rng(3)
    scores = rng.integers(0, 4, size=(40, 30)).astype(np.float32)   # 4 values over 30 items: ties everywhere
    scores[5] = 1.0                                                   # a constant row
    scores[6, :28] = -np.inf                                          # a row that runs out of items
    mask = sp.csr_matrix(rng.random((40, 30)) < 0.3)
    order = tie_order(30, 11)
    for k in (1, 5, 12, 29, 30):   # up to the whole catalogue (then no item is left out to tie with)
        items, values = rank_top_k(scores, k, mask, order=order)
        expected = reference_top_k(scores, k, mask, order)
        np.testing.assert_array_equal(items, expected)
        rows, cols = np.nonzero(expected >= 0)
        np.testing.assert_array_equal(values[rows, cols], scores[rows, expected[rows, cols]])


def test_local_engine_maps_consecutive_batches_in_order():
    assert list(LocalEngine().map_batches(sum, list(range(7)), 3)) == [0 + 1 + 2, 3 + 4 + 5, 6]
    assert list(LocalEngine().map_batches(sum, [], 3)) == []


def test_bad_batch_size_and_unknown_engine_say_what_is_valid():
    with pytest.raises(ConfigError, match="positive integer"):
        batches([1, 2], 0)
    with pytest.raises(ConfigError, match="valid choices: local, ray"):
        make_engine("spark")
    with pytest.raises(ConfigError, match="only applies to --engine ray"):
        make_engine("local", address="ray://host:10001")


def small_world(n_users=60, n_items=45, per_user=8, seed=0):
    rng = np.random.default_rng(seed)
    rows = [(f"u{u}", f"i{i}", t) for u in range(n_users)
            for t, i in enumerate(rng.choice(n_items, per_user, replace=False))]
    frame = pd.DataFrame(rows, columns=["user_id", "item_id", "timestamp"]).assign(rating=np.nan)
    frame = frame.astype({"user_id": "string", "item_id": "string"})
    ids = IdMap(users=pd.Index([f"u{u}" for u in range(n_users)]),
                items=pd.Index([f"i{i}" for i in range(n_items)]))
    split = leave_last_out(frame)
    train = interaction_matrix(split.train, ids)
    models = {"popularity": build_model("popularity").fit(train),
              "bpr": build_model("bpr", factors=8, epochs=3, random_state=1).fit(train)}
    text = rng.standard_normal((n_items, 16)).astype(np.float32)
    return models, split, ids, text


def test_evaluation_is_the_same_for_any_user_block_size():
    models, split, ids, text = small_world()
    whole = evaluate(models, split, ids, item_text=text, per_user=True, batch_size=1000)
    one_by_one = evaluate(models, split, ids, item_text=text, per_user=True, batch_size=7)
    pd.testing.assert_frame_equal(whole.metrics, one_by_one.metrics)
    pd.testing.assert_frame_equal(whole.per_user, one_by_one.per_user)


def test_build_config_names_the_valid_engines():
    from llmrec.pipeline.config import BuildConfig

    assert BuildConfig(engine="ray", engine_address="ray://host:10001").to_dict()["engine"] == "ray"
    with pytest.raises(ConfigError, match="unknown engine 'spark'; valid choices: local, ray"):
        BuildConfig(engine="spark")


class _OnlyCandidates:
    """A model wrapper scoring every non-candidate item -inf: what ranking the candidates alone replaces."""

    def __init__(self, model, candidates):
        self.model, self.blocked = model, np.ones(model.n_items, dtype=bool)
        self.blocked[candidates] = False

    def wrap(self):
        outer = self

        class Masked(type(self.model)):
            def _score(self, users):
                return np.where(outer.blocked, np.float32(-np.inf), outer.model.score(users))

        masked = Masked.__new__(Masked)
        masked.__dict__.update(self.model.__dict__)
        return masked


def test_ranking_candidates_alone_equals_masking_every_other_item():
    models, split, ids, text = small_world(n_items=45)
    # Popularity ties on many items (and on every unseen one), so the candidates' tie order matters.
    candidates = np.array([40, 3, 17, 8, 22, 31, 5, 44, 12, 29])
    alone = evaluate(models, split, ids, item_text=text, per_user=True, candidates=candidates, tie_seed=5)
    masked = {name: _OnlyCandidates(model, candidates).wrap() for name, model in models.items()}
    reference = evaluate(masked, split, ids, item_text=text, per_user=True, tie_seed=5)
    pd.testing.assert_frame_equal(alone.metrics, reference.metrics)
    pd.testing.assert_frame_equal(alone.per_user, reference.per_user)
    assert alone.metrics["value"].notna().all()
