"""RayEngine: batches run on a pool of Ray actors, each holding one copy of the batch function.

Ray is an optional dependency (`pip install ray==2.60.0`). The function is shipped once per actor
(so an encoder loads once per worker, not once per batch) and batches are dispatched to whichever
actor is free; results come back in input order, so the workspace equals the local engine's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from llmrec.engine.base import batches
from llmrec.errors import ConfigError


def _ray():
    try:
        import ray
    except ImportError:
        raise ConfigError("--engine ray needs Ray: pip install ray==2.60.0") from None
    return ray


class RayEngine:
    """Map batches over `workers` Ray actors (default: one per CPU of the cluster).

    address: None starts (or reuses) a local Ray instance; "auto" or "ray://host:10001" joins a
    running cluster. num_cpus and temp_dir only apply when a local instance is started.
    """

    name = "ray"

    def __init__(self, address: str | None = None, *, num_cpus: int | None = None,
                 workers: int | None = None, temp_dir: Path | None = None) -> None:
        if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
            raise ConfigError(f"workers must be a positive integer or None; got {workers!r}")
        self.address = address
        self.num_cpus = num_cpus
        self.workers = workers
        self.temp_dir = temp_dir

    def _connect(self):
        ray = _ray()
        if not ray.is_initialized():
            options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                                       "ignore_reinit_error": True}
            if self.address is not None:
                options["address"] = self.address
            else:
                if self.num_cpus is not None:
                    options["num_cpus"] = self.num_cpus
                if self.temp_dir is not None:
                    options["_temp_dir"] = str(self.temp_dir)
            ray.init(**options)
        return ray

    def map_batches(self, fn: Callable[[Sequence], Any], items: Sequence, batch_size: int
                    ) -> Iterator[Any]:
        parts = batches(items, batch_size)
        if not parts:
            return
        ray = self._connect()
        from ray.util import ActorPool

        cpus = int(ray.cluster_resources().get("CPU", 1))
        n_workers = max(1, min(self.workers or cpus, len(parts)))
        worker = ray.remote(num_cpus=1)(_BatchWorker)
        shared = ray.put(fn)
        actors = [worker.remote(shared) for _ in range(n_workers)]
        try:
            yield from ActorPool(actors).map(lambda actor, part: actor.run.remote(part), parts)
        finally:
            for actor in actors:  # the function's state (an encoder, a model) is freed with them
                ray.kill(actor)

    def __repr__(self) -> str:
        return f"RayEngine(address={self.address!r})"


class _BatchWorker:
    """A Ray actor holding the batch function (and whatever state it loads on first use)."""

    def __init__(self, fn: Callable[[Sequence], Any]) -> None:
        self.fn = fn

    def run(self, batch: Sequence) -> Any:
        return self.fn(batch)
