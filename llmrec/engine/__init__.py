"""Where batch work runs: in this process (`LocalEngine`) or across a Ray cluster (`RayEngine`).

The build's heavy loops (embedding texts, scoring users for evaluation) are written once as a
function over one batch; an engine maps it over all batches and yields the results in input order.
"""

from __future__ import annotations

from llmrec.engine.base import ENGINES, Engine, LocalEngine, make_engine

__all__ = ["ENGINES", "Engine", "LocalEngine", "make_engine"]
