"""The staged build on a small demo store: artifacts, reuse, atomicity, determinism."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest
from safetensors.numpy import load_file

from llmrec.errors import DataError, WorkspaceError
from llmrec.pipeline.artifacts import Workspace
from llmrec.pipeline.run import STAGES, build_workspace
from tests.conftest import small_config


def test_build_writes_every_artifact(small_workspace):
    ws = Workspace(small_workspace)
    manifest = ws.manifest
    assert manifest["counts"] == {"users": 300, "items": 200, "interactions": len(ws.dataset.interactions),
                                  "reviews": len(ws.dataset.reviews)}
    assert set(manifest["timings"]) == {*STAGES, "total"}
    assert set(manifest["cpu_timings"]) == {*STAGES, "total"}
    # CPU seconds of the build process: the stages' sum cannot pass the total (training burns CPU)
    cpu = manifest["cpu_timings"]
    assert cpu["train"] > 0 and sum(v for k, v in cpu.items() if k != "total") <= cpu["total"] + 0.01
    assert manifest["models"] == ["popularity", "itemknn", "bpr", "text_mf", "rating_mf", "bias", "sasrec",
                                  "text_sasrec"]
    assert manifest["versions"]["torch"].startswith("2.13")
    emb = ws.embeddings
    assert emb["items"].shape == (200, 384) and emb["users"].shape == (300, 384)
    assert emb["reviews"].shape[0] == len(ws.dataset.reviews)
    np.testing.assert_allclose(np.linalg.norm(emb["items"], axis=1), 1.0, atol=1e-4)
    for name in manifest["models"]:
        assert (small_workspace / "models" / name / "model.safetensors").is_file()
    metrics = ws.table("evaluation/metrics.parquet")
    assert set(metrics["model"]) == set(manifest["models"])
    rmse = metrics[metrics["metric"] == "RMSE"].set_index("model")["value"]
    assert set(rmse.index) == {"rating_mf", "bias"}  # the rating model beside its baseline
    cold = ws.table("evaluation/cold_start.parquet")
    assert "random" in set(cold["model"])
    for space in ("text", "mf"):
        frame = ws.projection(space)
        assert len(frame) == 200 and frame[["x", "y"]].notna().all().all()
    users = ws.table("portraits/users.parquet")
    assert len(users) == 300 and users["top_category"].ne("").all()


def test_unchanged_rebuild_reuses_every_stage(small_workspace, embedding_cache, tmp_path):
    copy = tmp_path / "workspace"
    shutil.copytree(small_workspace, copy)
    before = pd.read_parquet(copy / "evaluation" / "metrics.parquet")
    build_workspace(small_config(copy, embedding_cache))
    manifest = json.loads((copy / "manifest.json").read_text())
    assert manifest["reused_stages"] == list(STAGES)
    pd.testing.assert_frame_equal(pd.read_parquet(copy / "evaluation" / "metrics.parquet"), before)


def test_changed_k_reruns_only_evaluation(small_workspace, embedding_cache, tmp_path):
    copy = tmp_path / "workspace"
    shutil.copytree(small_workspace, copy)
    build_workspace(small_config(copy, embedding_cache, ks=(3,), cold_start=True))
    manifest = json.loads((copy / "manifest.json").read_text())
    assert manifest["reused_stages"] == ["load", "split", "embed", "train", "project", "portraits"]
    assert set(pd.read_parquet(copy / "evaluation" / "metrics.parquet")["k"].dropna()) <= {0, 3}


def test_failed_build_leaves_previous_workspace_intact(small_workspace, embedding_cache, tmp_path):
    copy = tmp_path / "workspace"
    shutil.copytree(small_workspace, copy)
    manifest_before = (copy / "manifest.json").read_text()
    bad = tmp_path / "orders.csv"
    bad.write_text("customer,product\nc1,s1\nc2,s2\n")  # the mapping below expects a 'sku' column
    config = small_config(copy, embedding_cache, source="csv",
                          source_options={"interactions_path": str(bad),
                                          "columns": {"user_id": "customer", "item_id": "sku"}})
    with pytest.raises(DataError) as error:
        build_workspace(config)
    assert "orders.csv" in str(error.value) and "item_id" in str(error.value)
    assert (copy / "manifest.json").read_text() == manifest_before
    assert Workspace(copy).dataset.n_users == 300
    # no staging folder left; the lock file stays next to the workspace
    assert sorted(p.name for p in tmp_path.iterdir()) == [".workspace.lock", "orders.csv", "workspace"]


def test_same_seed_same_results(small_workspace, embedding_cache, tmp_path):
    again = build_workspace(small_config(tmp_path / "again", embedding_cache))
    assert again.manifest["reused_stages"] == []  # a fresh folder: everything recomputed
    first = Workspace(small_workspace)
    pd.testing.assert_frame_equal(again.table("evaluation/metrics.parquet"),
                                  first.table("evaluation/metrics.parquet"))
    for name in ("bpr", "text_mf"):
        a = load_file(small_workspace / "models" / name / "model.safetensors")
        b = load_file(tmp_path / "again" / "models" / name / "model.safetensors")
        for key in a:
            np.testing.assert_array_equal(a[key], b[key])
    pd.testing.assert_frame_equal(again.projection("text"), first.projection("text"))


def test_workspace_reader_errors(tmp_path):
    with pytest.raises(WorkspaceError, match="not a built workspace"):
        Workspace(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps({"layout_version": 0}))
    with pytest.raises(WorkspaceError, match="written by an older llmrec .*; rebuild with"):
        Workspace(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps({"layout_version": 99}))
    with pytest.raises(WorkspaceError, match="written by a newer llmrec"):
        Workspace(tmp_path)


def test_changed_model_code_retrains(small_workspace, embedding_cache, tmp_path, monkeypatch):
    """Editing a model's file (reached through the train stage's imports) retrains; data stays."""
    from llmrec.pipeline import keys

    copy = tmp_path / "workspace"
    shutil.copytree(small_workspace, copy)
    original = keys.read_source

    def edited(path):
        text = original(path)
        return text + "\n# edited\n" if path.name == "mf.py" and path.parent.name == "models" else text

    monkeypatch.setattr(keys, "read_source", edited)
    build_workspace(small_config(copy, embedding_cache))
    manifest = json.loads((copy / "manifest.json").read_text())
    # training and what reads the models reran; portraits read only the data and text embeddings
    assert manifest["reused_stages"] == ["load", "split", "embed", "portraits"]
    assert manifest["stage_reasons"]["train"] == "ran (reason: code changed)"
    assert manifest["stage_reasons"]["evaluate"] == "ran (reason: input changed: train; code changed)"
