"""Loaders per data source and the registry that picks one by name (`load_source("movielens", ...)`)."""

from __future__ import annotations

import inspect
from collections.abc import Callable

from llmrec.data.dataset import Dataset
from llmrec.data.sources.amazon2018 import load_amazon2018
from llmrec.data.sources.amazon2023 import load_amazon2023
from llmrec.data.sources.movielens import load_movielens
from llmrec.data.sources.recbole import load_recbole
from llmrec.data.sources.sequences import load_sequences
from llmrec.data.sources.tabular import load_csv
from llmrec.errors import ConfigError

SourceLoader = Callable[..., Dataset]

# Name -> loader. Every loader takes keyword options only and accepts at least
# skip_bad_lines, kcore and max_rows.
SOURCES: dict[str, SourceLoader] = {
    "amazon2023": load_amazon2023,
    "amazon2018": load_amazon2018,
    "movielens": load_movielens,
    "recbole": load_recbole,
    "sequences": load_sequences,
    "csv": load_csv,
}


DEMO = "demo"  # the generated demo store: built by the pipeline, not read by a loader


def source_names() -> tuple[str, ...]:
    """Every source a build accepts (the CLI's --source choices, the dashboard's list): the demo first."""
    return (DEMO, *SOURCES)


def register_source(name: str, loader: SourceLoader, *, replace: bool = False) -> None:
    """Make `loader` available as `load_source(name, ...)` (e.g. the demo generator)."""
    if not name or not isinstance(name, str):
        raise ConfigError(f"a source name must be a non-empty string, got {name!r}")
    if name in SOURCES and SOURCES[name] is not loader and not replace:
        raise ConfigError(f"source '{name}' is already registered; pass replace=True to override it")
    SOURCES[name] = loader


def source_options(kind: str) -> dict[str, object]:
    """The options of source `kind` with their defaults (inspect.Parameter.empty when required)."""
    loader = _loader(kind)
    return {name: p.default for name, p in inspect.signature(loader).parameters.items()
            if p.kind is inspect.Parameter.KEYWORD_ONLY}


def load_source(kind: str, **options: object) -> Dataset:
    """Load a dataset with the loader registered as `kind`, passing `options` through."""
    loader = _loader(kind)
    parameters = inspect.signature(loader).parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    if not takes_any:
        unknown = sorted(set(options) - set(parameters))
        if unknown:
            raise ConfigError(f"source '{kind}' has no option {unknown[0]!r}; valid options: "
                              f"{', '.join(parameters)}")
        missing = [n for n, p in parameters.items()
                   if p.default is inspect.Parameter.empty and n not in options]
        if missing:
            raise ConfigError(f"source '{kind}' needs the option {missing[0]!r}; valid options: "
                              f"{', '.join(parameters)}")
    return loader(**options)


def _loader(kind: str) -> SourceLoader:
    try:
        return SOURCES[kind]
    except (KeyError, TypeError):
        raise ConfigError(f"unknown data source {kind!r}; expected one of {', '.join(SOURCES)}") from None


__all__ = ["DEMO", "SOURCES", "SourceLoader", "load_amazon2018", "load_amazon2023", "load_csv",
           "load_movielens", "load_recbole", "load_sequences", "load_source", "register_source",
           "source_names", "source_options"]
