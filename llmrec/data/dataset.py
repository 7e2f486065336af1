"""The canonical dataset every loader produces and every stage consumes."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from llmrec.errors import DataError

# Column name -> pandas dtype of the canonical tables. `categories` holds a list of strings
# (most general first); `category` is the one label used for grouping and colouring;
# `attributes` is a JSON object of str -> str; `timestamp` is unix seconds (or, for sources
# that only know order, the position in the user's history).
ITEM_COLUMNS: dict[str, str] = {
    "item_id": "string",
    "title": "string",
    "description": "string",
    "categories": "object",
    "category": "string",
    "brand": "string",
    "price": "float64",
    "attributes": "string",
}
USER_COLUMNS: dict[str, str] = {"user_id": "string"}
INTERACTION_COLUMNS: dict[str, str] = {
    "user_id": "string",
    "item_id": "string",
    "rating": "float64",
    "timestamp": "int64",
}
# Columns a table carries only when its source provides them. `given_split` is the split the
# data's authors gave each interaction ("train", "valid" or "test"), for benchmark layouts that
# ship one (UniSRec/RecBole `X.{train,valid,test}.inter`), so an evaluation can reuse it as is.
# `text_source` says where an item's text came from: "metadata", "reviews" or "id" (see
# llmrec/data/item_text.py); loaders that go through the shared cleaning set it.
OPTIONAL_COLUMNS: dict[str, dict[str, str]] = {"interactions": {"given_split": "string"},
                                               "items": {"text_source": "string"}}
REVIEW_COLUMNS: dict[str, str] = {
    "user_id": "string",
    "item_id": "string",
    "rating": "float64",
    "title": "string",
    "text": "string",
    "timestamp": "int64",
}
TABLES: dict[str, dict[str, str]] = {
    "items": ITEM_COLUMNS,
    "users": USER_COLUMNS,
    "interactions": INTERACTION_COLUMNS,
    "reviews": REVIEW_COLUMNS,
}


@dataclass
class LoadReport:
    """What a loader read, what it dropped and why; shown by the CLI and the dashboard."""

    source: str
    files: list[str] = field(default_factory=list)
    rows_read: dict[str, int] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)  # reason -> rows
    skipped_bad_lines: int = 0
    notes: list[str] = field(default_factory=list)
    completeness: dict[str, float] = field(default_factory=dict)  # item field -> share filled (0-1)
    text_sources: dict[str, int] = field(default_factory=dict)  # "metadata"/"reviews"/"id" -> items
    junk_titles: dict[str, int] = field(default_factory=dict)  # why unusable -> titles replaced by the id
    markup_removed: dict[str, int] = field(default_factory=dict)  # item field -> values cleaned of markup

    def drop(self, reason: str, count: int) -> None:
        if count:
            self.dropped[reason] = self.dropped.get(reason, 0) + int(count)

    def to_dict(self) -> dict:
        return {
            "source": self.source,
            "files": list(self.files),
            "rows_read": dict(self.rows_read),
            "dropped": dict(self.dropped),
            "skipped_bad_lines": self.skipped_bad_lines,
            "notes": list(self.notes),
            "completeness": dict(self.completeness),
            "text_sources": dict(self.text_sources),
            "junk_titles": dict(self.junk_titles),
            "markup_removed": dict(self.markup_removed),
        }

    @classmethod
    def from_dict(cls, data: dict) -> LoadReport:
        return cls(**data)

    def lines(self) -> list[str]:
        """Human-readable summary, one fact per line."""
        out = [f"source: {self.source}"]
        out += [f"read {n:,} {table}" for table, n in self.rows_read.items()]
        out += [f"dropped {n:,}: {reason}" for reason, n in self.dropped.items()]
        if self.skipped_bad_lines:
            out.append(f"skipped {self.skipped_bad_lines:,} malformed lines (--skip-bad-lines)")
        if self.completeness:
            filled = (f"{name} {share:.0%}" for name, share in self.completeness.items())
            out.append("items with " + ", ".join(filled))
        if self.text_sources:
            used = (f"{source} {n:,}" for source, n in self.text_sources.items())
            out.append("item text from " + ", ".join(used))
        out += self.notes
        return out


def empty_table(name: str) -> pd.DataFrame:
    """An empty canonical table with the right columns and dtypes."""
    return conform(pd.DataFrame(columns=list(TABLES[name])), name)


def conform(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """Return `frame` with exactly the canonical columns of table `name`, missing optional ones filled.

    Required columns (ids) must be present; everything else defaults to null / empty. Optional
    columns (OPTIONAL_COLUMNS) are kept when present and never added.
    """
    columns = dict(TABLES[name])
    columns.update({c: t for c, t in OPTIONAL_COLUMNS.get(name, {}).items() if c in frame.columns})
    out = pd.DataFrame(index=range(len(frame)))
    values = frame.reset_index(drop=True)
    for column, dtype in columns.items():
        if column in values.columns:
            series = values[column]
        elif column.endswith("_id"):
            raise DataError(f"table '{name}' has no column '{column}' (columns: {list(values.columns)})",
                            field=column)
        elif column == "categories":
            series = pd.Series([[] for _ in range(len(values))], dtype="object")
        elif column == "attributes":
            series = pd.Series(["{}"] * len(values))
        elif dtype == "int64":
            series = pd.Series(np.zeros(len(values), dtype="int64"))
        else:
            series = pd.Series([None] * len(values))
        if column == "categories":
            out[column] = series.map(_as_list).astype("object")
        elif dtype == "int64":
            out[column] = pd.to_numeric(series, errors="raise").fillna(0).astype("int64")
        elif dtype == "float64":
            out[column] = pd.to_numeric(series, errors="coerce").astype("float64")
        else:
            out[column] = series.astype("string")
    if name == "items":
        missing = out["category"].isna() | (out["category"] == "")
        out.loc[missing, "category"] = out.loc[missing, "categories"].map(
            lambda cats: cats[-1] if len(cats) else "Unknown")
        out["title"] = out["title"].fillna("")
        out["description"] = out["description"].fillna("")
        out["brand"] = out["brand"].fillna("")
        out["attributes"] = out["attributes"].fillna("{}")
    if name == "reviews":
        out["title"] = out["title"].fillna("")
        out["text"] = out["text"].fillna("")
    return out


def _as_list(value) -> list[str]:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    if isinstance(value, str):
        return [value] if value else []
    return [str(v) for v in value]


@dataclass
class Dataset:
    """Items, users, interactions and reviews in canonical form (see the *_COLUMNS dicts).

    Every item referenced by an interaction or review is in `items`; every user in `users`.
    """

    name: str
    items: pd.DataFrame
    users: pd.DataFrame
    interactions: pd.DataFrame
    reviews: pd.DataFrame
    report: LoadReport
    ground_truth: dict | None = None  # planted structure, only for generated data

    @classmethod
    def from_frames(
        cls,
        name: str,
        *,
        interactions: pd.DataFrame,
        items: pd.DataFrame | None = None,
        users: pd.DataFrame | None = None,
        reviews: pd.DataFrame | None = None,
        report: LoadReport | None = None,
        ground_truth: dict | None = None,
    ) -> Dataset:
        """Build a consistent dataset: conform tables and add stub rows for ids seen only in events."""
        report = report or LoadReport(source=name)
        interactions = conform(interactions, "interactions")
        reviews = conform(reviews, "reviews") if reviews is not None else empty_table("reviews")
        items = conform(items, "items") if items is not None else empty_table("items")
        items = items.drop_duplicates("item_id", keep="first")
        seen_items = pd.Index(interactions["item_id"]).union(pd.Index(reviews["item_id"])).unique()
        missing_items = seen_items.difference(pd.Index(items["item_id"]))
        if len(missing_items):
            stub = conform(pd.DataFrame({"item_id": missing_items, "title": missing_items}), "items")
            items = pd.concat([items, stub], ignore_index=True)
            if len(missing_items) < len(seen_items):
                report.notes.append(f"{len(missing_items):,} items had no metadata; titled by id")
        user_ids = pd.Index(interactions["user_id"]).union(pd.Index(reviews["user_id"])).unique()
        if users is not None:
            user_ids = pd.Index(conform(users, "users")["user_id"]).union(user_ids).unique()
        users = pd.DataFrame({"user_id": pd.Series(user_ids.sort_values(), dtype="string")})
        return cls(name=name, items=items.reset_index(drop=True), users=users,
                   interactions=interactions, reviews=reviews, report=report,
                   ground_truth=ground_truth)

    @property
    def n_users(self) -> int:
        return len(self.users)

    @property
    def n_items(self) -> int:
        return len(self.items)

    def fingerprint(self) -> str:
        """A content hash of all tables: equal data, equal fingerprint (used to reuse stages)."""
        digest = hashlib.sha256()
        for name in TABLES:
            frame = getattr(self, name)
            hashed = pd.util.hash_pandas_object(frame.astype(str), index=False).to_numpy()
            digest.update(name.encode())
            digest.update(hashed.tobytes())
        return digest.hexdigest()[:16]

    def save(self, folder: Path) -> None:
        """Write the four tables as Parquet plus the load report (and ground truth) as JSON."""
        folder.mkdir(parents=True, exist_ok=True)
        for name in TABLES:
            getattr(self, name).to_parquet(folder / f"{name}.parquet", index=False)
        meta = {"name": self.name, "report": self.report.to_dict(), "ground_truth": self.ground_truth}
        (folder / "dataset.json").write_text(json.dumps(meta, indent=2, default=_json_default))

    @classmethod
    def load(cls, folder: Path) -> Dataset:
        meta = json.loads((folder / "dataset.json").read_text())
        tables = {}
        for name in TABLES:
            frame = pd.read_parquet(folder / f"{name}.parquet")
            if "categories" in frame:
                frame["categories"] = frame["categories"].map(_as_list)
            tables[name] = conform(frame, name)
        return cls(name=meta["name"], report=LoadReport.from_dict(meta["report"]),
                   ground_truth=meta.get("ground_truth"), **tables)


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
