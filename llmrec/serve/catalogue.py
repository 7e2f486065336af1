"""The catalogue and dataset overview: sizes, distributions, category mix, long tail, product facts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from llmrec.data.quality import DataQuality
from llmrec.pipeline.artifacts import Workspace
from llmrec.portraits.build import BANDS
from llmrec.serve.index import WorkspaceIndex

PRICE_BANDS = (*BANDS, "unknown")
NO_CATEGORY = "(no category)"  # items of a partly categorised catalogue that have none


def dataset_card(index: WorkspaceIndex) -> dict:
    """Headline numbers of the dataset: sizes, sparsity, time span, source."""
    ws = index.ws
    data = ws.dataset
    n_users, n_items, n_inter = data.n_users, data.n_items, len(data.interactions)
    ts = data.interactions["timestamp"]
    dated = ts[ts > 10_000_000]  # positions-only sources carry small integers, not dates
    return {
        "name": data.name,
        "source": ws.manifest.get("source", data.report.source),
        "users": n_users,
        "items": n_items,
        "interactions": n_inter,
        "reviews": len(data.reviews),
        "categories": int(index.items["category"].replace("", pd.NA).nunique()),
        "brands": int(data.items["brand"].replace("", pd.NA).nunique()),
        "density": n_inter / max(1, n_users * n_items),
        "sparsity": 1.0 - n_inter / max(1, n_users * n_items),
        "mean_per_user": n_inter / max(1, n_users),
        "first": pd.to_datetime(int(dated.min()), unit="s") if len(dated) else None,
        "last": pd.to_datetime(int(dated.max()), unit="s") if len(dated) else None,
        "created": ws.manifest.get("created"),
        "models": list(index.model_names),
    }


def interactions_per_user(index: WorkspaceIndex) -> pd.DataFrame:
    """user_id, interactions: how active each user is."""
    counts = index.ws.dataset.interactions["user_id"].value_counts()
    return pd.DataFrame({"user_id": counts.index.astype(str), "interactions": counts.to_numpy()})


def rating_distribution(index: WorkspaceIndex) -> pd.DataFrame:
    """rating, count over all interactions that carry a rating."""
    ratings = index.ws.dataset.interactions["rating"].dropna()
    counts = ratings.round(1).value_counts().sort_index()
    return pd.DataFrame({"rating": counts.index.to_numpy(), "count": counts.to_numpy()})


def has_categories(index: WorkspaceIndex) -> bool:
    """Whether any item has a category (many real catalogues have none)."""
    return bool((index.items["category"] != "").any())


def category_mix(index: WorkspaceIndex, top: int = 15) -> pd.DataFrame:
    """category, items, interactions (the `top` busiest categories, the rest as 'Other'); items
    without one as NO_CATEGORY; empty when the catalogue has no categories at all."""
    if not has_categories(index):
        return pd.DataFrame(columns=["category", "items", "interactions"])
    labelled = index.items.assign(category=index.items["category"].replace("", NO_CATEGORY))
    mix = labelled.groupby("category", observed=True).agg(
        items=("item_id", "size"), interactions=("popularity", "sum")).sort_values(
        "interactions", ascending=False)
    if len(mix) > top:
        rest = mix.iloc[top:].sum()
        mix = pd.concat([mix.iloc[:top], pd.DataFrame([rest], index=["Other"])])
    return mix.rename_axis("category").reset_index()


def long_tail(index: WorkspaceIndex, points: int = 200) -> pd.DataFrame:
    """item_share, interaction_share: cumulative share of interactions held by the top items."""
    pop = np.sort(index.items["popularity"].to_numpy())[::-1]
    cum = np.concatenate([[0.0], np.cumsum(pop) / max(1, pop.sum())])
    share = np.linspace(0, 1, len(cum))
    idx = np.unique(np.linspace(0, len(cum) - 1, min(points, len(cum))).round().astype(int))
    return pd.DataFrame({"item_share": share[idx], "interaction_share": cum[idx]})


def head_share(index: WorkspaceIndex, top_fraction: float = 0.2) -> float:
    """Share of interactions that go to the most popular `top_fraction` of items."""
    pop = np.sort(index.items["popularity"].to_numpy())[::-1]
    n = max(1, int(round(len(pop) * top_fraction)))
    return float(pop[:n].sum() / max(1, pop.sum()))


def top_products(index: WorkspaceIndex, n: int = 10) -> pd.DataFrame:
    """The n most interacted-with products with their mean rating."""
    mean_rating = index.ws.dataset.interactions.groupby("item_id")["rating"].mean()
    top = index.items.nlargest(n, "popularity")
    out = top[["item_id", "title", "category", "brand", "price", "popularity"]].reset_index(drop=True)
    out["mean_rating"] = out["item_id"].map(mean_rating).astype("float64").round(2)
    return out


def data_quality(index: WorkspaceIndex) -> DataQuality:
    """The build's data-quality card: which fields the data has, junk and markup found, text sources."""
    return index.ws.data_quality


def load_report(index: WorkspaceIndex) -> list[str]:
    """The loader's report lines (what was read, dropped and why)."""
    return index.ws.dataset.report.lines()


def stage_timings(index: WorkspaceIndex) -> pd.DataFrame:
    """stage, seconds of the build that wrote the workspace."""
    timings = index.ws.manifest.get("timings", {}) or {}
    return pd.DataFrame({"stage": list(timings), "seconds": [float(v) for v in timings.values()]})


def item_price_bands(index: WorkspaceIndex) -> pd.Series:
    """budget / mid / premium / unknown per item (indexed by item_id): the portraits' bands."""
    return index.items["price_band"].copy()


def item_card(index: WorkspaceIndex, item_id: str) -> dict:
    """Facts about one product, including its price band."""
    item = index.items.iloc[index.check_item(item_id)]
    return {"item_id": str(item_id), "title": item["title"], "category": item["category"],
            "brand": item["brand"], "price": item["price"], "price_band": item["price_band"],
            "popularity": int(item["popularity"]), "description": item["description"]}


def search_items(index: WorkspaceIndex, text: str, limit: int = 50) -> pd.DataFrame:
    """item_id, title of products whose title or id contains `text` (most popular first)."""
    items = index.items
    if text:
        items = items[items["title"].str.contains(text, case=False, regex=False, na=False)
                      | items["item_id"].str.contains(text, case=False, regex=False, na=False)]
    return items.nlargest(limit, "popularity")[["item_id", "title"]].reset_index(drop=True)


def item_facts(index: WorkspaceIndex, rows: np.ndarray) -> pd.DataFrame:
    """item_id, title, category, brand, price, price_band of the items at `rows` (in that order)."""
    items = index.items.iloc[np.asarray(rows, dtype=np.int64)]
    return pd.DataFrame({column: items[column].to_numpy() for column in
                         ("item_id", "title", "category", "brand", "price", "price_band")}).astype(
        {"item_id": str})


def workspace_summary(root: Path | str) -> dict:
    """Manifest facts for a workspace folder without loading any table."""
    ws = Workspace(root)
    manifest = ws.manifest
    return {"root": str(ws.root), "source": manifest.get("source"), "created": manifest.get("created"),
            "counts": manifest.get("counts", {}), "models": manifest.get("models", [])}
