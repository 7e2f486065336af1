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

MANIFEST = "manifest.json"
ALGORITHM = "sha256"
_CHUNK = 1 << 20  # stream in 1 MiB reads: large embedding files never sit in memory at once


def rebuild_hint(root: Path | str) -> str:
    """The fix every integrity message ends with."""
    return f"rebuild with `python -m llmrec build --workspace {root}`"


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
    """One damaged or missing file: its path relative to the workspace and what is wrong."""

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


def valid_files(value: object) -> bool:
    """Whether a manifest's `files` entry has the shape the build writes."""
    return isinstance(value, dict) and all(
        isinstance(name, str) and isinstance(entry, dict) and isinstance(entry.get("size"), int)
        for name, entry in value.items())
