"""Per-user portrait data: what each user buys, at which price, how they rate and what they say."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from llmrec.data.dataset import Dataset
from llmrec.data.quality import MISSING_CATEGORIES
from llmrec.portraits.aspects import extract_aspects

BANDS = ("budget", "mid", "premium")
LIST_COLUMNS = ("top_categories", "top_brands", "praised", "criticised", "similar_users")


def price_bands(items: pd.DataFrame) -> pd.Series:
    """budget / mid / premium per item: the item's price tertile within its own category.

    Bands are relative to the category because a premium notebook costs less than a budget laptop.
    Items without a price (a zero price counts as none, or in a category with fewer than three
    prices) get <NA>. This is the one band rule: reasons' evidence and the dashboard use it too.
    """
    prices = pd.to_numeric(items["price"], errors="coerce").astype("float64")
    prices = prices.where(prices > 0)
    rank = prices.groupby(items["category"]).rank(pct=True)
    counts = prices.groupby(items["category"]).transform("count")
    band = pd.Series(pd.NA, index=items.index, dtype="string")
    known = rank.notna() & (counts >= 3)
    band[known] = np.select([rank[known] <= 1 / 3, rank[known] <= 2 / 3], ["budget", "mid"], "premium")
    return band


def review_aspects(reviews: pd.DataFrame) -> pd.DataFrame:
    """One row per (user_id, item_id, aspect, polarity) mention found in the reviews."""
    rows = []
    for user, item, text, title, rating in zip(
            reviews["user_id"], reviews["item_id"], reviews["text"], reviews["title"], reviews["rating"],
            strict=True):
        for mention in extract_aspects(f"{title}. {text}", rating):
            rows.append((user, item, mention.aspect, mention.polarity))
    return pd.DataFrame(rows, columns=["user_id", "item_id", "aspect", "polarity"])


def user_aspects(mentions: pd.DataFrame) -> pd.DataFrame:
    """user_id, aspect, mentions, praises, criticisms."""
    if mentions.empty:
        return pd.DataFrame(columns=["user_id", "aspect", "mentions", "praises", "criticisms"])
    grouped = mentions.assign(praise=mentions["polarity"] > 0, critic=mentions["polarity"] < 0)
    out = grouped.groupby(["user_id", "aspect"], observed=True).agg(
        mentions=("polarity", "size"), praises=("praise", "sum"), criticisms=("critic", "sum"))
    return out.reset_index().astype({"mentions": "int64", "praises": "int64", "criticisms": "int64"})


def _top_values(frame: pd.DataFrame, column: str, n: int) -> pd.Series:
    """The n most frequent values of `column` per user, most frequent first (ties by name)."""
    counts = frame.groupby(["user_id", column], observed=True).size().rename("n").reset_index()
    counts = counts[~counts[column].astype(str).isin(MISSING_CATEGORIES)]  # no "Unknown" favourite
    counts = counts.sort_values(["user_id", "n", column], ascending=[True, False, True])
    # Cut to n per user before grouping, and build the lists without a Python call per user.
    top = counts[counts.groupby("user_id", observed=True).cumcount() < n]
    return top[column].astype(str).groupby(top["user_id"], observed=True).agg(list)


def _similar_users(user_emb: np.ndarray, user_ids: np.ndarray, k: int = 5,
                   block: int = 1024) -> list[list[str]]:
    """The k nearest users by text-profile cosine, best first (blockwise, so memory stays O(block * n)).

    A partial top-k per block keeps only (block, k) indices: at 60k users np.argpartition's full int64
    index array and a negated copy of the block made ~1.9 GB per 2,048-row block. (torch.topk rather
    than llmrec.models.ranking, so that portraits stay independent of the models' code.)
    """
    out: list[list[str]] = []
    emb = torch.from_numpy(np.ascontiguousarray(user_emb, dtype=np.float32))   # (n_users, d)
    k = min(k, len(emb) - 1)
    if k <= 0:
        return [[] for _ in range(len(emb))]
    with torch.no_grad():
        for start in range(0, len(emb), block):
            sims = emb[start:start + block] @ emb.T  # (block, n_users)
            rows = torch.arange(sims.shape[0])
            sims[rows, start + rows] = -torch.inf  # not oneself
            best = torch.topk(sims, k, dim=1).indices.numpy()  # (block, k), best first
            out.extend([list(user_ids[row]) for row in best])
    return out


def build_portraits(dataset: Dataset, user_emb: np.ndarray, item_clusters: pd.DataFrame | None = None
                    ) -> dict[str, pd.DataFrame]:
    """Portrait tables: 'users' (one row per user), 'aspects' and 'interests' (long form).

    `user_emb` rows follow `dataset.users`; `item_clusters` (item_id, cluster, cluster_label)
    gives each user's interest mix.
    """
    items = dataset.items.assign(price_band=price_bands(dataset.items))
    events = dataset.interactions.merge(
        items[["item_id", "category", "brand", "price", "price_band"]], on="item_id", how="left")
    users = dataset.users[["user_id"]].copy()
    user_index = pd.Index(users["user_id"])
    per_user = events.groupby("user_id", observed=True)
    stats = pd.DataFrame({
        "n_interactions": per_user.size(),
        "first_ts": per_user["timestamp"].min(),
        "last_ts": per_user["timestamp"].max(),
        "mean_price": per_user["price"].mean(),
        "mean_rating": per_user["rating"].mean(),
        "rating_std": per_user["rating"].std(ddof=0),
    })
    stats["top_categories"] = _top_values(events, "category", 3)
    stats["top_brands"] = _top_values(events, "brand", 3)
    stats["price_band"] = _top_values(events.dropna(subset=["price_band"]), "price_band", 1).map(
        lambda v: v[0] if len(v) else None)
    users = users.join(stats, on="user_id")
    users["n_interactions"] = users["n_interactions"].fillna(0).astype("int64")
    users["n_reviews"] = users["user_id"].map(dataset.reviews.groupby("user_id", observed=True).size()
                                               ).fillna(0).astype("int64")
    for column in ("top_categories", "top_brands"):
        users[column] = users[column].map(_as_list)
    users["top_category"] = users["top_categories"].map(lambda v: v[0] if len(v) else "").astype("string")
    users["price_band"] = users["price_band"].astype("string")

    mentions = review_aspects(dataset.reviews)
    aspects = user_aspects(mentions)
    sentiment = mentions.groupby("user_id", observed=True)["polarity"].mean()
    users["sentiment"] = users["user_id"].map(sentiment).astype("float64")
    users["praised"] = _aspect_lists(users, aspects, "praises")
    users["criticised"] = _aspect_lists(users, aspects, "criticisms")

    interests = pd.DataFrame(columns=["user_id", "cluster", "cluster_label", "share"])
    users["cluster"] = -1
    if item_clusters is not None and len(events):
        with_cluster = events[["user_id", "item_id"]].merge(item_clusters, on="item_id", how="inner")
        counts = with_cluster.groupby(["user_id", "cluster", "cluster_label"], observed=True).size()
        interests = counts.rename("share").reset_index()
        interests["share"] = interests["share"] / interests.groupby("user_id")["share"].transform("sum")
        interests = interests.sort_values(["user_id", "share"], ascending=[True, False])
        main = interests.drop_duplicates("user_id").set_index("user_id")
        users["cluster"] = users["user_id"].map(main["cluster"]).fillna(-1).astype("int64")
        users["cluster_label"] = users["user_id"].map(main["cluster_label"]).astype("string")
    users["similar_users"] = pd.Series(_similar_users(user_emb, user_index.to_numpy()), dtype=object)
    for column in LIST_COLUMNS:
        # Plain object columns of lists: an Arrow list dtype would be written into the Parquet
        # metadata under a name pandas cannot read back.
        users[column] = pd.Series([_as_list(v) for v in users[column]], index=users.index, dtype=object)
    return {"users": users.reset_index(drop=True), "aspects": aspects,
            "interests": interests.reset_index(drop=True)}


def _aspect_lists(users: pd.DataFrame, aspects: pd.DataFrame, column: str) -> pd.Series:
    """Aspects a user praises (or criticises) at least once, most mentioned first."""
    if aspects.empty:
        return pd.Series([[] for _ in range(len(users))], index=users.index)
    hits = aspects[aspects[column] > 0].sort_values(
        ["user_id", column, "aspect"], ascending=[True, False, True])
    lists = hits.groupby("user_id", observed=True)["aspect"].agg(list)
    return users["user_id"].map(lists).map(_as_list)


def _as_list(value) -> list[str]:
    """Lists survive joins and maps as lists, arrays or NaN; normalise to a plain list."""
    if isinstance(value, (list, tuple, np.ndarray)):
        return [str(v) for v in value]
    return []
