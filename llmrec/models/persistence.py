"""Saving and loading fitted models: model.safetensors (arrays, training history) + config.json
(class, params, shapes, id vocabulary).

Nothing is pickled: safetensors holds raw arrays only, so loading cannot run code. The vocabulary
(user and item counts plus a sha256 of the ordered id lists) lets a workspace refuse a model that
was trained on other ids instead of silently scoring the wrong rows.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
from safetensors import SafetensorError
from safetensors.numpy import load_file, save_file

from llmrec import __version__
from llmrec.errors import ConfigError, ModelError

WEIGHTS = "model.safetensors"
CONFIG = "config.json"
FORMAT_VERSION = 2
INTERACTIONS = "interactions"  # prefix of the training-interaction CSR arrays every model saves


def id_vocabulary(ids, *, n_users: int, n_items: int) -> dict:
    """n_users, n_items and the sha256 of the ordered user and item id lists of `ids` (an IdMap; None:
    counts only)."""
    vocabulary = {"n_users": int(n_users), "n_items": int(n_items),
                  "user_ids_sha256": None, "item_ids_sha256": None}
    if ids is not None:
        vocabulary["user_ids_sha256"] = _ids_hash(ids.users)
        vocabulary["item_ids_sha256"] = _ids_hash(ids.items)
    return vocabulary


def _ids_hash(values) -> str:
    return hashlib.sha256(json.dumps([str(v) for v in values]).encode()).hexdigest()


def check_vocabulary(folder: Path, saved: dict, ids) -> None:
    """ModelError naming `folder` and what differs, unless the model was trained with the ids of `ids`."""
    for kind, n in (("user", ids.n_users), ("item", ids.n_items)):
        if saved.get(f"n_{kind}s") != n:
            raise ModelError(f"{folder}: the model was trained with {saved.get(f'n_{kind}s')} {kind}s, "
                             f"the workspace has {n}; rebuild the workspace")
    for kind, values in (("user", ids.users), ("item", ids.items)):
        digest = saved.get(f"{kind}_ids_sha256")
        if digest is None:
            raise ModelError(f"{folder}: the model was saved without its {kind} id vocabulary; "
                             "rebuild the workspace")
        if digest != _ids_hash(values):
            raise ModelError(f"{folder}: the model was trained with other {kind} ids (same count "
                             f"{len(values)}, different ids or order); rebuild the workspace")


class PersistenceMixin:
    """`save(folder)` / `cls.load(folder)` for models implementing `_state()` and `_set_state()`."""

    def _state(self) -> dict[str, np.ndarray]:
        raise NotImplementedError

    def _set_state(self, tensors: dict[str, np.ndarray]) -> None:
        raise NotImplementedError

    def save(self, folder: Path | str, ids=None) -> None:
        save_model(self, folder, ids)

    @classmethod
    def load(cls, folder: Path | str, ids=None):
        model = load_model(folder, ids)
        if not isinstance(model, cls):
            raise ModelError(f"{folder} holds a {type(model).__name__}, not a {cls.__name__}")
        return model


def save_model(model, folder: Path | str, ids=None) -> None:
    """Write `model`'s parameters, training history and the config needed to rebuild it into `folder`.

    `ids` (the IdMap the model's indices refer to) is recorded as the model's vocabulary; without
    it only the counts are, and a workspace will refuse to load the model.
    """
    from llmrec.models._common import csr_state

    state = {**model._state(), **csr_state(INTERACTIONS, model.interactions_)}
    tensors = {key: np.ascontiguousarray(value) for key, value in state.items()}
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(folder / WEIGHTS))
    config = {
        "class": type(model).__name__,
        "name": model.name,
        "params": model.get_params(),
        "shapes": {key: list(value.shape) for key, value in tensors.items()},
        "vocabulary": id_vocabulary(ids, n_users=model.n_users, n_items=model.n_items),
        "format_version": FORMAT_VERSION,
        "llmrec_version": __version__,
    }
    (folder / CONFIG).write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")


def load_model(folder: Path | str, ids=None):
    """The model saved in `folder`, rebuilt from config.json and model.safetensors (no pickle).

    Raises ModelError when files are missing, the class is unknown, the arrays do not match the
    saved shapes or contain NaN, or (with `ids`, an IdMap) the model was trained on other ids.
    """
    from llmrec.models._common import csr_from_state
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
    history_keys = [key for key in tensors if key.startswith(f"{INTERACTIONS}.")]
    if len(history_keys) != 4:
        raise ModelError(f"{weights_path}: the training history arrays are missing")
    history = csr_from_state(INTERACTIONS, {k: tensors.pop(k) for k in history_keys}, owner=str(folder))
    vocabulary = config.get("vocabulary") or {}
    if (vocabulary.get("n_users"), vocabulary.get("n_items")) != history.shape:
        raise ModelError(f"{config_path}: vocabulary {vocabulary.get('n_users')} users x "
                         f"{vocabulary.get('n_items')} items differs from the saved history {history.shape}")
    if ids is not None:
        check_vocabulary(folder, vocabulary, ids)
    model._set_state(tensors)
    model.interactions_ = history
    return model
