"""The build configuration: what to load, which models to train, how to evaluate and project."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from llmrec.engine import ENGINES
from llmrec.errors import ConfigError
from llmrec.hardware import ENCODER_PRECISIONS
from llmrec.models.registry import model_names

ALL_MODELS = model_names()  # every registered model except reference baselines (random)
SPLITS = ("given", "leave_last_out", "temporal", "random")


def default_cache_dir() -> Path:
    """Where embeddings and converted LLM weights are cached across workspaces."""
    return Path(os.environ.get("LLMREC_CACHE", Path.home() / ".cache" / "llmrec"))


@dataclass
class BuildConfig:
    """Everything `python -m llmrec build` needs; saved into the workspace manifest."""

    workspace: Path = Path("workspace")
    """Folder the workspace is written to (atomically replaced on success)."""
    source: str = "demo"
    """Loader name: demo, amazon2023, amazon2018, movielens, recbole or csv."""
    source_options: dict = field(default_factory=dict)
    """Keyword options of the loader (paths, column mapping, skip_bad_lines, kcore, demo sizes)."""
    models: tuple[str, ...] = ALL_MODELS
    """Models to train; rating models (rating_mf, bias) are skipped when the data has no ratings."""
    split: str | None = None
    """Offline split for training and evaluation. None: the data's own split (`given`) when it ships
    one (UniSRec/RecBole benchmark files), so results compare with papers; else leave_last_out."""
    ks: tuple[int, ...] = (5, 10, 20)
    """Cut-offs at which ranking metrics are reported."""
    seed: int = 42
    """The one seed: every stage derives its own generator from it."""
    encoder: str | None = None
    """Text encoder: None for the packaged all-MiniLM-L6-v2, or a local folder / hub id."""
    max_length: int = 256
    """Token limit of the text encoder."""
    precision: str = "auto"
    """Precision of the text encoder: auto, bf16, int8 or fp32. "auto" is bf16 on a CPU with native bf16,
    int8 on other CPUs when the corpus has >= llmrec.hardware.INT8_MIN_TEXTS texts, else fp32; the
    manifest's "embedding" entry says which ran and why."""
    finetune_seconds: float | None = None
    """Fine-tune the encoder on the training split for up to this many seconds before embedding
    (pre-train, then fine-tune); None leaves the encoder as it is."""
    factors: int = 64
    """Latent dimension of the MF models."""
    epochs: int = 40
    """Maximum training epochs (early stopping on validation NDCG@10 usually ends sooner)."""
    train_budget: float | None = 180.0
    """CPU seconds each fit of a model with a time budget (the sequential ones) may train for, validation
    included; early stopping usually ends it sooner. None: no limit."""
    cold_start: bool = True
    """Also evaluate on a split that holds out whole items (new-product scenario)."""
    cache_dir: Path = field(default_factory=default_cache_dir)
    """Shared cache of text embeddings across builds."""
    engine: str = "local"
    """Where embedding and evaluation run: "local" (this process) or "ray" (same workspace)."""
    engine_address: str | None = None
    """Ray cluster to join (e.g. ray://host:10001); None starts a local Ray instance."""

    def __post_init__(self) -> None:
        self.workspace = Path(self.workspace)
        self.cache_dir = Path(self.cache_dir)
        self.models = tuple(self.models)
        self.ks = tuple(sorted({int(k) for k in self.ks}))
        unknown = [m for m in self.models if m not in ALL_MODELS]
        if unknown:
            raise ConfigError(f"unknown model(s) {unknown}; valid choices: {', '.join(ALL_MODELS)}")
        if not self.models:
            raise ConfigError("choose at least one model")
        if self.split is not None and self.split not in SPLITS:
            raise ConfigError(f"unknown split '{self.split}'; valid choices: {', '.join(SPLITS)}")
        if not self.ks or min(self.ks) <= 0:
            raise ConfigError(f"K values must be positive integers, got {self.ks}")
        if self.finetune_seconds is not None and not self.finetune_seconds > 0:
            raise ConfigError(f"the fine-tuning budget must be a positive number of seconds, "
                              f"got {self.finetune_seconds}")
        if self.train_budget is not None and not self.train_budget > 0:
            raise ConfigError(f"the training budget must be a positive number of seconds, "
                              f"got {self.train_budget}")
        if self.precision not in ENCODER_PRECISIONS:
            raise ConfigError(f"unknown encoder precision '{self.precision}'; valid choices: "
                              f"{', '.join(ENCODER_PRECISIONS)}")
        if self.engine not in ENGINES:
            raise ConfigError(f"unknown engine '{self.engine}'; valid choices: {', '.join(ENGINES)}")
        if self.factors <= 0 or self.epochs <= 0:
            raise ConfigError("factors and epochs must be positive")

    def to_dict(self) -> dict:
        data = asdict(self)
        data["workspace"] = str(self.workspace)
        data["cache_dir"] = str(self.cache_dir)
        return data
