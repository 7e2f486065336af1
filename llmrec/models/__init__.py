"""Recommenders behind one contract (base.Recommender), their capabilities, ranking and registry."""

from llmrec.models.base import (
    EXCLUDE_POLICIES,
    EpochCallback,
    ExcludePolicy,
    Explainable,
    Explanation,
    FactorContribution,
    FactorModel,
    NewItemScorer,
    RatingPredictor,
    Recommender,
    RelatedItem,
    SequentialModel,
)
from llmrec.models.bias import BiasBaseline
from llmrec.models.explicit import RatingMF, rmse_mae
from llmrec.models.hybrid import TextAwareMF
from llmrec.models.knn import ItemKNN
from llmrec.models.mf import BPRMF
from llmrec.models.persistence import load_model, save_model
from llmrec.models.popularity import Popularity
from llmrec.models.random import RandomScores
from llmrec.models.ranking import TIE_RULE, rank_top_k, tie_order, top_indices
from llmrec.models.registry import (
    MODELS,
    SPECS,
    ModelSpec,
    build_model,
    default_model,
    get_spec,
    model_names,
    preferred,
)
from llmrec.models.sasrec import SASRec, TextSASRec

__all__ = [
    "BPRMF", "EXCLUDE_POLICIES", "MODELS", "SPECS", "TIE_RULE", "BiasBaseline", "EpochCallback",
    "ExcludePolicy", "Explainable", "Explanation", "FactorContribution", "FactorModel", "ItemKNN",
    "ModelSpec", "NewItemScorer", "Popularity", "RandomScores", "RatingMF", "RatingPredictor",
    "Recommender", "RelatedItem", "SASRec", "SequentialModel", "TextAwareMF", "TextSASRec", "build_model",
    "default_model", "get_spec", "load_model", "model_names", "preferred", "rank_top_k", "rmse_mae",
    "save_model", "tie_order", "top_indices",
]
