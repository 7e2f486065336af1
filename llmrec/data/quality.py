"""The data-quality card of a dataset: which fields real data has, what cleaning found, what was embedded.

Computed once when a workspace is built (the load stage writes it beside the dataset) and shown by
`build` and the dashboard's Overview page, so a view can say "this catalogue has no categories"
instead of inventing one.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from llmrec.data.dataset import Dataset

FILE = "quality.json"
# Category values that stand for "none": what canonical tables hold when a shop has no categories.
MISSING_CATEGORIES = frozenset({"", "Unknown"})
# Timestamps below this are positions in a user's history (0, 1, 2, ...), not unix seconds (1970-04).
DATED_FROM = 10_000_000
TEXT_SOURCE_LABELS = {"metadata": "the item's own metadata (title, text, categories, brand: those it has)",
                      "reviews": "review summaries and first sentences", "id": "only the item id"}


@dataclass(frozen=True)
class DataQuality:
    """Counts of what the data holds, per field, and what cleaning changed."""

    n_items: int
    n_events: int
    items_with: dict[str, int]
    """Item field -> items that have it: title (a usable one, not the id), text (a description of
    its own), categories, brand, price, reviews (at least one review with words)."""
    events_with: dict[str, int]
    """Interaction field -> interactions that have it: rating, timestamp (a date, not a position),
    review (the user wrote words about that item)."""
    junk_titles: dict[str, int] = field(default_factory=dict)
    """Why a title was unusable (markup, id, empty, repeated) -> titles replaced by the item id."""
    markup_removed: dict[str, int] = field(default_factory=dict)
    """Item field -> values from which markup or HTML entities were removed while loading."""
    text_sources: dict[str, int] = field(default_factory=dict)
    """Where each item's embedded text came from: metadata / reviews / id -> items."""

    @property
    def has_categories(self) -> bool:
        return self.items_with.get("categories", 0) > 0

    @property
    def has_ratings(self) -> bool:
        return self.events_with.get("rating", 0) > 0

    @property
    def dated(self) -> bool:
        """Whether times are dates; otherwise only the order of each user's history is known."""
        return self.events_with.get("timestamp", 0) > 0

    def rows(self) -> pd.DataFrame:
        """field, of ("items" / "interactions"), have, share: one row per field, for a table."""
        rows = [(name, "items", n, n / max(self.n_items, 1)) for name, n in self.items_with.items()]
        rows += [(name, "interactions", n, n / max(self.n_events, 1)) for name, n in self.events_with.items()]
        return pd.DataFrame(rows, columns=["field", "of", "have", "share"])

    def lines(self) -> list[str]:
        """The card as text, one fact per line (build output, load report)."""
        def shares(counts: dict[str, int], total: int) -> str:
            return ", ".join(f"{name} {n:,} ({n / max(total, 1):.0%})" for name, n in counts.items())

        return [f"items ({self.n_items:,}) with: {shares(self.items_with, self.n_items)}",
                f"interactions ({self.n_events:,}) with: {shares(self.events_with, self.n_events)}",
                *self.notes()]

    def notes(self) -> list[str]:
        """What cleaning found and where the embedded text came from, one fact per line."""
        out = []
        if not self.dated:
            out.append("times are positions in each user's history (order only, no dates)")
        junk = sum(self.junk_titles.values())
        if junk:
            why = ", ".join(f"{reason} {n:,}" for reason, n in self.junk_titles.items())
            out.append(f"junk titles replaced by the item id: {junk:,} ({why})")
        if self.markup_removed:
            out.append("markup removed from: " + ", ".join(
                f"{name} {n:,}" for name, n in self.markup_removed.items()))
        out += [f"embedded text from {TEXT_SOURCE_LABELS.get(source, source)}: {n:,} items"
                for source, n in self.text_sources.items() if n]
        return out

    def save(self, folder: Path) -> None:
        (folder / FILE).write_text(json.dumps(asdict(self), indent=2))

    @classmethod
    def load(cls, folder: Path) -> DataQuality:
        return cls(**json.loads((folder / FILE).read_text()))


def data_quality(dataset: Dataset) -> DataQuality:
    """Count, per field, the items and interactions of `dataset` that have it."""
    items, events, reviews = dataset.items, dataset.interactions, dataset.reviews
    ids = items["item_id"].astype(str)

    def filled(column: str) -> pd.Series:
        return items[column].fillna("").astype(str).str.strip() != ""

    titled = filled("title") & (items["title"].astype(str) != ids)
    # A description the loader filled from reviews (the text fallback) is not the item's own text.
    from_reviews = items["text_source"] == "reviews" if "text_source" in items else False
    words = reviews["title"].fillna("") + reviews["text"].fillna("")
    written = reviews[words.str.strip() != ""]
    reviewed_items = ids.isin(set(written["item_id"].astype(str)))
    pairs = set(zip(written["user_id"].astype(str), written["item_id"].astype(str), strict=True))
    reviewed_events = [(u, i) in pairs for u, i in zip(events["user_id"].astype(str),
                                                       events["item_id"].astype(str), strict=True)]
    items_with = {
        "title": int(titled.sum()),
        "text": int((filled("description") & ~from_reviews).sum()),
        "categories": int(items["categories"].map(
            lambda cats: any(str(c) not in MISSING_CATEGORIES for c in cats)).sum()),
        "brand": int(filled("brand").sum()),
        "price": int((items["price"] > 0).sum()),
        "reviews": int(reviewed_items.sum()),
    }
    events_with = {
        "rating": int(events["rating"].notna().sum()),
        "timestamp": int((events["timestamp"] > DATED_FROM).sum()),
        "review": int(sum(reviewed_events)),
    }
    report = dataset.report
    sources = dict(report.text_sources)
    if not sources and "text_source" in items:
        sources = {str(k): int(v) for k, v in items["text_source"].value_counts().items()}
    return DataQuality(n_items=len(items), n_events=len(events), items_with=items_with,
                       events_with=events_with, junk_titles=dict(report.junk_titles),
                       markup_removed=dict(report.markup_removed), text_sources=sources)
