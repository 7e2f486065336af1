"""Saving and loading fitted models: model.safetensors (arrays) + config.json (class, params, shapes).

Nothing is pickled: safetensors holds raw arrays only, so loading cannot run code.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from safetensors import SafetensorError
from safetensors.numpy import load_file, save_file

from llmrec import __version__
from llmrec.errors import ConfigError, ModelError

WEIGHTS = "model.safetensors"
CONFIG = "config.json"
FORMAT_VERSION = 1


class PersistenceMixin:
    """`save(folder)` / `cls.load(folder)` for models implementing `_state()` and `_set_state()`."""

    def _state(self) -> dict[str, np.ndarray]:
        raise NotImplementedError

    def _set_state(self, tensors: dict[str, np.ndarray]) -> None:
        raise NotImplementedError

    def save(self, folder: Path | str) -> None:
        save_model(self, folder)

    @classmethod
    def load(cls, folder: Path | str):
        model = load_model(folder)
        if not isinstance(model, cls):
            raise ModelError(f"{folder} holds a {type(model).__name__}, not a {cls.__name__}")
        return model


def save_model(model, folder: Path | str) -> None:
    """Write `model`'s parameters and the config needed to rebuild it into `folder`."""
    tensors = {key: np.ascontiguousarray(value) for key, value in model._state().items()}
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(folder / WEIGHTS))
    config = {
        "class": type(model).__name__,
        "name": model.name,
        "params": model.get_params(),
        "shapes": {key: list(value.shape) for key, value in tensors.items()},
        "format_version": FORMAT_VERSION,
        "llmrec_version": __version__,
    }
    (folder / CONFIG).write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")


def load_model(folder: Path | str):
    """The model saved in `folder`, rebuilt from config.json and model.safetensors (no pickle).

    Raises ModelError when files are missing, the class is unknown, or the arrays do not match the
    saved shapes or contain NaN.
    """
    from llmrec.models.registry import MODELS  # the registry imports every model, which import this module

    folder = Path(folder)
    config_path, weights_path = folder / CONFIG, folder / WEIGHTS
    for path in (config_path, weights_path):
        if not path.is_file():
            raise ModelError(f"{folder} holds no saved model: {path.name} is missing")
    try:
        config = json.loads(config_path.read_text())
    except json.JSONDecodeError as error:
        raise ModelError(f"{config_path} is not valid JSON: {error}") from None
    if config.get("format_version") != FORMAT_VERSION:
        raise ModelError(f"{config_path} has format_version {config.get('format_version')!r}; "
                         f"this llmrec reads version {FORMAT_VERSION}")
    classes = {cls.__name__: cls for cls in MODELS.values()}
    cls = classes.get(config.get("class"))
    if cls is None:
        raise ModelError(f"{config_path} names class {config.get('class')!r}; "
                         f"known: {', '.join(sorted(classes))}")
    try:
        model = cls(**config.get("params", {}))
        model._validate_params()
    except (TypeError, ConfigError) as error:
        raise ModelError(f"{config_path}: the saved parameters are invalid: {error}") from None
    try:
        tensors = load_file(str(weights_path))
    except (SafetensorError, OSError) as error:
        raise ModelError(f"{weights_path} could not be read: {error}") from None
    shapes = {key: list(value.shape) for key, value in tensors.items()}
    if shapes != config.get("shapes"):
        raise ModelError(f"{weights_path}: tensor shapes {shapes} differ from config.json "
                         f"{config.get('shapes')}")
    for key, value in tensors.items():
        if np.issubdtype(value.dtype, np.floating) and not np.isfinite(value).all():
            raise ModelError(f"{weights_path}: tensor '{key}' contains NaN or infinite values")
    model._set_state(tensors)
    return model
