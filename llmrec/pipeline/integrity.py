"""Integrity of a built workspace: the size and checksum of every artifact file, and their checks.

The build records each file its stages wrote in the manifest (`files`: relative path -> size,
sha256, modification time). A reader checks sizes on open (one stat per file); `python -m llmrec
check` and a rebuild's reuse also compare checksums, so a flipped byte is found before a damaged
artifact is shown or reused. `reasons/` (texts generated after the build) is not recorded.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from llmrec.pipeline.rebuild import rebuild_command, recorded_config
from llmrec.pipeline.workdir import MANIFEST, MARKER, OWNED

ALGORITHM = "sha256"
_CHUNK = 1 << 20  # stream in 1 MiB reads: large embedding files never sit in memory at once
# Files written after the build (the text cache, `python -m llmrec explain`) in the one llmrec folder
# whose files the manifest does not record; a rebuild carries that folder over.
WRITTEN_AFTER_BUILD = frozenset({"reasons/cache.parquet", "reasons/quality.json"})
CARRIED_OVER = "reasons"


def rebuild_hint(root: Path | str) -> str:
    """The fix every integrity message ends with: the build command with the flags root was built with."""
    config = recorded_config(root)
    command, unexpressed = rebuild_command(root, config)
    if config is None:
        return f"rebuild with `{command}` and the source flags it was built with (its manifest is unreadable)"
    if unexpressed:
        return f"rebuild with `{command}` and, in BuildConfig (no flag sets them), {', '.join(unexpressed)}"
    return f"rebuild with `{command}`"


def digest(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    hasher = hashlib.new(ALGORITHM)
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            hasher.update(chunk)
    return hasher.hexdigest()


def describe(root: Path, relative: str) -> dict[str, dict]:
    """Size and checksum of every file of an artifact (a file or a folder) below `root`."""
    path = root / relative
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    out = {}
    for file in files:
        if file.is_file():
            stat = file.stat()
            out[file.relative_to(root).as_posix()] = {"size": stat.st_size, ALGORITHM: digest(file),
                                                      "mtime_ns": stat.st_mtime_ns}
    return out


def under(files: dict[str, dict], relative: str) -> dict[str, dict]:
    """The recorded files that belong to an artifact (the file itself or anything in the folder)."""
    return {name: entry for name, entry in files.items()
            if name == relative or name.startswith(relative.rstrip("/") + "/")}


@dataclass(frozen=True)
class Problem:
    """One file that is not as the build left it: its path relative to the workspace and what is wrong."""

    file: str
    what: str

    def __str__(self) -> str:
        return f"{self.file}: {self.what}"


def problems(root: Path, files: dict[str, dict], *, checksums: bool,
             trust_unmodified: bool = False) -> list[Problem]:
    """Every recorded file that is missing, has another size or (with `checksums`) other bytes.

    `trust_unmodified` skips hashing a file whose modification time is still the recorded one (a
    rebuild's reuse of hard-linked files: rewriting a file changes its time, so only silent disk
    corruption slips through, which `python -m llmrec check` hashes for).
    """
    found = []
    for name, entry in sorted(files.items()):
        path = root / name
        try:
            stat = path.stat()
        except OSError:
            found.append(Problem(name, "missing"))
            continue
        unmodified = trust_unmodified and stat.st_mtime_ns == entry.get("mtime_ns")
        if stat.st_size != entry.get("size"):
            found.append(Problem(name, f"damaged (size {stat.st_size} != {entry.get('size')})"))
        elif checksums and not unmodified and entry.get(ALGORITHM) and digest(path) != entry[ALGORITHM]:
            found.append(Problem(name, f"damaged ({ALGORITHM} differs from the manifest)"))
    return found


def unknown_files(root: Path, files: dict[str, dict]) -> list[Problem]:
    """Files inside llmrec's own folders that llmrec did not write: a warning, not damage.

    Nothing reads them, and a rebuild replaces the build's folders whole, so they are lost then;
    someone may have put them there by hand. Needs the recorded `files` (empty: nothing to compare).
    """
    if not files:
        return []
    found = []
    for folder in sorted(OWNED - {MARKER, MANIFEST}):
        for path in sorted((root / folder).rglob("*")):
            name = path.relative_to(root).as_posix()
            if path.is_dir() or name in files or name in WRITTEN_AFTER_BUILD:
                continue
            fate = "kept by a rebuild" if folder == CARRIED_OVER else "a rebuild removes it"
            found.append(Problem(name, f"unknown file, not written by llmrec ({fate})"))
    return found


def valid_files(value: object) -> bool:
    """Whether a manifest's `files` entry has the shape the build writes."""
    return isinstance(value, dict) and all(
        isinstance(name, str) and isinstance(entry, dict) and isinstance(entry.get("size"), int)
        for name, entry in value.items())
