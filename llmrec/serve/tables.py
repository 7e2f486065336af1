"""Which columns a table of items shows when the data lacks fields: none that are empty in every row,
and the item id wherever titles are missing or repeat (otherwise rows could not be told apart)."""

from __future__ import annotations

import pandas as pd

# Columns worth showing only when some row has a value (a metadata-less shop has none of them).
OPTIONAL = ("category", "brand", "price", "price_band", "rating", "mean_rating", "review", "top_category")


def _has_values(column: pd.Series) -> bool:
    values = column.dropna()
    if values.dtype == object or pd.api.types.is_string_dtype(values):
        values = values.astype(str).str.strip()
        values = values[~values.isin(["", "unknown"])]
    return len(values) > 0


def item_columns(frame: pd.DataFrame, wanted: list[str]) -> list[str]:
    """The columns of `wanted` to show for these rows of items.

    Optional facts (OPTIONAL) that no row has are left out. When every title is only the item's id
    the title column gives way to `item_id`; when some titles are ids or two rows share a title,
    `item_id` is shown before the title.
    """
    columns = [c for c in wanted if c in frame and (c not in OPTIONAL or _has_values(frame[c]))]
    if "title" not in columns or "item_id" not in frame:
        return columns
    titles = frame["title"].fillna("").astype(str)
    by_id = (titles == frame["item_id"].astype(str)) | (titles.str.strip() == "")
    at = columns.index("title")
    if len(frame) and by_id.all():  # no titles at all: the id alone, once
        columns[at] = "item_id"
        return list(dict.fromkeys(columns))
    if (by_id.any() or titles.duplicated().any()) and "item_id" not in columns:
        columns.insert(at, "item_id")
    return columns


def shown_items(frame: pd.DataFrame, wanted: list[str]) -> pd.DataFrame:
    """`frame` cut to item_columns(frame, wanted), as a new frame; beside the id column, a title that
    is only the id (the loader's stand-in for a missing one) is left blank rather than said twice."""
    shown = frame[item_columns(frame, wanted)].copy()
    if "title" in shown and "item_id" in shown:
        shown["title"] = shown["title"].where(shown["title"].astype(str) != shown["item_id"].astype(str), "")
    return shown
