"""The generated-text cache: one Parquet table in the workspace, keyed by generator, prompt and evidence.

    <workspace>/reasons/cache.parquet   key, generator, prompt_version, task, user_id, item_id, text,
                                        source, fallback_reason, raw_text, created

A key is sha256(generator identity, prompt version, evidence fingerprint): new facts, a new
prompt or another model all miss. New rows are held in memory and written by `flush()` (an atomic
rewrite of the table), so many generations cost one write. Several processes may share the file (the
dashboard and `python -m llmrec explain`): `refresh()` takes in their rows, and `flush()` refreshes
first so it never drops them. No pickle.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa

from llmrec.errors import WorkspaceError
from llmrec.reasons.facts import Evidence

COLUMNS = ("key", "generator", "prompt_version", "task", "user_id", "item_id", "text", "source",
           "fallback_reason", "raw_text", "created")


def cache_key(generator_identity: str, prompt_version: str, evidence: Evidence) -> str:
    text = f"{generator_identity}\n{prompt_version}\n{evidence.fingerprint()}"
    return hashlib.sha256(text.encode()).hexdigest()


class ReasonCache:
    """Generated texts by key; `path` is the Parquet file (created on the first flush)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._rows: dict[str, dict] = {}
        self._pending: set[str] = set()  # keys put since the last flush
        self._seen: tuple[int, int] | None = None  # the file's (mtime, size) when last read or written
        self.refresh()

    @classmethod
    def for_workspace(cls, root: Path | str) -> ReasonCache:
        return cls(Path(root) / "reasons" / "cache.parquet")

    def __len__(self) -> int:
        return len(self._rows)

    def get(self, key: str) -> dict | None:
        return self._rows.get(key)

    def put(self, key: str, row: dict) -> None:
        """Remember `row` (fields of COLUMNS; missing ones null) under `key` until the next flush."""
        record = {c: row.get(c) for c in COLUMNS}
        record["key"] = key
        record["created"] = int(record["created"] or time.time())
        self._rows[key] = record
        self._pending.add(key)

    def refresh(self) -> None:
        """Take in rows written to the file by someone else since this cache last read or wrote it
        (a stat when nothing changed); rows put here and not yet flushed win."""
        signature = self._signature()
        if signature is None or signature == self._seen:
            return
        try:
            frame = pd.read_parquet(self.path)
        except (OSError, ValueError, pa.ArrowException) as error:
            raise WorkspaceError(f"{self.path} is damaged ({type(error).__name__}); delete it (the texts "
                                 "are generated again) or rebuild the workspace") from None
        pending = {key: self._rows[key] for key in self._pending}
        for row in frame.to_dict("records"):
            self._rows[row["key"]] = {c: _plain(row.get(c)) for c in COLUMNS}
        self._rows.update(pending)
        self._seen = signature

    def flush(self) -> None:
        """Write every row (if any changed) to the Parquet file atomically."""
        if not self._pending:
            return
        self.refresh()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        frame = pd.DataFrame(list(self._rows.values()), columns=list(COLUMNS))
        for column in COLUMNS:
            frame[column] = frame[column].astype("int64" if column == "created" else "string")
        tmp = self.path.with_suffix(".parquet.tmp")
        frame.to_parquet(tmp, index=False)
        tmp.replace(self.path)
        self._pending.clear()
        self._seen = self._signature()

    def _signature(self) -> tuple[int, int] | None:
        try:
            stat = self.path.stat()
        except OSError:
            return None
        return stat.st_mtime_ns, stat.st_size


def _plain(value):
    return None if value is None or value is pd.NA or (isinstance(value, float) and value != value) else value
