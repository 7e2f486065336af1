"""The build trains and evaluates the sequential models from time-ordered histories."""

from __future__ import annotations

import numpy as np
import pandas as pd

from llmrec.data.ids import IdMap, interaction_matrix
from llmrec.models import SASRec, TextSASRec, load_model
from llmrec.models.sequence_data import ordered_histories
from llmrec.pipeline.artifacts import Workspace


def test_small_build_trains_and_evaluates_the_sequential_models(small_workspace):
    ws = Workspace(small_workspace)
    ids = IdMap.from_dataset(ws.dataset)
    split = small_workspace / "split"
    train, valid = (pd.read_parquet(split / f"{part}.parquet") for part in ("train", "valid"))
    for name, cls in (("sasrec", SASRec), ("text_sasrec", TextSASRec)):
        model = load_model(small_workspace / "models" / name, ids)       # the vocabulary is checked
        assert type(model) is cls
        # test scores read train + validation, oldest first, and both are masked as history
        expected = [np.concatenate(pair) for pair in zip(ordered_histories(train, ids),
                                                         ordered_histories(valid, ids), strict=True)]
        for user in range(0, ids.n_users, 37):
            np.testing.assert_array_equal(model.histories_[user], expected[user])
        seen = (interaction_matrix(train, ids) + interaction_matrix(valid, ids)) != 0
        assert (model.interactions_ != seen).nnz == 0
    metrics = ws.table("evaluation/metrics.parquet")
    ndcg = metrics[(metrics["metric"] == "NDCG") & (metrics["k"] == 10)].set_index("model")["value"]
    assert {"sasrec", "text_sasrec"} <= set(ndcg.index) and (ndcg[["sasrec", "text_sasrec"]] > 0).all()
    cold = ws.table("evaluation/cold_start.parquet")
    assert {"sasrec", "text_sasrec"} <= set(cold["model"])
