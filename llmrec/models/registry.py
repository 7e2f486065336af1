"""The registry of recommenders by short name, and `build_model` to construct one from a config."""

from __future__ import annotations

from llmrec.errors import ConfigError
from llmrec.models.explicit import RatingMF
from llmrec.models.hybrid import TextAwareMF
from llmrec.models.knn import ItemKNN
from llmrec.models.mf import BPRMF
from llmrec.models.popularity import Popularity
from llmrec.models.sasrec import SASRec, TextSASRec

MODELS: dict[str, type] = {
    "popularity": Popularity,
    "itemknn": ItemKNN,
    "bpr": BPRMF,
    "rating_mf": RatingMF,
    "text_mf": TextAwareMF,
    "sasrec": SASRec,
    "text_sasrec": TextSASRec,
}


def build_model(name: str, **params):
    """A new, unfitted model `name` with `params`; ConfigError names the valid choices on a mistake."""
    cls = MODELS.get(name)
    if cls is None:
        raise ConfigError(f"unknown model '{name}'; valid names: {', '.join(sorted(MODELS))}")
    valid = cls.param_names()
    for key in params:
        if key not in valid:
            raise ConfigError(f"model '{name}' has no parameter '{key}'; valid parameters: "
                              f"{', '.join(valid) if valid else '(none)'}")
    model = cls(**params)
    model._validate_params()
    return model
