"""Data: the canonical dataset, its loaders per source, ids, splits and the demo store."""

from llmrec.data.dataset import Dataset, LoadReport

__all__ = ["Dataset", "LoadReport"]
