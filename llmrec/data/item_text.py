"""Item text fit to embed: junk titles found, a fallback chain per item, field completeness measured.

Real catalogues have items whose title is markup, an id, empty, or one title shared by many
items. Such titles carry nothing an encoder can use. Each item's text then comes from the first
link of a chain that has something: its metadata (title, description, categories, brand); else
its reviews (summaries and first sentences, capped); else only its id. The link used is kept in
the items column `text_source` ("metadata", "reviews" or "id") for a data-quality card.
"""

from __future__ import annotations

import re

import pandas as pd

from llmrec.data.dataset import LoadReport

TEXT_SOURCES = ("metadata", "reviews", "id")
REVIEWS_PER_ITEM = 5
REVIEW_SENTENCE_CHARS = 200
REVIEW_TEXT_CHARS = 600
# A title shared by at least this many items, and by this share of the catalogue, is a placeholder.
REPEATED_TITLE_MIN_ITEMS = 5
REPEATED_TITLE_SHARE = 0.005

_ASIN = re.compile(r"[A-Z0-9]{10}")
_MARKUP_LEFT = re.compile(r"[{}]|^[\W_]+$|\b(?:margin|padding|font-size|display)\s*:")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")
_COMPLETENESS_FIELDS = ("title", "description", "categories", "brand", "price")


def junk_titles(items: pd.DataFrame) -> pd.Series:
    """Why each title is unusable ("empty", "markup", "id", "repeated") or "" when it is fine."""
    titles = items["title"].fillna("").astype(str).str.strip()
    ids = items["item_id"].astype(str)
    reason = pd.Series("", index=items.index, dtype="object")
    counts = titles.map(titles.value_counts())
    repeated = (counts >= max(REPEATED_TITLE_MIN_ITEMS, REPEATED_TITLE_SHARE * len(items))) & (titles != "")
    reason[repeated] = "repeated"
    is_id = (titles == ids) | titles.map(lambda t: bool(_ASIN.fullmatch(t)) or t.isdigit())
    reason[is_id & (titles != "")] = "id"
    reason[titles.map(lambda t: bool(_MARKUP_LEFT.search(t)))] = "markup"
    reason[titles == ""] = "empty"
    return reason


def review_snippets(reviews: pd.DataFrame, wanted: set[str]) -> dict[str, str]:
    """Item id -> its first reviews' summaries and first sentences, capped, for items in `wanted`."""
    if reviews.empty or not wanted:
        return {}
    chosen = reviews.loc[reviews["item_id"].isin(wanted)]
    out: dict[str, str] = {}
    for item, group in chosen.groupby("item_id", sort=False):
        parts = []
        for title, text in zip(group["title"].head(REVIEWS_PER_ITEM), group["text"].head(REVIEWS_PER_ITEM),
                               strict=True):
            first = _SENTENCE_END.split(str(text or "").strip(), maxsplit=1)[0][:REVIEW_SENTENCE_CHARS]
            parts += [p for p in (str(title or "").strip(), first) if p]
        text = " ".join(parts)[:REVIEW_TEXT_CHARS].strip()
        if text:
            out[str(item)] = text
    return out


def fit_item_text(items: pd.DataFrame, reviews: pd.DataFrame, report: LoadReport) -> pd.DataFrame:
    """Items with junk titles replaced by the id, review text as description where metadata has none,
    and `text_source` naming the link of the chain each item's text came from.

    The report gets per-field completeness (share of items with the field, before any fallback),
    the junk titles found and how many items used each link.
    """
    items = items.copy()
    report.completeness = _completeness(items)
    junk = junk_titles(items)
    stub = items["title"].astype(str) == items["item_id"].astype(str)  # already titled by id, noted
    for why, count in junk[(junk != "") & ~stub].value_counts().items():
        report.junk_titles[str(why)] = int(count)
        report.notes.append(f"{count:,} item titles unusable ({why}); the id stands in as title")
    usable_title = junk == ""
    has_description = items["description"].fillna("").astype(str).str.strip() != ""
    from_metadata = usable_title | has_description
    snippets = review_snippets(reviews, set(items.loc[~from_metadata, "item_id"].astype(str)))
    from_reviews = ~from_metadata & items["item_id"].astype(str).isin(snippets)
    items.loc[~usable_title, "title"] = items.loc[~usable_title, "item_id"]
    items.loc[from_reviews, "description"] = items.loc[from_reviews, "item_id"].astype(str).map(snippets)
    source = pd.Series("id", index=items.index, dtype="object")
    source[from_reviews] = "reviews"
    source[from_metadata] = "metadata"
    items["text_source"] = source
    report.text_sources = {s: int((source == s).sum()) for s in TEXT_SOURCES}
    return items


def _completeness(items: pd.DataFrame) -> dict[str, float]:
    """Share of items (0-1) with a non-empty value in each text field and a price."""
    if items.empty:
        return {}
    filled = {
        "title": ~items["title"].fillna("").astype(str).str.strip().isin(["", *items["item_id"].astype(str)]),
        "description": items["description"].fillna("").astype(str).str.strip() != "",
        "categories": items["categories"].map(lambda c: len(c) > 0),
        "brand": items["brand"].fillna("").astype(str).str.strip() != "",
        "price": items["price"].notna(),
    }
    return {name: round(float(filled[name].mean()), 4) for name in _COMPLETENESS_FIELDS}
