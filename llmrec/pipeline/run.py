"""The build runner: runs the declared stages (stages.py) in order, reusing what did not change.

Each stage's key is derived from its declaration (see `keys.py`): upstream keys, parameter values,
the hash of its code and of every llmrec module it imports, package versions. When the previous
workspace holds a stage with the same key and its files verify, they are linked instead of rebuilt,
so an unchanged rebuild takes seconds. The manifest records each stage's definition
(`stage_definitions`) and why it ran (`stage_reasons`). Everything is written into a staging folder
that replaces the workspace only when the whole build succeeded.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

from llmrec.errors import DamagedArtifactError, WorkspaceError
from llmrec.pipeline import integrity, keys
from llmrec.pipeline.artifacts import (
    LAYOUT_VERSION,
    MANIFEST,
    QUALITY_FILE,
    Workspace,
    current_quality,
    read_manifest,
)
from llmrec.pipeline.config import BuildConfig
from llmrec.pipeline.stages import STAGES as DECLARED
from llmrec.pipeline.stages import Progress, Stage, StageRun, ordered
from llmrec.pipeline.workdir import atomic_folder, reuse

# The stages of a default build, in the order they run (optional ones such as finetune left out).
STAGES = tuple(stage.name for stage in ordered(BuildConfig(workspace="workspace"), DECLARED))
_PACKAGES = ("llmrec", "torch", "transformers", "numpy", "pandas", "pyarrow", "umap-learn", "streamlit")


def stage_definition(stage: Stage, run: StageRun, upstream_keys: dict[str, str]) -> dict:
    """What a stage's key is made of, JSON-normalised (so it compares equal to a stored manifest's)."""
    definition = {"upstream": {name: upstream_keys[name] for name in stage.upstream if name in upstream_keys},
                  "params": stage.params(run), "code": keys.code_hash([stage.run, stage.params]),
                  "packages": keys.versions(stage.packages)}
    return json.loads(json.dumps(definition, sort_keys=True, default=str))


def why_changed(new: dict, old: dict | None) -> str:
    """Why a stage re-ran, compared with the previous workspace's definition of it."""
    if old is None:
        return "no previous result"
    changed_up = sorted(n for n in set(new["upstream"]) | set(old.get("upstream", {}))
                        if new["upstream"].get(n) != old.get("upstream", {}).get(n))
    params = old.get("params", {})
    changed = sorted(n for n in set(new["params"]) | set(params) if new["params"].get(n) != params.get(n))
    packages = sorted(n for n in new["packages"] if new["packages"][n] != old.get("packages", {}).get(n))
    reasons = []
    if changed_up:
        reasons.append(f"input changed: {', '.join(changed_up)}")
    for name in changed:
        reasons.append("input files changed" if name == "files" else f"parameter {name} changed")
    if new["code"] != old.get("code"):
        reasons.append("code changed")
    if packages:
        reasons.append(f"package version changed: {', '.join(packages)}")
    return "; ".join(reasons) or "definition changed"


class _Build:
    """One run of the pipeline: holds the staging folder, the previous manifest and timings."""

    def __init__(self, config: BuildConfig, staging: Path, progress: Progress | None) -> None:
        self.config = config
        self.staging = staging
        self.progress = progress or (lambda stage, fraction, message: None)
        self.inputs = StageRun(config, staging, self.progress)
        self.keys: dict[str, str] = {}
        self.definitions: dict[str, dict] = {}
        self.reasons: dict[str, str] = {}  # stage -> "reused" or "ran (reason: ...)"
        self.timings: dict[str, float] = {}
        # process CPU seconds per stage (all threads): on a shared machine wall time measures the
        # neighbours too, CPU time measures the stage
        self.cpu_timings: dict[str, float] = {}
        self.reused: list[str] = []
        self.files: dict[str, dict] = {}  # what the new manifest records (see integrity.py)
        self.notes: list[str] = []  # damage found in the previous workspace, said in the output
        self.previous, old = _previous(config.workspace.resolve(), self.notes)
        self.previous_keys: dict[str, str] = old.get("stage_keys", {})
        self.previous_files: dict[str, dict] = old.get("files", {})
        self.previous_definitions: dict[str, dict] = old.get("stage_definitions", {})

    def stage(self, stage: Stage) -> None:
        """Reuse the stage's outputs of the previous workspace when its key matches and they verify."""
        started, cpu_started = time.perf_counter(), time.process_time()
        name, artifacts = stage.name, [artifact.path for artifact in stage.outputs]
        definition = self.definitions[name] = stage_definition(stage, self.inputs, self.keys)
        key = self.keys[name] = keys.digest(name, definition)
        same_key = self.previous_keys.get(name) == key
        if same_key and self._intact(name, artifacts) and all(
                reuse(self.previous, self.staging, relative) for relative in artifacts):
            self.reused.append(name)
            self.reasons[name] = "reused"
            for relative in artifacts:
                self.files.update(integrity.under(self.previous_files, relative))
            self.progress(name, 1.0, "unchanged, reused")
        else:
            old = self.previous_definitions.get(name)
            if same_key:
                why = "repaired"
            elif old is None and name in self.previous_keys:
                why = "the previous build recorded no stage definitions"
            else:
                why = why_changed(definition, old)
            self.reasons[name] = f"ran (reason: {why})"
            self.progress(name, 0.0, f"started ({why})")
            stage.run(self.inputs)
            self.progress(name, 1.0, "done")
        for relative in artifacts:
            if not integrity.under(self.files, relative):
                self.files.update(integrity.describe(self.staging, relative))
        self.timings[name] = round(time.perf_counter() - started, 3)
        self.cpu_timings[name] = round(time.process_time() - cpu_started, 3)

    def _intact(self, name: str, artifacts: list[str]) -> bool:
        """Whether the previous files of `artifacts` are all there with their recorded checksums."""
        recorded = {f: e for relative in artifacts for f, e in integrity.under(self.previous_files,
                                                                               relative).items()}
        if not recorded:
            return False
        found = integrity.problems(self.previous, recorded, checksums=True, trust_unmodified=True)
        for problem in found:
            self.notes.append(f"{name}: previous artifact {problem.file} {problem.what}, recomputed")
            self.progress(name, 0.0, self.notes[-1])
        return not found


def _previous(previous: Path, notes: list[str]) -> tuple[Path | None, dict]:
    """The previous workspace and its manifest; nothing when it cannot be trusted.

    A workspace without recorded checksums (written by an older llmrec) is not reused either: its
    files cannot be verified, and reusing a damaged one would carry the damage forward.
    """
    if not (previous / MANIFEST).is_file():
        return None, {}
    try:
        manifest = read_manifest(previous)
    except DamagedArtifactError as error:
        notes.append(f"previous {error.file} {error.what}: every stage rebuilt")
        return None, {}
    except WorkspaceError:
        notes.append("previous workspace written by another llmrec version: every stage rebuilt")
        return None, {}
    if not manifest.get("files"):
        notes.append("previous workspace records no checksums (older llmrec): every stage rebuilt")
        return None, {}
    return previous, manifest


def _reuse_texts(run: _Build, manifest: dict) -> None:
    """Carry the generated-text cache over; drop quality entries whose producers changed.

    Texts are keyed by generator, prompt and evidence (the facts shown), so they stay valid whatever
    else changed; a damaged Parquet file is dropped. A quality entry describes the texts of one
    data set and one set of trained models: when either changed it describes nothing current.
    """
    import pyarrow.parquet as pq

    if not reuse(run.config.workspace.resolve(), run.staging, "reasons"):
        return
    for path in sorted((run.staging / "reasons").glob("*.parquet")):
        try:
            pq.read_metadata(path)
        except (OSError, ValueError) as error:
            path.unlink()
            run.notes.append(f"reasons: previous {path.relative_to(run.staging).as_posix()} damaged "
                             f"({type(error).__name__}), dropped; texts are generated again when asked")
    quality = run.staging / QUALITY_FILE
    if not quality.is_file():
        return
    try:
        entries = json.loads(quality.read_text())
    except (OSError, ValueError):
        entries = None
    if not isinstance(entries, dict):
        quality.unlink()
        run.notes.append(f"reasons: previous {QUALITY_FILE} damaged, dropped")
        return
    kept = current_quality(entries, manifest)
    if len(kept) < len(entries):
        run.notes.append(f"reasons: explanation quality of {', '.join(sorted(set(entries) - set(kept)))} "
                         "dropped (measured on other data or models); run `python -m llmrec explain` again")
        quality.unlink()  # a hard link to the previous workspace's file: never write through it
        quality.write_text(json.dumps(kept, indent=2))


def build_workspace(config: BuildConfig, progress: Progress | None = None, *, force: bool = False,
                    wait: bool = False) -> Workspace:
    """Build (or incrementally rebuild) the workspace described by `config`; return a reader.

    Writes only into a new, empty or workspace folder (`force`: any folder, keeping its other
    files); a second build of the same workspace fails at once, or waits for the first (`wait`).
    """
    total_started, total_cpu_started = time.perf_counter(), time.process_time()
    with atomic_folder(config.workspace, force=force, wait=wait) as staging:
        run = _Build(config, staging, progress)
        for stage in ordered(config):
            run.stage(stage)
        dataset = run.inputs.dataset
        manifest = {
            "layout_version": LAYOUT_VERSION,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "source": config.source,
            "dataset_name": dataset.name,
            "config": config.to_dict(),
            "split": run.definitions["split"]["params"]["split"],
            "versions": keys.versions(_PACKAGES),
            "fingerprint": dataset.fingerprint(),
            "stage_keys": run.keys,
            "stage_definitions": run.definitions,
            "stage_reasons": run.reasons,
            "reused_stages": run.reused,
            "repairs": run.notes,
            "files": run.files,
            "timings": {**run.timings, "total": round(time.perf_counter() - total_started, 3)},
            "cpu_timings": {**run.cpu_timings, "total": round(time.process_time() - total_cpu_started, 3)},
            "models": run.inputs.models,
            "counts": {"users": dataset.n_users, "items": dataset.n_items,
                       "interactions": len(dataset.interactions), "reviews": len(dataset.reviews)},
        }
        _reuse_texts(run, manifest)
        encoder = staging / "text" / "encoder.json"
        if encoder.is_file():  # which precision embedded the texts, and why
            written = json.loads(encoder.read_text())
            manifest["embedding"] = {"precision": written.get("precision"),
                                     "reason": written.get("precision_reason")}
        if config.finetune_seconds:
            from llmrec.pipeline.encoder_choice import read_decision

            manifest["finetune"] = read_decision(staging)
        manifest["timings"]["total"] = round(time.perf_counter() - total_started, 3)
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2))
    return Workspace(config.workspace)
