"""Shared fixtures: one small demo workspace per test session (built with the real pipeline)."""

from __future__ import annotations

from pathlib import Path

import pytest

SMALL_DEMO = {"n_users": 300, "n_items": 200, "n_interactions": 3600, "n_reviews": 1200}


def small_config(workspace: Path, cache_dir: Path, **overrides):
    from llmrec.pipeline.config import BuildConfig

    settings = {"workspace": workspace, "source": "demo", "source_options": dict(SMALL_DEMO),
                "epochs": 5, "factors": 16, "cache_dir": cache_dir, **overrides}
    return BuildConfig(**settings)


@pytest.fixture(scope="session")
def embedding_cache(tmp_path_factory) -> Path:
    """One embedding cache for the session: each distinct text is embedded once across tests."""
    return tmp_path_factory.mktemp("embedding-cache")


@pytest.fixture(scope="session")
def small_workspace(tmp_path_factory, embedding_cache) -> Path:
    from llmrec.pipeline.run import build_workspace

    root = tmp_path_factory.mktemp("small") / "workspace"
    build_workspace(small_config(root, embedding_cache))
    return root


@pytest.fixture(scope="session")
def small_index(small_workspace):
    """The read model's index of the small workspace (lookups and models built once per session)."""
    from llmrec.serve import WorkspaceIndex

    return WorkspaceIndex.open(small_workspace)


def write_bare_sequences(path: Path, n_users: int = 60, n_items: int = 40) -> Path:
    """A metadata-less shop in the SASRec sequences format: ids only, no titles, categories, ratings
    or dates. User u buys items u, u+1, ... u+5 (mod n_items) in that order."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"U{u:03d} " + " ".join(f"B00ITEM{(u + j) % n_items:03d}" for j in range(6))
             for u in range(n_users)]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="session")
def bare_workspace(tmp_path_factory, embedding_cache) -> Path:
    """A workspace built from write_bare_sequences (metadata-less, as many benchmark files are)."""
    from llmrec.pipeline.run import build_workspace

    folder = tmp_path_factory.mktemp("bare")
    source = write_bare_sequences(folder / "Bare.txt")
    root = folder / "workspace"
    build_workspace(small_config(root, embedding_cache, source="sequences",
                                 source_options={"path": str(source)}, models=("popularity", "bpr"),
                                 epochs=2, factors=4, cold_start=True))
    return root
