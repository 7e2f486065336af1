"""A damaged workspace is never shown as good: one WorkspaceError naming the file, `check`, repair."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from llmrec.cli import main
from llmrec.errors import WorkspaceError
from llmrec.pipeline.artifacts import Workspace
from llmrec.pipeline.integrity import problems
from llmrec.pipeline.run import STAGES, build_workspace
from llmrec.pipeline.workdir import MARKER
from tests.conftest import small_config

EMBEDDINGS = "text/embeddings.safetensors"


@pytest.fixture
def copy(small_workspace, tmp_path) -> Path:
    """A private copy of the session's workspace, free to damage."""
    target = tmp_path / "workspace"
    shutil.copytree(small_workspace, target)
    return target


def truncate(path: Path, keep: int = 120) -> None:
    path.write_bytes(path.read_bytes()[:keep])


def flip_byte(path: Path, at: int) -> None:
    data = bytearray(path.read_bytes())
    data[at] ^= 0xFF
    path.write_bytes(bytes(data))


def write_manifest(root: Path, change) -> None:
    manifest = json.loads((root / "manifest.json").read_text())
    (root / "manifest.json").write_text(json.dumps(change(manifest)))


def test_manifest_records_size_and_sha256_of_every_artifact_file(small_workspace):
    files = Workspace(small_workspace).files
    on_disk = {p.relative_to(small_workspace).as_posix() for p in small_workspace.rglob("*")
               if p.is_file() and p.name not in ("manifest.json", MARKER) and p.parts[-2] != "reasons"}
    assert set(files) == on_disk
    assert {"data/items.parquet", EMBEDDINGS, "models/bpr/model.safetensors"} <= set(files)
    for name, entry in files.items():
        data = (small_workspace / name).read_bytes()
        assert entry == {"size": len(data), "sha256": hashlib.sha256(data).hexdigest(),
                         "mtime_ns": (small_workspace / name).stat().st_mtime_ns}


# (how to damage, the file the message must name)
DAMAGE = {
    "truncated manifest": (lambda root: truncate(root / "manifest.json", 50), "manifest.json"),
    "manifest is a JSON list": (lambda root: (root / "manifest.json").write_text("[1, 2]"),
                                "manifest.json"),
    "manifest without models": (lambda root: write_manifest(root, lambda m: {**m, "models": None}),
                                "manifest.json"),
    "truncated parquet": (lambda root: truncate(root / "split" / "train.parquet"), "split/train.parquet"),
    "truncated safetensors": (lambda root: truncate(root / EMBEDDINGS), EMBEDDINGS),
    "deleted items file": (lambda root: (root / "data" / "items.parquet").unlink(), "data/items.parquet"),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damage_is_one_workspace_error_naming_the_file(copy, damage):
    harm, file = DAMAGE[damage]
    harm(copy)
    with pytest.raises(WorkspaceError) as error:
        Workspace(copy)
    message = str(error.value)
    assert file in message and f"python -m llmrec build --workspace {copy}" in message
    assert "\n" not in message


@pytest.mark.parametrize("damage", list(DAMAGE))
@pytest.mark.parametrize("command", [["evaluate"], ["recommend", "--user", "u1"], ["explain"]])
def test_cli_prints_one_line_and_exits_2(copy, damage, command, capsys):
    harm, file = DAMAGE[damage]
    harm(copy)
    code = main([*command, "--workspace", str(copy)])
    out, err = capsys.readouterr()
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and file in lines[0]
    assert "Traceback" not in out + err


def test_reads_translate_damage_the_open_check_cannot_see(copy):
    """An old workspace records no sizes, and a same-size change passes the cheap open check."""
    write_manifest(copy, lambda m: {k: v for k, v in m.items() if k != "files"})
    truncate(copy / "split" / "test.parquet")
    truncate(copy / EMBEDDINGS)
    (copy / "evaluation" / "protocol.json").write_text("[]")
    items = copy / "data" / "items.parquet"
    flip_byte(items, items.stat().st_size - 2)  # inside the Parquet footer's magic bytes
    ws = Workspace(copy)  # still readable: an old workspace is opened without the file list
    for read, file in [(lambda: ws.split, "split/test.parquet"), (lambda: ws.embeddings, EMBEDDINGS),
                       (lambda: ws.json("evaluation/protocol.json"), "evaluation/protocol.json"),
                       (lambda: ws.dataset, "data/items.parquet")]:
        with pytest.raises(WorkspaceError, match="rebuild with") as error:
            read()
        assert file in str(error.value)


def test_damaged_model_folder_is_a_workspace_error(copy):
    from llmrec.serve import WorkspaceIndex

    weights = copy / "models" / "bpr" / "model.safetensors"
    flip_byte(weights, 3)  # the header length: safetensors cannot parse it
    with pytest.raises(WorkspaceError, match="model.safetensors") as error:
        WorkspaceIndex(Workspace(copy)).model("bpr")
    assert "python -m llmrec build" in str(error.value)


def test_check_finds_a_flipped_byte_of_the_same_size(copy, capsys):
    assert main(["check", "--workspace", str(copy)]) == 0
    n_files = len(Workspace(copy).files)
    assert capsys.readouterr().out.strip() == f"workspace OK ({n_files} files verified)"

    flip_byte(copy / EMBEDDINGS, 5000)
    Workspace(copy)  # sizes match: opening stays cheap and does not see it
    assert [str(p) for p in Workspace(copy).verify(checksums=True)] == [
        f"{EMBEDDINGS}: damaged (sha256 differs from the manifest)"]
    assert main(["check", "--workspace", str(copy)]) == 1
    out, err = capsys.readouterr()
    assert out.strip() == f"{EMBEDDINGS}: damaged (sha256 differs from the manifest)"
    assert "damaged (1 of" in err and "Traceback" not in out + err


def test_check_lists_every_damaged_file(copy, capsys):
    size = (copy / EMBEDDINGS).stat().st_size
    (copy / "data" / "items.parquet").unlink()
    truncate(copy / EMBEDDINGS)
    assert main(["check", "--workspace", str(copy)]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == ["data/items.parquet: missing",
                                f"{EMBEDDINGS}: damaged (size 120 != {size})"]
    assert "Traceback" not in out + err


def test_reuse_hashes_only_files_modified_since_the_build(copy, monkeypatch):
    import llmrec.pipeline.integrity as integrity

    files = Workspace(copy).files
    hashed: list[str] = []
    real_digest = integrity.digest
    monkeypatch.setattr(integrity, "digest", lambda path: hashed.append(path.name) or real_digest(path))
    weights = copy / "models" / "bpr" / "model.safetensors"
    flip_byte(weights, 200)  # rewritten: a new modification time
    found = integrity.problems(copy, files, checksums=True, trust_unmodified=True)
    assert hashed == ["model.safetensors"]
    assert [p.file for p in found] == ["models/bpr/model.safetensors"]
    assert len(integrity.problems(copy, files, checksums=True)) == 1 and len(hashed) == 1 + len(files)


def test_rebuild_recomputes_a_damaged_stage_and_says_so(copy, embedding_cache):
    size = (copy / EMBEDDINGS).stat().st_size
    truncate(copy / EMBEDDINGS, 120)
    flip_byte(copy / "models" / "bpr" / "model.safetensors", 200)  # same size: found by checksum
    said: list[str] = []
    build_workspace(small_config(copy, embedding_cache),
                    progress=lambda stage, fraction, message: said.append(f"{stage}: {message}"))
    manifest = Workspace(copy).manifest
    expected = [f"embed: previous artifact {EMBEDDINGS} damaged (size 120 != {size}), recomputed",
                "train: previous artifact models/bpr/model.safetensors damaged (sha256 differs from "
                "the manifest), recomputed"]
    assert manifest["repairs"] == expected
    assert set(expected) <= {line.split(": ", 1)[1] for line in said}
    # embed was recomputed; everything downstream has the same key and intact files, so is reused
    assert manifest["reused_stages"] == [s for s in STAGES if s not in ("embed", "train")]
    reasons = manifest["stage_reasons"]
    assert reasons["embed"] == reasons["train"] == "ran (reason: repaired)"
    assert (copy / EMBEDDINGS).stat().st_size == size
    assert problems(copy, manifest["files"], checksums=True) == []


def test_rebuild_after_an_unreadable_manifest_rebuilds_everything_once(copy, embedding_cache):
    truncate(copy / "manifest.json", 50)
    build_workspace(small_config(copy, embedding_cache))
    manifest = Workspace(copy).manifest
    assert manifest["reused_stages"] == []
    assert len(manifest["repairs"]) == 1
    assert manifest["repairs"][0].startswith("previous manifest.json damaged (JSONDecodeError: ")
    assert manifest["repairs"][0].endswith("): every stage rebuilt")
    assert Workspace(copy).verify(checksums=True) == []


def test_damaged_text_cache_is_dropped_on_rebuild(copy, embedding_cache):
    cache = copy / "reasons" / "cache.parquet"
    cache.parent.mkdir(exist_ok=True)
    cache.write_bytes(b"PAR1 not really parquet")
    build_workspace(small_config(copy, embedding_cache))
    manifest = Workspace(copy).manifest
    assert manifest["reused_stages"] == list(STAGES)
    assert manifest["repairs"] == ["reasons: previous reasons/cache.parquet damaged (ArrowInvalid), "
                                   "dropped; texts are generated again when asked"]
    assert not cache.exists()


def test_damaged_text_cache_is_a_workspace_error(copy):
    from llmrec.reasons.cache import ReasonCache

    cache = copy / "reasons" / "cache.parquet"
    cache.parent.mkdir(exist_ok=True)
    cache.write_bytes(b"PAR1 not really parquet")
    with pytest.raises(WorkspaceError, match="cache.parquet is damaged"):
        ReasonCache.for_workspace(copy)


def test_build_command_prints_what_it_repaired(copy, monkeypatch, capsys):
    import llmrec.pipeline.run as run_module

    note = f"embed: previous artifact {EMBEDDINGS} damaged (size 120 != 4096), recomputed"
    write_manifest(copy, lambda m: {**m, "repairs": [note]})
    monkeypatch.setattr(run_module, "build_workspace", lambda config, progress, **options: Workspace(copy))
    assert main(["build", "--workspace", str(copy)]) == 0
    assert f"  {note}" in capsys.readouterr().out.splitlines()


def test_check_warns_of_unknown_files_in_llmrec_folders_only(copy, capsys):
    n_files = len(Workspace(copy).files)
    (copy / "models" / "bpr" / "notes.txt").write_text("mine")
    (copy / "reasons").mkdir(exist_ok=True)
    (copy / "reasons" / "draft.txt").write_text("mine")
    (copy / "reasons" / "quality.json").write_text("{}")  # written by `explain`, after the build
    (copy / "README.txt").write_text("next to the workspace's folders: not llmrec's")
    assert main(["check", "--workspace", str(copy)]) == 0  # a warning, not damage
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        "warning: models/bpr/notes.txt: unknown file, not written by llmrec (a rebuild removes it)",
        "warning: reasons/draft.txt: unknown file, not written by llmrec (kept by a rebuild)",
        f"workspace OK ({n_files} files verified, 2 unknown files)"]
    assert err == ""


def test_check_lists_unknown_files_beside_damage(copy, capsys):
    (copy / "data" / "items.parquet").unlink()
    (copy / "data" / "items (copy).parquet").write_text("not the build's")
    assert main(["check", "--workspace", str(copy)]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        "data/items.parquet: missing",
        "warning: data/items (copy).parquet: unknown file, not written by llmrec (a rebuild removes it)"]
    assert "is damaged (1 of" in err
