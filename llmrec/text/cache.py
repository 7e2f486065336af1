"""On-disk embedding cache keyed by (encoder identity, sha1 of text), so only new texts are embedded."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from llmrec.engine import Engine, LocalEngine
from llmrec.errors import DataError

_HASH = np.dtype("S40")  # hex sha1, stored as fixed-width bytes so no pickle is ever needed


class Embedder(Protocol):
    """What `encode_cached` needs from an encoder (TextEncoder satisfies it)."""

    @property
    def identity(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def encode(
        self, texts: Sequence[str], *, progress: Callable[[int, int], None] | None = None
    ) -> np.ndarray: ...


def text_hash(text: str) -> str:
    """sha1 hex digest of the UTF-8 text: the per-text cache key."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Embeddings on disk, one sub-folder per encoder identity.

    Layout: `<folder>/<sha1(identity)[:16]>/identity.txt` plus shards written one per `put`:
    `shard-<n>.npy` (float32 vectors) and `shard-<n>.keys.npy` (their text hashes, written last, so a
    shard without keys is an interrupted write and is ignored). Files are written to a temporary name
    and renamed; arrays are read with pickle disabled. `compact()` merges shards into one.
    """

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)
        self._index: dict[str, dict[str, tuple[Path, int]]] = {}  # identity -> hash -> (shard, row)

    def lookup(self, identity: str, hashes: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(found mask (n,), float32 vectors (n, d)) for `hashes`; rows not found are zero."""
        index = self._load_index(identity)
        found = np.array([h in index for h in hashes], dtype=bool)
        if not found.any():
            return found, np.zeros((len(hashes), 0), dtype=np.float32)
        by_shard: dict[Path, list[tuple[int, int]]] = {}
        for position, key in enumerate(hashes):
            if key in index:
                shard, row = index[key]
                by_shard.setdefault(shard, []).append((position, row))
        vectors = None
        for shard, pairs in by_shard.items():
            data = np.load(shard, mmap_mode="r", allow_pickle=False)
            if vectors is None:
                vectors = np.zeros((len(hashes), data.shape[1]), dtype=np.float32)
            positions, rows = map(np.asarray, zip(*pairs, strict=True))
            vectors[positions] = data[rows]
        return found, vectors

    def put(self, identity: str, hashes: Sequence[str], vectors: np.ndarray) -> None:
        """Store `vectors` (n, d) under `hashes` as one new shard."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or len(vectors) != len(hashes):
            raise DataError(f"expected {len(hashes)} vectors of shape (n, d), got shape {vectors.shape}")
        if len(hashes) == 0:
            return
        folder = self._identity_folder(identity)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "identity.txt").write_text(identity + "\n", encoding="utf-8")
        number = 1 + max((int(p.name.split("-")[1].split(".")[0]) for p in folder.glob("shard-*.keys.npy")),
                         default=-1)
        shard = folder / f"shard-{number:06d}.npy"
        _save_atomic(shard, vectors)
        _save_atomic(folder / f"shard-{number:06d}.keys.npy", np.asarray(hashes, dtype=_HASH))
        index = self._load_index(identity)
        for row, key in enumerate(hashes):
            index[key] = (shard, row)

    def count(self, identity: str) -> int:
        """Number of distinct texts cached for `identity`."""
        return len(self._load_index(identity))

    def compact(self, identity: str) -> None:
        """Rewrite the shards of `identity` as a single shard (latest vector per text wins)."""
        index = self._load_index(identity)
        old = sorted(self._identity_folder(identity).glob("shard-*.npy"))
        if len(old) <= 2:  # one vectors file + one keys file
            return
        hashes = list(index)
        _, vectors = self.lookup(identity, hashes)
        self.put(identity, hashes, vectors)
        keep = {p.name for p in self._identity_folder(identity).glob("shard-*.npy")} - {p.name for p in old}
        for path in old:
            if path.name not in keep:
                path.unlink()
        self._index.pop(identity, None)

    def _identity_folder(self, identity: str) -> Path:
        return self.folder / hashlib.sha1(identity.encode("utf-8")).hexdigest()[:16]

    def _load_index(self, identity: str) -> dict[str, tuple[Path, int]]:
        if identity not in self._index:
            index: dict[str, tuple[Path, int]] = {}
            for keys_path in sorted(self._identity_folder(identity).glob("shard-*.keys.npy")):
                shard = keys_path.with_name(keys_path.name.replace(".keys.npy", ".npy"))
                if not shard.exists():
                    continue
                keys = np.load(keys_path, allow_pickle=False)
                for row, key in enumerate(keys.astype(str)):
                    index[key] = (shard, row)  # later shards win
            self._index[identity] = index
        return self._index[identity]


# Texts embedded between two cache writes: large enough for length-sorted batching to pay off.
CHUNK = 4096


def encode_cached(
    encoder: Embedder,
    texts: Sequence[str],
    cache: EmbeddingCache,
    progress: Callable[[int, int], None] | None = None,
    engine: Engine | None = None,
) -> np.ndarray:
    """Embeddings of `texts` (float32 (n, d)), embedding only texts not yet in `cache`.

    Identical texts are embedded once. `progress(done, total)` counts the texts actually embedded.
    `engine` (default: this process) runs the chunks, e.g. on Ray actors that each load the encoder
    once; the vectors are the same either way.
    """
    from llmrec.text.head import HeadEncoder

    if isinstance(encoder, HeadEncoder):
        # The frozen vectors are cached under the base model's identity; the head is cheap to reapply.
        return encoder.project(encode_cached(encoder.base, texts, cache, progress, engine))
    if isinstance(texts, str | bytes):
        raise DataError("encode_cached() expects a sequence of texts, got a single string")
    texts = list(texts)
    for position, text in enumerate(texts):
        if not isinstance(text, str):
            raise DataError(f"text {position} must be a string, got {type(text).__name__} ({text!r})")
    hashes = [text_hash(t) for t in texts]
    identity = encoder.identity
    found, cached = cache.lookup(identity, hashes)
    out = np.zeros((len(texts), encoder.dim), dtype=np.float32)
    if found.any():
        out[found] = cached[found]
    missing: dict[str, int] = {}  # hash -> first position needing it
    for position in np.flatnonzero(~found):
        missing.setdefault(hashes[position], int(position))
    if missing:
        # Longest first across the whole corpus (characters as a cheap proxy for tokens), so every
        # chunk, and every length-sorted batch inside it, pads to similar lengths.
        keys = sorted(missing, key=lambda h: -len(texts[missing[h]]))
        new_texts = [texts[missing[h]] for h in keys]
        engine = engine or LocalEngine()
        local = isinstance(engine, LocalEngine)
        fn = _LocalEncode(encoder, progress, len(new_texts)) if local else encoder.encode
        chunks, start = [], 0
        # Saved chunk by chunk, so an interrupted build keeps what it embedded so far.
        for vectors in engine.map_batches(fn, new_texts, CHUNK):
            vectors = np.asarray(vectors, dtype=np.float32)
            cache.put(identity, keys[start:start + len(vectors)], vectors)
            chunks.append(vectors)
            start += len(vectors)
            if progress is not None and not local:  # local chunks report every batch
                progress(start, len(new_texts))
        vectors = np.concatenate(chunks)
        row_of = {key: row for row, key in enumerate(keys)}
        rows = [row_of[hashes[p]] for p in np.flatnonzero(~found)]
        out[~found] = vectors[rows]
    return out


class _LocalEncode:
    """In-process chunk encoder that forwards per-batch progress (offset by the chunks done)."""

    def __init__(self, encoder: Embedder, progress: Callable[[int, int], None] | None, total: int) -> None:
        self.encoder, self.progress, self.total, self.done = encoder, progress, total, 0

    def __call__(self, chunk: Sequence[str]) -> np.ndarray:
        def report(done: int, _n: int) -> None:
            if self.progress is not None:
                self.progress(self.done + done, self.total)

        vectors = self.encoder.encode(chunk, progress=report)
        self.done += len(chunk)
        return vectors


def _save_atomic(path: Path, array: np.ndarray) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".npy")
    try:
        with os.fdopen(handle, "wb") as stream:
            np.save(stream, array, allow_pickle=False)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
