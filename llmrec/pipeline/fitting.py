"""Fitting one model the way the build does: its parameters from the spec, the data and the config."""

from __future__ import annotations

import numpy as np
import pandas as pd

from llmrec.data.ids import IdMap, interaction_matrix
from llmrec.models.base import SequentialModel
from llmrec.models.knn import TextNeighbours, UsesTextNeighbours
from llmrec.models.registry import get_spec


def model_params(name: str, config, train: pd.DataFrame | None = None, n_items: int = 0) -> dict:
    """The spec's default parameters, those it derives from `train` and `n_items` (when given), the
    config fields it takes, the seed and the training time budget when it has them."""
    spec = get_spec(name)
    derived = (spec.data_params(train.groupby("user_id", sort=False).size().to_numpy(), n_items)
               if train is not None and spec.data_params is not None else {})
    params = {**spec.default_params, **derived, **{key: getattr(config, key) for key in spec.config_params}}
    if "random_state" in spec.cls.param_names():
        params["random_state"] = config.seed
    if "time_budget" in spec.cls.param_names():
        params["time_budget"] = config.train_budget
    return params


def fit_model(name: str, config, train: pd.DataFrame, valid: pd.DataFrame, ids: IdMap,
              item_text: np.ndarray, callback=None, neighbours: TextNeighbours | None = None, **overrides):
    """Model `name` fitted on `train` (validation on `valid`) with the build's parameters and `overrides`."""
    from llmrec.models import build_model

    values = "rating" if get_spec(name).needs_ratings else None
    train_csr = interaction_matrix(train, ids, values=values)
    valid_csr = interaction_matrix(valid, ids, values=values) if len(valid) else None
    model = build_model(name, **{**model_params(name, config, train, ids.n_items), **overrides})
    shared = {"neighbours": neighbours} if get_spec(name).has(UsesTextNeighbours) else {}
    return model.fit(train_csr, item_text=item_text, validation=valid_csr, callback=callback,
                     **sequence_inputs(name, train, valid, ids), **shared)


def sequence_inputs(name: str, train: pd.DataFrame, valid: pd.DataFrame, ids: IdMap) -> dict:
    """fit's ordered histories for a sequential model (train and validation, oldest first); {} for
    the others. The model keeps train + validation as its histories, which test scores then read."""
    if not get_spec(name).has(SequentialModel):
        return {}
    from llmrec.models.sequence_data import ordered_histories

    return {"sequences": ordered_histories(train, ids),
            "validation_sequences": ordered_histories(valid, ids) if len(valid) else None}
