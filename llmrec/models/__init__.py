"""Recommenders: popularity, content kNN, BPR / rating / text-aware matrix factorisation."""

from llmrec.models.base import EpochCallback, Recommender, top_k
from llmrec.models.explicit import RatingMF, rmse_mae
from llmrec.models.hybrid import TextAwareMF
from llmrec.models.knn import ItemKNN
from llmrec.models.mf import BPRMF
from llmrec.models.persistence import load_model, save_model
from llmrec.models.popularity import Popularity
from llmrec.models.registry import MODELS, build_model

__all__ = [
    "BPRMF", "MODELS", "EpochCallback", "ItemKNN", "Popularity", "RatingMF", "Recommender",
    "TextAwareMF", "build_model", "load_model", "rmse_mae", "save_model", "top_k",
]
