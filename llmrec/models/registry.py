"""The registry of model specs: every list of model names (build choices, map models, cold-start
models, dashboard defaults) is derived from `SPECS`, and `build_model` constructs one by name."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from llmrec.errors import ConfigError
from llmrec.models.base import Recommender, capabilities_of
from llmrec.models.bias import BiasBaseline
from llmrec.models.explicit import RatingMF
from llmrec.models.hybrid import TextAwareMF
from llmrec.models.knn import ItemKNN
from llmrec.models.mf import BPRMF
from llmrec.models.popularity import Popularity
from llmrec.models.random import RandomScores
from llmrec.models.sasrec import SASRec, TextSASRec
from llmrec.models.sequence_training import build_params as sequential_build_params


@dataclass(frozen=True)
class ModelSpec:
    """What the registry knows about a model besides its class."""

    name: str
    """Registry key: the folder name under <workspace>/models and the CLI choice."""
    cls: type[Recommender]
    label: str
    """Short human name for the dashboard."""
    description: str
    """One sentence for the dashboard: what the model does."""
    needs_text: bool = False
    """fit needs item_text."""
    needs_ratings: bool = False
    """fit learns from ratings (the values of train): skipped when the data has (almost) none."""
    default_params: Mapping[str, object] = field(default_factory=dict)
    """Parameters the build passes unless the build config sets them (see `config_params`)."""
    config_params: tuple[str, ...] = ()
    """BuildConfig fields passed to the model under the same name (e.g. factors, epochs)."""
    data_params: Callable[[np.ndarray, int], dict] | None = None
    """Parameters the build derives from the data: a pure function of the training histories' lengths
    (interactions per user) and the number of items, applied over `default_params`."""
    priority: int = 100
    """Which model to show first when none is chosen: lower first."""
    baseline: bool = False
    """A reference point only (random): not a build choice, added where a floor is wanted."""

    @property
    def capabilities(self) -> frozenset[str]:
        """Names of the capability Protocols of the class (see llmrec.models.base)."""
        return capabilities_of(self.cls)

    def has(self, capability: type) -> bool:
        return issubclass(self.cls, capability)


SEQUENTIAL_BUILD: Mapping[str, object] = {"lr": 2e-3}
"""What a build trains the sequential models with besides the data-derived `sequential_build_params`
(window, width, early stopping) and the build's time budget: a higher learning rate than the class
default (1e-3), which reaches the same validation NDCG@10 in fewer epochs (see BENCHMARKS.md)."""

SPECS: tuple[ModelSpec, ...] = (
    ModelSpec("popularity", Popularity, "Popularity",
              "Recommends what most shoppers bought; the same list for everyone.", priority=50),
    ModelSpec("itemknn", ItemKNN, "Content kNN",
              "Items whose descriptions resemble the shopper's history.", needs_text=True, priority=30),
    ModelSpec("bpr", BPRMF, "BPR-MF", "Matrix factorisation learnt from who bought what.",
              config_params=("factors", "epochs"), priority=10),
    ModelSpec("text_mf", TextAwareMF, "Text-aware MF",
              "Matrix factorisation whose item vectors are built partly from item text; scores new items.",
              needs_text=True, config_params=("factors", "epochs"), priority=0),
    ModelSpec("rating_mf", RatingMF, "Rating MF",
              "Biased matrix factorisation that predicts star ratings.", needs_ratings=True,
              default_params={"factors": 32}, priority=20),
    ModelSpec("bias", BiasBaseline, "Bias baseline",
              "Global mean plus user and item biases: the rating baseline Rating MF must beat.",
              needs_ratings=True, priority=40),
    ModelSpec("sasrec", SASRec, "SASRec",
              "Self-attention over the order of each shopper's purchases predicts the next one.",
              default_params=SEQUENTIAL_BUILD, data_params=sequential_build_params, priority=60),
    ModelSpec("text_sasrec", TextSASRec, "Text SASRec",
              "SASRec whose item vectors are built partly from item text; scores new items.",
              needs_text=True, default_params=SEQUENTIAL_BUILD, data_params=sequential_build_params,
              priority=55),
    ModelSpec("random", RandomScores, "Random", "Uniform random scores: the chance floor.", baseline=True,
              priority=1000),
)

SPEC_BY_NAME: dict[str, ModelSpec] = {s.name: s for s in SPECS}
MODELS: dict[str, type[Recommender]] = {s.name: s.cls for s in SPECS}


def get_spec(name: str) -> ModelSpec:
    """The spec of model `name`; ConfigError lists the valid names."""
    spec = SPEC_BY_NAME.get(name)
    if spec is None:
        raise ConfigError(f"unknown model '{name}'; valid names: {', '.join(sorted(SPEC_BY_NAME))}")
    return spec


def model_names(capability: type | None = None, *, baselines: bool = False) -> tuple[str, ...]:
    """Registered names in registry order, optionally only those with `capability` (a Protocol)."""
    return tuple(s.name for s in SPECS if (baselines or not s.baseline)
                 and (capability is None or s.has(capability)))


def baseline_names() -> tuple[str, ...]:
    """The reference baselines (random): evaluated where a floor is wanted, never built by default."""
    return tuple(s.name for s in SPECS if s.baseline)


def preferred(names: Iterable[str], capability: type | None = None) -> list[str]:
    """`names` (e.g. a workspace's models) ordered by spec priority, optionally only `capability` ones.
    Unregistered names are left out."""
    chosen = [SPEC_BY_NAME[n] for n in dict.fromkeys(names) if n in SPEC_BY_NAME]
    return [s.name for s in sorted(chosen, key=lambda s: s.priority)
            if capability is None or s.has(capability)]


def default_model(names: Iterable[str], capability: type | None = None) -> str | None:
    """The model to show when none is chosen: the first of `preferred(names, capability)`, or None."""
    found = preferred(names, capability)
    return found[0] if found else None


def build_model(name: str, **params) -> Recommender:
    """A new, unfitted model `name` with `params`; ConfigError names the valid choices on a mistake."""
    cls = get_spec(name).cls
    valid = cls.param_names()
    for key in params:
        if key not in valid:
            raise ConfigError(f"model '{name}' has no parameter '{key}'; valid parameters: "
                              f"{', '.join(valid) if valid else '(none)'}")
    model = cls(**params)
    model._validate_params()
    return model
