"""Workspace folders: what a build may write, the build lock, stale folders, the atomic swap."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from llmrec.cli import main
from llmrec.errors import WorkspaceError
from llmrec.pipeline.artifacts import Workspace
from llmrec.pipeline.workdir import MARKER, atomic_folder, build_lock, inspect_target, remove_stale, reuse
from tests.conftest import SMALL_DEMO

REPO = Path(__file__).resolve().parents[2]


def make_workspace(folder: Path, text: str = "old") -> Path:
    """A minimal built workspace: marker, manifest and one artifact."""
    (folder / "data").mkdir(parents=True)
    (folder / MARKER).write_text("llmrec workspace\n")
    manifest = {"layout_version": 1, "stage_keys": {}, "config": {}, "models": [], "counts": {}}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    (folder / "data" / "items.parquet").write_text(text)
    return folder


def make_foreign(folder: Path) -> Path:
    """A user's folder: a note and a subfolder with a file."""
    (folder / "sub").mkdir(parents=True)
    (folder / "notes.txt").write_text("my notes")
    (folder / "sub" / "keep.txt").write_text("keep me")
    return folder


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def build_args(workspace: Path, *extra: str) -> list[str]:
    demo = [f"--demo-{key[2:]}={value}" for key, value in SMALL_DEMO.items()]
    return ["build", "--workspace", str(workspace), "--source", "demo", *demo, "--epochs", "1",
            "--factors", "8", "--models", "popularity", *extra]


# ------------------------------------------------------------------------------- which folders


def test_target_kinds(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "file").write_text("x")
    make_workspace(tmp_path / "ws")
    make_foreign(tmp_path / "mine")
    kinds = {name: inspect_target(tmp_path / name).kind for name in ("new", "empty", "file", "ws", "mine")}
    assert kinds == {"new": "new", "empty": "empty", "file": "file", "ws": "workspace", "mine": "foreign"}
    assert inspect_target(tmp_path / "mine").foreign == ("notes.txt", "sub/")
    (tmp_path / "ws" / MARKER).unlink()  # built before the marker existed: the manifest says so
    assert inspect_target(tmp_path / "ws").kind == "workspace"
    (tmp_path / "mine" / "manifest.json").write_text('{"name": "some other tool"}')
    assert inspect_target(tmp_path / "mine").kind == "foreign"


def test_foreign_folder_refused_and_untouched(tmp_path, capsys):
    folder = make_foreign(tmp_path / "mine")
    before = snapshot(folder)
    assert main(build_args(folder)) == 2
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0 and str(folder) in error and "not an llmrec workspace" in error
    assert "notes.txt" in error and "--force" in error
    assert snapshot(folder) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]  # nothing written next to it


def test_file_at_target_refused(tmp_path, capsys):
    target = tmp_path / "ws"
    target.write_text("a file")
    assert main(build_args(target)) == 2
    assert f"{target} is a file, not a folder" in capsys.readouterr().err
    assert target.read_text() == "a file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ws"]


@pytest.mark.parametrize("kind", ["missing", "empty", "workspace"])
def test_missing_empty_and_workspace_folders_swap_whole(tmp_path, kind):
    target = tmp_path / "ws"
    if kind == "empty":
        target.mkdir()
    elif kind == "workspace":
        make_workspace(target)
    with atomic_folder(target) as staging:
        (staging / "manifest.json").write_text("{}")
        (staging / "data").mkdir()
    assert sorted(p.name for p in target.iterdir()) == [MARKER, "data", "manifest.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".ws.lock", "ws"]  # no staging or old copy


def test_force_keeps_foreign_files(tmp_path):
    folder = make_foreign(tmp_path / "mine")
    with pytest.raises(WorkspaceError, match="not an llmrec workspace"), atomic_folder(folder):
        pass
    for _ in range(2):  # forced once; afterwards the folder is a workspace and needs no force
        with atomic_folder(folder, force=True) as staging:
            (staging / "data").mkdir()
            (staging / "data" / "items.parquet").write_text("new")
            (staging / "manifest.json").write_text("{}")
    assert (folder / "notes.txt").read_text() == "my notes"
    assert (folder / "sub" / "keep.txt").read_text() == "keep me"
    assert sorted(p.name for p in (folder / "data").iterdir()) == ["items.parquet"]
    assert inspect_target(folder).kind == "workspace"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".mine.lock", "mine"]


def test_force_refuses_a_folder_holding_names_a_build_would_replace(tmp_path):
    folder = make_foreign(tmp_path / "mine")
    (folder / "data").mkdir()
    (folder / "data" / "sales.csv").write_text("the user's own data/")
    before = snapshot(folder)
    with pytest.raises(WorkspaceError, match="already holds data/, which a build would replace"), \
            atomic_folder(folder, force=True):
        pass
    assert snapshot(folder) == before


def test_rebuild_keeps_files_added_to_a_workspace(tmp_path):
    target = make_workspace(tmp_path / "ws")
    (target / "my-notes.txt").write_text("mine")
    with atomic_folder(target) as staging:
        (staging / "manifest.json").write_text("{}")
    assert (target / "my-notes.txt").read_text() == "mine"
    assert not (target / "data").exists()  # llmrec's own entry of the old build is gone


def test_file_written_into_the_target_during_the_build_is_kept(tmp_path):
    target = tmp_path / "ws"
    target.mkdir()
    with atomic_folder(target) as staging:
        (target / "late.txt").write_text("saved while the build ran")
        (staging / "manifest.json").write_text("{}")
    assert (target / "late.txt").read_text() == "saved while the build ran"
    assert (target / "manifest.json").read_text() == "{}"


def test_failure_keeps_previous_workspace(tmp_path):
    target = make_workspace(tmp_path / "ws")
    before = snapshot(target)
    with pytest.raises(RuntimeError), atomic_folder(target) as staging:
        (staging / "half.txt").write_text("half")
        raise RuntimeError("stage failed")
    assert snapshot(target) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".ws.lock", "ws"]


# ------------------------------------------------------------------------------ lock and stale


def test_concurrent_build_refused_naming_the_holder(tmp_path, capsys):
    target = make_workspace(tmp_path / "ws")
    before = snapshot(target)
    with build_lock(target):
        assert main(build_args(target)) == 2
    error = capsys.readouterr().err.strip()
    assert "being built by another build" in error and f"pid {os.getpid()}" in error
    assert "started 20" in error and "--wait" in error
    assert snapshot(target) == before
    with atomic_folder(target):  # released: the next build goes ahead
        pass


def test_stale_folders_of_dead_builds_removed(tmp_path):
    target = make_workspace(tmp_path / "ws")
    dead, alive = dead_pid(), os.getppid()
    for name in (f".ws.building-{dead}", f".ws.old-{dead}", f".ws.building-{alive}"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "half.txt").write_text("half")
    with atomic_folder(target) as staging:
        (staging / "manifest.json").write_text("{}")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".ws.building-" + str(alive), ".ws.lock", "ws"]


def test_workspace_left_mid_swap_is_restored(tmp_path):
    retired = make_workspace(tmp_path / f".ws.old-{dead_pid()}")
    before = snapshot(retired)
    with build_lock(tmp_path / "ws"):
        assert remove_stale(tmp_path / "ws") == []
    assert snapshot(tmp_path / "ws") == before


def test_reader_waits_out_the_swap_window(tmp_path, monkeypatch):
    import llmrec.pipeline.workdir as workdir

    (tmp_path / ".ws.building-1").mkdir()  # a build is running
    with pytest.raises(WorkspaceError, match="not a built workspace"):
        Workspace(tmp_path / "ws")  # missing, and it stays missing
    # the build's second rename lands while the reader waits
    monkeypatch.setattr(workdir.time, "sleep", lambda seconds: make_workspace(tmp_path / "ws"))
    assert Workspace(tmp_path / "ws").manifest["layout_version"] == 1


def test_reuse_links_files_and_folders(tmp_path):
    previous, staging = tmp_path / "prev", tmp_path / "stage"
    (previous / "models" / "bpr").mkdir(parents=True)
    (previous / "models" / "bpr" / "config.json").write_text("{}")
    staging.mkdir()
    assert reuse(previous, staging, "models")
    assert (staging / "models" / "bpr" / "config.json").read_text() == "{}"
    assert not reuse(previous, staging, "missing")
    assert not reuse(None, staging, "models")


# ------------------------------------------------------------------------------------ SIGTERM


@pytest.mark.slow
def test_sigterm_leaves_previous_workspace_and_no_staging(tmp_path):
    target = make_workspace(tmp_path / "ws")
    before = snapshot(target)
    process = subprocess.Popen([sys.executable, "-m", "llmrec", *build_args(target)], cwd=REPO,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    staging = tmp_path / f".ws.building-{process.pid}"
    deadline = time.monotonic() + 300
    while not staging.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert staging.exists(), "the build never started staging"
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=300)
    assert process.returncode == 130
    assert err.strip().splitlines()[-1] == "interrupted; the previous workspace is unchanged"
    assert snapshot(target) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".ws.lock", "ws"]
