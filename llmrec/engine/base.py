"""The Engine protocol, the in-process engine and the factory that picks one by name."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol, runtime_checkable

from llmrec.errors import ConfigError

ENGINES = ("local", "ray")


@runtime_checkable
class Engine(Protocol):
    """Maps a function over consecutive batches of a sequence, yielding results in input order."""

    name: str

    def map_batches(self, fn: Callable[[Sequence], Any], items: Sequence, batch_size: int
                    ) -> Iterator[Any]:
        """fn(items[i:i + batch_size]) for i = 0, batch_size, ...; in that order."""
        ...


def batches(items: Sequence, batch_size: int) -> list[Sequence]:
    """Consecutive slices of `items` of `batch_size` (the last one shorter)."""
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ConfigError(f"batch_size must be a positive integer; got {batch_size!r}")
    return [items[start:start + batch_size] for start in range(0, len(items), batch_size)]


class LocalEngine:
    """Plain in-process calls, one batch after another (lazily, so callers can save as they go)."""

    name = "local"

    def map_batches(self, fn: Callable[[Sequence], Any], items: Sequence, batch_size: int
                    ) -> Iterator[Any]:
        for batch in batches(items, batch_size):
            yield fn(batch)

    def __repr__(self) -> str:
        return "LocalEngine()"


def make_engine(name: str = "local", *, address: str | None = None, num_cpus: int | None = None
                ) -> Engine:
    """The engine called `name`; `address` (e.g. ray://host:10001) joins an existing Ray cluster."""
    if name == "local":
        if address is not None:
            raise ConfigError("--address only applies to --engine ray")
        return LocalEngine()
    if name == "ray":
        from llmrec.engine.ray_engine import RayEngine

        return RayEngine(address=address, num_cpus=num_cpus)
    raise ConfigError(f"unknown engine {name!r}; valid choices: {', '.join(ENGINES)}")
