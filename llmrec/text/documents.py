"""The text an encoder reads for an item or a review, built from canonical table rows."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from llmrec.data import cleaning
from llmrec.errors import DataError

ITEM_TEXT_COLUMNS = ("title", "categories", "brand", "attributes", "description")
REVIEW_TEXT_COLUMNS = ("title", "text")
DESCRIPTION_CHARS = 2000  # far beyond what a 256-token encoder reads; keeps tokenising cheap

_SPACE = re.compile(r"\s+")
_END = (".", "!", "?", ":", ";")


def clean_text(value) -> str:
    """Plain text of a field: the importers' cleaner (entities decoded, then markup stripped until
    stable), '' for missing; one cleaner, so a document never keeps markup the loaders would drop."""
    if value is pd.NA:
        return ""
    return cleaning.clean_text(value)


def item_document(row: Mapping, *, max_description_chars: int = DESCRIPTION_CHARS) -> str:
    """One item as text: title, categories, brand, attributes (key: value), description, in that order.

    The title comes first so that truncation to the encoder's token limit keeps what matters most.
    Missing or empty parts are left out; `row` is a dict or a row of the canonical items table.
    """
    parts = [clean_text(row.get("title"))]
    categories = _categories(row.get("categories"))
    if categories:
        parts.append(" > ".join(categories))
    brand = clean_text(row.get("brand"))
    if brand:
        parts.append(f"Brand: {brand}")
    attributes = _attributes(row.get("attributes"), row.get("item_id"))
    if attributes:
        parts.append("; ".join(f"{key}: {value}" for key, value in attributes))
    parts.append(_shorten(clean_text(row.get("description")), max_description_chars))
    return _join(parts)


def item_documents(items: pd.DataFrame) -> list[str]:
    """`item_document` of every row of the items table, in row order."""
    _require(items, ITEM_TEXT_COLUMNS, "items")
    return [item_document(row) for row in items.to_dict("records")]


def review_documents(reviews: pd.DataFrame) -> list[str]:
    """Review title then review text, cleaned, one string per row in row order."""
    _require(reviews, REVIEW_TEXT_COLUMNS, "reviews")
    return [_join([clean_text(title), clean_text(text)])
            for title, text in zip(reviews["title"], reviews["text"], strict=True)]


def _join(parts: list[str]) -> str:
    """Join non-empty parts into sentences, adding '. ' unless a part already ends a sentence."""
    text = ""
    for part in parts:
        if not part:
            continue
        if text:
            text += " " if text.endswith(_END) else ". "
        text += part
    return text


def _categories(value) -> list[str]:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return []
    values = list(value) if isinstance(value, list | tuple | np.ndarray) else [value]
    seen: dict[str, None] = {}
    for entry in values:
        text = clean_text(entry)
        if text:
            seen.setdefault(text, None)
    return list(seen)


def _attributes(value, item_id) -> list[tuple[str, str]]:
    text = clean_text(value) if not isinstance(value, Mapping) else None
    if text == "":
        return []
    if isinstance(value, Mapping):
        parsed = value
    else:
        try:
            parsed = json.loads(str(value))
        except json.JSONDecodeError as error:
            raise DataError(f"item {item_id}: expected a JSON object, found {str(value)[:80]!r} ({error})",
                            field="attributes") from None
    if not isinstance(parsed, Mapping):
        raise DataError(f"item {item_id}: expected a JSON object, found {type(parsed).__name__}",
                        field="attributes")
    pairs = []
    for key, raw in parsed.items():
        shown = ", ".join(clean_text(v) for v in raw) if isinstance(raw, list) else clean_text(raw)
        if clean_text(key) and shown:
            pairs.append((clean_text(key), shown))
    return pairs


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit]
    return cut[: cut.rfind(" ")] if " " in cut else cut


def _require(frame: pd.DataFrame, columns: tuple[str, ...], table: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(f"{table} table lacks column(s) {', '.join(missing)}; "
                        f"found {', '.join(map(str, frame.columns))}", field=missing[0])
