"""The exact `python -m llmrec build` command that rebuilds a workspace, from the config its manifest records.

A damaged workspace is fixed by building it again with the same source and settings, which the
user should not have to remember (`--source recbole --path ... --dataset ...`). The flags are the
command line's (llmrec/cli.py); tests/pipeline/test_rebuild.py parses every command written here
back through that command line and checks it yields the recorded config.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import MISSING, fields
from pathlib import Path

from llmrec.pipeline.workdir import MANIFEST

# Loader option -> the build flag that sets it (see `_source_options` in llmrec/cli.py).
_SOURCE_FLAGS = {"path": "--path", "dataset": "--dataset", "reviews_path": "--reviews",
                 "ratings_path": "--ratings", "meta_path": "--meta", "interactions_path": "--interactions",
                 "items_path": "--items", "rating_scale": "--rating-scale", "kcore": "--kcore",
                 "n_users": "--demo-users", "n_items": "--demo-items",
                 "n_interactions": "--demo-interactions", "n_reviews": "--demo-reviews"}
# The csv source's column mapping: one for every file (--columns), or one per file.
_COLUMN_FLAGS = {"interactions": "--columns", "items": "--item-columns", "reviews": "--review-columns"}
# BuildConfig field -> its build flag; written only when the recorded value is not the default.
_CONFIG_FLAGS = {"models": "--models", "split": "--split", "ks": "--k", "seed": "--seed",
                 "encoder": "--encoder", "finetune_seconds": "--finetune", "epochs": "--epochs",
                 "factors": "--factors", "train_budget": "--train-budget", "engine": "--engine",
                 "engine_address": "--address", "precision": "--precision"}
# Fields written above or not settings of the build: the workspace is the one being fixed, and the
# embedding cache only saves time.
_NOT_FLAGS = {"workspace", "cache_dir", "source", "source_options"}


def rebuild_command(root: Path | str, config: dict | None) -> tuple[str, list[str]]:
    """The build command for `root` from its recorded `config`, and the settings no flag can express.

    Without a config (an unreadable manifest) the command names only the workspace.
    """
    words = ["python", "-m", "llmrec", "build", "--workspace", str(root)]
    if config is None:
        return shlex.join(words), []
    flags, unexpressed = build_flags(config)
    return shlex.join(words + flags), unexpressed


def recorded_config(root: Path | str) -> dict | None:
    """The build config root's manifest records, or None when the manifest is missing or unreadable."""
    try:
        manifest = json.loads((Path(root) / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    config = manifest.get("config") if isinstance(manifest, dict) else None
    return config if isinstance(config, dict) else None


def build_flags(config: dict) -> tuple[list[str], list[str]]:
    """The build flags that reproduce a recorded config, and the settings no flag can express."""
    flags: list[str] = []
    unexpressed: list[str] = []
    source = config.get("source", "demo")
    if source != "demo":
        flags += ["--source", str(source)]
    for option, value in (config.get("source_options") or {}).items():
        if option == "skip_bad_lines" and value is True:
            flags.append("--skip-bad-lines")
        elif option == "columns" and source == "csv" and isinstance(value, dict):
            flags += _column_flags(value)
        elif option in _SOURCE_FLAGS and value is not None:
            flags += [_SOURCE_FLAGS[option], str(value)]
        else:
            unexpressed.append(f"{option}={value!r}")
    for name, default in _defaults().items():
        value = config.get(name, default)
        if name in _NOT_FLAGS or _same(value, default):
            continue
        if name in _CONFIG_FLAGS and value is not None:  # None (no training budget) has no flag
            many = isinstance(value, list | tuple)
            flags += [_CONFIG_FLAGS[name], *(map(str, value) if many else [str(value)])]
        elif name == "cold_start" and value is False:
            flags.append("--no-cold-start")
        else:
            unexpressed.append(f"{name}={value!r}")
    return flags, unexpressed


def _column_flags(columns: dict) -> list[str]:
    per_file = all(isinstance(mapping, dict) for mapping in columns.values())
    mappings = columns.items() if per_file else [("interactions", columns)]
    return [word for table, mapping in mappings
            for word in (_COLUMN_FLAGS[table], ",".join(f"{k}={v}" for k, v in mapping.items()))]


def _defaults() -> dict:
    """BuildConfig's field defaults: the values a build command gets when a flag is left out."""
    from llmrec.pipeline.config import BuildConfig  # the model registry: only when a hint is needed

    return {f.name: f.default if f.default is not MISSING else f.default_factory()
            for f in fields(BuildConfig)}


def _same(recorded: object, default: object) -> bool:
    """Whether a value read back from JSON is the default (JSON turns tuples into lists)."""
    if isinstance(default, tuple):
        return isinstance(recorded, list | tuple) and list(recorded) == list(default)
    return recorded == default
