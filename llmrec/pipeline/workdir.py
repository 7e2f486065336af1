"""Atomic workspace replacement: build in a sibling folder, swap on success, never half-write."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_folder(target: Path) -> Iterator[Path]:
    """Yield a fresh staging folder next to `target`; on success it replaces `target`.

    On any exception the staging folder is deleted and `target` is untouched, so a failed or
    interrupted build leaves the previous workspace usable. The swap is two renames on the same
    file system; the old copy is removed only after the new one is in place.
    """
    target = Path(target).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f".{target.name}.building-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    retired = target.parent / f".{target.name}.old-{os.getpid()}"
    if target.exists():
        target.rename(retired)
    staging.rename(target)
    shutil.rmtree(retired, ignore_errors=True)


def reuse(previous: Path | None, staging: Path, relative: str) -> bool:
    """Copy an artifact (file or folder) of the previous workspace into the staging folder.

    Hard links make this instant and cost no disk; files are never modified in place, so sharing
    inodes between the old and new workspace is safe. Falls back to copying across devices.
    """
    if previous is None or not (previous / relative).exists():
        return False
    source, dest = previous / relative, staging / relative
    dest.parent.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        shutil.copytree(source, dest, copy_function=_link_or_copy, dirs_exist_ok=True)
    else:
        _link_or_copy(source, dest)
    return True


def _link_or_copy(source, dest) -> None:
    try:
        os.link(source, dest)
    except OSError:
        shutil.copy2(source, dest)
