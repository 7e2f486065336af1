"""Cached resources: the workspace, its read-model index, the text encoder and the LLM service.

Resources go through st.cache_resource and are never mutated by callers; the answers built from them
are cached in llmrec.ui.reads. Each cached function receives everything it depends on as arguments:
the workspace root plus its manifest stamp, so a rebuilt workspace is reloaded.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import streamlit as st

from llmrec.errors import LlmrecError, WorkspaceError
from llmrec.pipeline.artifacts import MANIFEST, Workspace
from llmrec.serve import WorkspaceIndex

WORKSPACE_ENV = "LLMREC_WORKSPACE"


@st.cache_resource(show_spinner=False)
def start_warm_up() -> threading.Thread:
    """Import the model code (and with it torch) in the background, once per server process.

    The first page needs no torch, but portraits and recommendations do; importing it takes
    seconds on a 2-core machine, which the user would otherwise wait for on their first click.
    """
    thread = threading.Thread(target=_import_model_code, name="llmrec-warm-up", daemon=True)
    thread.start()
    return thread


def _import_model_code() -> None:
    import llmrec.models  # noqa: F401  (imports torch)


def default_workspace() -> Path:
    """$LLMREC_WORKSPACE, else ./workspace."""
    return Path(os.environ.get(WORKSPACE_ENV) or "workspace")


def stamp(root: str) -> float:
    """Modification time of the manifest: changes whenever the workspace is rebuilt."""
    try:
        return (Path(root) / MANIFEST).stat().st_mtime
    except OSError:
        return 0.0


def candidate_workspaces() -> list[str]:
    """Built workspaces the picker offers: the default, ./workspace and ./workspaces/*."""
    found: list[str] = []
    for path in [default_workspace(), Path("workspace"), *sorted(Path("workspaces").glob("*"))]:
        key = str(path)
        if (path / MANIFEST).is_file() and key not in found:
            found.append(key)
    return found


@st.cache_resource(show_spinner=False, max_entries=4)
def workspace(root: str, stamp: float) -> Workspace:
    """The Workspace at `root` (stamp invalidates the cache after a rebuild)."""
    return Workspace(root)  # checks the manifest and every recorded file's size now


def ws_of(root: str) -> Workspace:
    return workspace(root, stamp(root))


@st.cache_resource(show_spinner=False, max_entries=4)
def index(root: str, stamp: float) -> WorkspaceIndex:
    """The read model's index of the workspace: its lookups, loaded models and reason services are
    built once and shared by every session (never mutated by callers)."""
    return WorkspaceIndex(workspace(root, stamp))


@st.cache_resource(show_spinner="Loading the text encoder…")
def encoder(model_name: str | None, max_length: int, version: float = 0.0):
    """The text encoder (loaded from local files only; shared by every session). `version` tells
    apart weights a rebuild replaced at the same path (a workspace's fine-tuned encoder)."""
    from llmrec.text.head import open_encoder

    return open_encoder(model_name, max_length=max_length)


def encoder_for(root: str):
    """The encoder the workspace was built with, so queries land in the same space as its items."""
    ws = ws_of(root)
    config = ws.manifest.get("config", {}) or {}
    source = ws.encoder_source  # the fine-tuned copy in the workspace, when the build made one
    inside = isinstance(source, Path) and source.is_relative_to(ws.root)
    return encoder(None if source is None else str(source), int(config.get("max_length", 256)),
                   stamp(root) if inside else 0.0)


@st.cache_resource(show_spinner="Loading the local LLM (the first time converts it: up to a minute)…",
                   max_entries=2)
def llm_service(root: str, stamp: float, model: str | None):
    """A ReasonService explaining `model`'s list whose generator is the local LLM (shared; generation
    is serialised by it)."""
    from llmrec.reasons.llm import LLMGenerator

    return index(root, stamp).reason_service(model, generator=LLMGenerator().load())


def texts_stamp(root: str) -> int:
    """Modification time of the generated-text cache: changes when a text is written (by the LLM
    button or `python -m llmrec explain`), so memoised texts are looked up again."""
    try:
        return (Path(root) / "reasons" / "cache.parquet").stat().st_mtime_ns
    except OSError:
        return 0


def try_workspace(root: str) -> tuple[Workspace | None, str | None]:
    """The workspace, or None and a plain reason why it cannot be opened."""
    if not (Path(root) / MANIFEST).is_file():
        return None, None
    try:
        return ws_of(root), None
    except (LlmrecError, OSError) as error:
        return None, str(error)


def clear() -> None:
    """Forget every cached workspace, model and frame (after a build replaced one)."""
    st.cache_data.clear()
    st.cache_resource.clear()


__all__ = ["WorkspaceError", "encoder", "index", "workspace"]
