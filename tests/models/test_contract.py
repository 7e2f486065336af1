"""The model contract: capabilities are declared and looked up, never probed; lists come from the registry."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from llmrec.errors import ConfigError, ModelError
from llmrec.models import (
    SPECS,
    BiasBaseline,
    Explainable,
    Explanation,
    FactorModel,
    NewItemScorer,
    RatingMF,
    RatingPredictor,
    SequentialModel,
    default_model,
    model_names,
    preferred,
    rmse_mae,
)
from llmrec.models.registry import SEQUENTIAL_BUILD

LLMREC = Path(__file__).resolve().parents[2] / "llmrec"
CAPABILITY_NAMES = {"explain", "predict", "score_new_items", "score_sequences", "item_vectors",
                    "user_vectors", "item_factors_", "user_factors_", "item_vectors_"}


def _probes(path: Path, root: Path = LLMREC.parent) -> list[str]:
    """getattr / hasattr calls on a capability name in one file, as 'file:line name'."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in ("getattr", "hasattr") and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant) and node.args[1].value in CAPABILITY_NAMES):
            found.append(f"{path.relative_to(root)}:{node.lineno} {node.args[1].value}")
    return found


def test_no_code_probes_for_capabilities():
    offenders = [probe for path in sorted(LLMREC.rglob("*.py")) for probe in _probes(path)]
    assert offenders == []


def test_the_probe_finder_finds_probes(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('x = getattr(model, "explain", None)\ny = hasattr(model, "item_factors_")\n'
                      'z = getattr(model, "name", "")\n')
    assert _probes(sample, tmp_path) == ["sample.py:1 explain", "sample.py:2 item_factors_"]


def test_capabilities_are_declared_by_the_classes():
    capabilities = {spec.name: spec.capabilities for spec in SPECS}
    assert capabilities == {
        "popularity": {"Explainable"},
        "itemknn": {"Explainable"},
        "bpr": {"Explainable", "FactorModel"},
        "text_mf": {"Explainable", "FactorModel", "NewItemScorer"},
        "rating_mf": {"Explainable", "FactorModel", "RatingPredictor"},
        "bias": {"Explainable", "RatingPredictor"},
        "sasrec": {"Explainable", "FactorModel", "SequentialModel"},
        "text_sasrec": {"Explainable", "FactorModel", "NewItemScorer", "SequentialModel"},
        "random": set(),
    }
    assert model_names(SequentialModel) == ("sasrec", "text_sasrec")


def test_every_model_list_is_derived_from_the_registry():
    from llmrec.cli import parser
    from llmrec.pipeline.config import ALL_MODELS
    from llmrec.pipeline.stages import MF_SPACE_MODELS

    # random is a baseline: evaluated beside cold-start results, never built on its own
    assert ALL_MODELS == ("popularity", "itemknn", "bpr", "text_mf", "rating_mf", "bias", "sasrec",
                          "text_sasrec")
    assert MF_SPACE_MODELS == model_names(FactorModel) == ("bpr", "text_mf", "rating_mf", "sasrec",
                                                           "text_sasrec")
    build = parser()._subparsers._group_actions[0].choices["build"]
    models_option = next(a for a in build._actions if a.dest == "models")
    assert tuple(models_option.choices) == ALL_MODELS
    # dashboard / CLI defaults: by spec priority among the models a workspace has
    assert default_model(ALL_MODELS) == "text_mf"
    assert default_model(["popularity", "bpr", "rating_mf"]) == "bpr"
    assert default_model(["popularity", "itemknn"], FactorModel) is None
    assert preferred(["rating_mf", "text_mf", "nope", "bias"], RatingPredictor) == ["rating_mf", "bias"]
    assert default_model(ALL_MODELS, NewItemScorer) == "text_mf"


def test_build_params_come_from_the_spec():
    from llmrec.pipeline.config import BuildConfig
    from llmrec.pipeline.fitting import model_params

    config = BuildConfig(factors=16, epochs=7, seed=3)
    assert model_params("bpr", config) == {"factors": 16, "epochs": 7, "random_state": 3}
    assert model_params("rating_mf", config) == {"factors": 32, "random_state": 3}
    assert model_params("bias", config) == {}
    # the sequential models keep their own epoch cap (the config's epochs are the MF models') and train
    # under the build's time budget; their window and width come from the data (test_sequence_training)
    assert model_params("sasrec", config) == {**SEQUENTIAL_BUILD, "random_state": 3,
                                             "time_budget": config.train_budget}
    with pytest.raises(ConfigError, match="unknown model 'nope'"):
        model_params("nope", config)


def test_explanation_keeps_parts_honest():
    explanation = Explanation("m", 1405, 7, 1.5, {"item_bias": 1.0, "factors": 0.5})
    assert explanation.parts == {"item_bias": 1.0, "factors": 0.5}
    with pytest.raises(ModelError, match="sum to 1.5, not the score 1405"):
        Explanation("m", 1, 1405, 1405.0, {"item_bias": 1.0, "factors": 0.5})
    with pytest.raises(ModelError, match="finite score parts"):
        Explanation("m", 1, 2, 0.0, {})


def test_isinstance_checks_follow_the_methods():
    model = BiasBaseline()
    assert isinstance(model, RatingPredictor) and isinstance(model, Explainable)
    assert not isinstance(model, FactorModel) and not isinstance(model, NewItemScorer)


def _planted_ratings(seed: int = 0):
    """400 users x 300 items: biases plus a rank-2 interaction that only factors can learn."""
    rng = np.random.default_rng(seed)
    n_users, n_items = 400, 300
    p, q = rng.normal(size=(n_users, 2)), rng.normal(size=(n_items, 2))
    truth = 3.5 + rng.normal(0, 0.3, (n_users, 1)) + rng.normal(0, 0.3, (1, n_items)) + 0.6 * p @ q.T
    observed = rng.random((n_users, n_items)) < 0.12
    noisy = np.clip(truth + rng.normal(0, 0.3, truth.shape), 1, 5)
    rows, cols = np.nonzero(observed)
    held = rng.random(len(rows)) < 0.2
    parts = []
    for keep in (~held, held):
        parts.append(sp.csr_matrix((noisy[rows[keep], cols[keep]], (rows[keep], cols[keep])),
                                   shape=(n_users, n_items), dtype=np.float32))
    return parts


def test_bias_baseline_and_rating_mf_on_planted_ratings():
    train, test = _planted_ratings()
    bias_rmse, _ = rmse_mae(BiasBaseline().fit(train), test)
    mf_rmse, _ = rmse_mae(RatingMF(factors=4, epochs=40, lr=0.02, reg=0.05, batch_size=512).fit(
        train, validation=test), test)
    # the rank-2 part has variance 0.36 * 2 = 0.72: biases alone cannot explain it, factors can
    assert bias_rmse > 0.8
    assert mf_rmse < 0.75 * bias_rmse


def test_bias_baseline_known_answer():
    # 2 users x 2 items, three ratings: with reg 0, mu + b_u + b_i (four free biases) fits them exactly
    train = sp.csr_matrix(np.array([[4.5, 3.5], [2.5, 0.0]], dtype=np.float32))
    model = BiasBaseline(reg=0.0, sweeps=200).fit(train)
    np.testing.assert_allclose(model.predict(np.array([0, 0, 1]), np.array([0, 1, 0])), [4.5, 3.5, 2.5],
                               atol=1e-4)
    explanation = model.explain(1, 1)
    assert set(explanation.parts) == {"global_mean", "user_bias", "item_bias"}
    assert explanation.score == pytest.approx(sum(explanation.parts.values()))
