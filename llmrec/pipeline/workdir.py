"""Workspace folders on disk: which folders a build may write, the build lock, the atomic swap.

A workspace is a folder marked by `.llmrec-workspace` (or, for ones built before the marker, a
`manifest.json`). A build writes only into a missing folder, an empty folder or a workspace; with
`force` also into another folder, where it adds and replaces only its own entries (OWNED) and never
touches anything else. A build holds `.<name>.lock` next to the folder, builds in a sibling
`.<name>.building-<pid>` and swaps it in only when complete.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from llmrec.errors import WorkspaceError

MARKER = ".llmrec-workspace"
MANIFEST = "manifest.json"
# Every top-level entry a build writes. Only these are ever replaced or deleted in a workspace.
OWNED = frozenset({MARKER, MANIFEST, "data", "text", "split", "models", "projection", "portraits",
                   "evaluation", "reasons", "finetune"})
_MARKER_TEXT = "llmrec workspace: `python -m llmrec build` replaces only its own entries here\n"


@dataclass(frozen=True)
class TargetState:
    """What a folder is, seen by a build: 'new', 'empty', 'workspace', 'foreign' or 'file'."""

    path: Path
    kind: str
    foreign: tuple[str, ...] = ()  # entries that are not llmrec's (a sample, sorted)

    def refusal(self, force: bool = False) -> str | None:
        """One line saying why a build may not write here, or None when it may."""
        if self.kind == "file":
            return f"{self.path} is a file, not a folder; choose another workspace folder"
        clashes = [name for name in self.foreign if name.rstrip("/") in OWNED]
        if self.kind == "foreign" and force and clashes:
            return (f"{self.path} is not an llmrec workspace but already holds {', '.join(clashes)}, "
                    "which a build would replace; choose another folder")
        if self.kind == "foreign" and not force:
            shown = ", ".join(self.foreign[:3]) + (", …" if len(self.foreign) > 3 else "")
            return (f"{self.path} is not empty and not an llmrec workspace (it holds {shown}); "
                    "choose a new or empty folder, or pass --force to add the workspace next to them "
                    "(they stay untouched)")
        return None

    def describe(self) -> str:
        """A short plain-text line for a screen or a log."""
        return {"new": "a new folder: it will be created",
                "empty": "an empty folder: the workspace will be written into it",
                "workspace": "an existing workspace: it will be rebuilt, unchanged stages reused",
                "foreign": "a folder with other files: refused unless forced (they stay untouched)",
                "file": "a file, not a folder: refused"}[self.kind]


def inspect_target(target: Path | str) -> TargetState:
    """Classify `target` without writing anything."""
    path = Path(target).expanduser().resolve()
    if not path.exists():
        return TargetState(path, "new")
    if not path.is_dir():
        return TargetState(path, "file")
    names = sorted(entry.name + ("/" if entry.is_dir() else "") for entry in path.iterdir())
    if not names:
        return TargetState(path, "empty")
    if is_workspace(path):
        return TargetState(path, "workspace")
    return TargetState(path, "foreign", tuple(names))


def is_workspace(path: Path) -> bool:
    """True for a folder llmrec built: the marker, or a manifest of an older build."""
    if (path / MARKER).is_file():
        return True
    try:
        return "layout_version" in json.loads((path / MANIFEST).read_text())
    except (OSError, ValueError, TypeError):
        return False


def check_target(target: Path | str, force: bool = False) -> TargetState:
    """Raise WorkspaceError, before anything is written, when a build may not write to `target`."""
    state = inspect_target(target)
    reason = state.refusal(force)
    if reason:
        raise WorkspaceError(reason)
    return state


def wait_for_swap(root: Path, attempts: int = 3) -> bool:
    """True once `root` holds a manifest; a build swapping it in is given a moment to finish."""
    root = Path(root).resolve()
    for _ in range(attempts):
        if (root / MANIFEST).is_file():
            return True
        if not any(root.parent.glob(f".{root.name}.building-*")):
            return False  # no build is running: the manifest is not about to appear
        time.sleep(0.05)
    return (root / MANIFEST).is_file()


# ---------------------------------------------------------------------------------------- locking


@contextmanager
def build_lock(target: Path, wait: bool = False) -> Iterator[None]:
    """Hold the workspace's build lock; a second build fails at once (or waits, with `wait`).

    The lock file `.<name>.lock` sits next to the workspace (the workspace itself is swapped) and
    names its holder; the kernel releases it when the holder exits, however it exits.
    """
    import fcntl  # POSIX only, like the signal handling of the command line

    target = Path(target).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    path = _sibling(target, "lock")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except OSError as error:
            if error.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            raise WorkspaceError(
                f"{target} is being built by another build ({_holder(path)}); "
                "try again once it has finished (the command line can wait: --wait)") from None
        holder = {"pid": os.getpid(), "host": socket.gethostname(),
                  "started": datetime.now(UTC).isoformat(timespec="seconds")}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(holder).encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


def _holder(lock: Path) -> str:
    try:
        info = json.loads(lock.read_text())
        return f"pid {info['pid']} on {info['host']}, started {info['started']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "holder unknown"


# ------------------------------------------------------------------------------- staging and swap


def _sibling(target: Path, suffix: str) -> Path:
    return target.parent / f".{target.name}.{suffix}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


def remove_stale(target: Path) -> list[Path]:
    """Remove staging and retired folders that builds of dead processes left next to `target`.

    Call it holding the build lock. If a build died between the two renames of its swap (the
    workspace missing, its retired copy present), the retired copy is put back instead.
    """
    target = Path(target).resolve()
    removed = []
    for kind in ("old", "building"):
        for path in sorted(target.parent.glob(f".{target.name}.{kind}-*")):
            pid = path.name.rsplit("-", 1)[1]
            if not pid.isdigit() or (int(pid) != os.getpid() and _pid_alive(int(pid))):
                continue
            if kind == "old" and not target.exists():
                path.rename(target)
                continue
            shutil.rmtree(path) if path.is_dir() else path.unlink()
            removed.append(path)
    return removed


@contextmanager
def atomic_folder(target: Path, force: bool = False, wait: bool = False) -> Iterator[Path]:
    """Yield a fresh staging folder next to `target`; on success its entries replace `target`'s.

    On any exception (Ctrl-C and SIGTERM included) the staging folder is deleted and `target` is
    untouched. A folder holding only llmrec entries is swapped whole (two renames); a folder that
    also holds other files keeps them: only llmrec's entries are replaced, the manifest last, so
    readers see either the old workspace, a moment with no manifest, or the new one.
    """
    target = Path(target).resolve()
    check_target(target, force)
    with build_lock(target, wait):
        remove_stale(target)
        check_target(target, force)  # again, now that no other build can change it
        staging = _sibling(target, f"building-{os.getpid()}")
        staging.mkdir()
        try:
            (staging / MARKER).write_text(_MARKER_TEXT)
            yield staging
            with _signals_deferred():  # decided now: files may have appeared during the build
                if not target.exists() or set(os.listdir(target)) <= OWNED:
                    _swap_folder(staging, target)
                else:
                    _swap_entries(staging, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def _swap_folder(staging: Path, target: Path) -> None:
    retired = _sibling(target, f"old-{os.getpid()}")
    if target.exists():
        target.rename(retired)
    staging.rename(target)
    shutil.rmtree(retired, ignore_errors=True)


def _swap_entries(staging: Path, target: Path) -> None:
    """Replace only llmrec's entries of a folder that also holds other files."""
    retired = _sibling(target, f"old-{os.getpid()}")
    retired.mkdir()
    order = [MANIFEST] + sorted(OWNED - {MANIFEST}) + [MANIFEST]  # manifest out first, in last
    for name in order[:-1]:
        if (target / name).exists() or (target / name).is_symlink():
            (target / name).rename(retired / name)
    for name in order[1:]:
        if (staging / name).exists():
            (staging / name).rename(target / name)
    shutil.rmtree(retired, ignore_errors=True)


@contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM back during the swap, so it is never left half done."""
    signals = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, signals)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


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
