"""Atomic workspace replacement: failures leave the previous workspace intact."""

import pytest

from llmrec.pipeline.workdir import atomic_folder, reuse


def test_success_replaces_target(tmp_path):
    target = tmp_path / "ws"
    target.mkdir()
    (target / "old.txt").write_text("old")
    with atomic_folder(target) as staging:
        (staging / "new.txt").write_text("new")
    assert (target / "new.txt").read_text() == "new"
    assert not (target / "old.txt").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["ws"]  # no staging or retired folder left


def test_failure_keeps_previous_workspace(tmp_path):
    target = tmp_path / "ws"
    target.mkdir()
    (target / "old.txt").write_text("old")
    with pytest.raises(RuntimeError), atomic_folder(target) as staging:
        (staging / "half.txt").write_text("half")
        raise RuntimeError("stage failed")
    assert (target / "old.txt").read_text() == "old"
    assert not (target / "half.txt").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["ws"]


def test_reuse_links_files_and_folders(tmp_path):
    previous, staging = tmp_path / "prev", tmp_path / "stage"
    (previous / "models" / "bpr").mkdir(parents=True)
    (previous / "models" / "bpr" / "config.json").write_text("{}")
    staging.mkdir()
    assert reuse(previous, staging, "models")
    assert (staging / "models" / "bpr" / "config.json").read_text() == "{}"
    assert not reuse(previous, staging, "missing")
    assert not reuse(None, staging, "models")
