"""Users and their portraits: history, taste against the population, review aspects, similar users."""

from __future__ import annotations

import numpy as np
import pandas as pd

from llmrec.errors import UnknownIdError
from llmrec.portraits.aspects import aspect_counts
from llmrec.serve.catalogue import NO_CATEGORY, PRICE_BANDS, has_categories
from llmrec.serve.index import WorkspaceIndex


def user_ids(index: WorkspaceIndex) -> list[str]:
    """Every user id, in id-map order."""
    return index.ws.ids.users.tolist()


def known_user(index: WorkspaceIndex, user_id: str) -> bool:
    """Whether `user_id` is a user of this workspace."""
    try:
        index.check_user(str(user_id))
    except UnknownIdError:
        return False
    return True


def find_users(index: WorkspaceIndex, text: str, limit: int = 50) -> list[str]:
    """User ids containing `text` (case-insensitive), the most active first."""
    ids = index.ws.ids.users
    if text:
        ids = ids[ids.str.contains(text, case=False, regex=False)]
    counts = index.activity
    return sorted(ids.tolist(), key=lambda u: -counts.get(u, 0))[:limit]


def history(index: WorkspaceIndex, user_id: str) -> pd.DataFrame:
    """The user's interactions in time order, with product facts and the review they wrote."""
    index.check_user(user_id)
    data = index.ws.dataset
    rows = index.user_rows.get(str(user_id), np.empty(0, dtype=int))
    events = data.interactions.iloc[rows].sort_values("timestamp", kind="stable")
    items = index.items.loc[events["item_id"].astype(str)]
    out = pd.DataFrame({
        "timestamp": events["timestamp"].to_numpy(),
        "item_id": events["item_id"].astype(str).to_numpy(),
        "title": items["title"].to_numpy(),
        "category": items["category"].to_numpy(),
        "brand": items["brand"].to_numpy(),
        "price": items["price"].to_numpy(),
        "rating": events["rating"].to_numpy(),
    })
    review_rows = index.user_review_rows.get(str(user_id))
    if review_rows is not None and len(review_rows):
        reviews = data.reviews.iloc[review_rows].drop_duplicates("item_id", keep="last")
        text = reviews.set_index(reviews["item_id"].astype(str))["text"]
        out["review"] = out["item_id"].map(text).fillna("")
    else:
        out["review"] = ""
    if index.ws.data_quality.dated:
        out["date"] = pd.to_datetime(out["timestamp"], unit="s")
    else:  # the source knows only the order: say "position", never a date
        out["position"] = np.arange(1, len(out) + 1)
    return out


def time_column(index: WorkspaceIndex) -> str:
    """The history's time column: "date" when the data has dates, else "position" (order only)."""
    return "date" if index.ws.data_quality.dated else "position"


def portrait(index: WorkspaceIndex, user_id: str) -> dict:
    """The user's precomputed portrait row (see portraits/users.parquet) as a dict."""
    index.check_user(user_id)
    row = index.user_slice("portraits/users.parquet", user_id)
    if row.empty:
        raise UnknownIdError(f"user '{user_id}' has no portrait; rebuild the workspace")
    out = row.iloc[0].to_dict()
    for key, value in out.items():
        if isinstance(value, np.ndarray):
            out[key] = value.tolist()
    if not isinstance(out.get("cluster_label"), str):
        cluster = int(out.get("cluster", -1))
        fallback = "none" if cluster < 0 else f"cluster {cluster}"
        out["cluster_label"] = cluster_labels(index).get(cluster, fallback)
    return out


def portraits_table(index: WorkspaceIndex) -> pd.DataFrame:
    """portraits/users.parquet, one row per user (a fresh copy read from the file)."""
    table = index.ws.table("portraits/users.parquet")
    table["user_id"] = table["user_id"].astype(str)
    return table


def portraits_by_user(index: WorkspaceIndex) -> pd.DataFrame:
    """portraits/users.parquet indexed by user_id, read once per index (shared: do not mutate)."""
    return index.derived("portraits by user", lambda: portraits_table(index).set_index("user_id"))


def cluster_labels(index: WorkspaceIndex) -> dict[int, str]:
    """interest cluster -> readable label such as 'Kitchen: kettle, espresso' (read once per index)."""
    return dict(index.derived("cluster labels", lambda: _cluster_labels(index)))


def _cluster_labels(index: WorkspaceIndex) -> dict[int, str]:
    if not (index.ws.root / "portraits" / "item_clusters.parquet").is_file():
        return {}
    table = index.ws.table("portraits/item_clusters.parquet")
    return {int(c): str(lbl) for c, lbl in table.groupby("cluster")["cluster_label"].first().items()}


def interests(index: WorkspaceIndex, user_id: str) -> pd.DataFrame:
    """cluster, cluster_label, share: the user's interest mix over text-space clusters."""
    index.check_user(user_id)
    if not (index.ws.root / "portraits" / "interests.parquet").is_file():
        return pd.DataFrame(columns=["cluster", "cluster_label", "share"])
    table = index.user_slice("portraits/interests.parquet", user_id)
    return table[["cluster", "cluster_label", "share"]].reset_index(drop=True)


def category_profile(index: WorkspaceIndex, user_id: str, top: int = 8) -> pd.DataFrame:
    """category, user share, population share: what the user buys vs what everyone buys (empty when
    the catalogue has no categories; items without one as NO_CATEGORY)."""
    hist = history(index, user_id)
    if not has_categories(index):
        return pd.DataFrame(columns=["category", "user", "population"])
    population = _population_share(index, "category").rename({"": NO_CATEGORY})
    mine = hist["category"].replace("", NO_CATEGORY).value_counts(normalize=True)
    cats = list(mine.index[:top])
    return pd.DataFrame({
        "category": cats,
        "user": [float(mine.get(c, 0.0)) for c in cats],
        "population": [float(population.get(c, 0.0)) for c in cats],
    })


def price_profile(index: WorkspaceIndex, user_id: str) -> pd.DataFrame:
    """band, user share, population share of interactions (bands are tertiles within a category)."""
    hist = history(index, user_id)
    bands = index.items["price_band"]  # the portraits' bands: the same as every other panel
    population = _population_share(index, "price_band")
    mine = hist["item_id"].map(bands).value_counts(normalize=True)
    shown = [b for b in PRICE_BANDS if b in mine.index or b in population.index]
    return pd.DataFrame({
        "band": shown,
        "user": [float(mine.get(b, 0.0)) for b in shown],
        "population": [float(population.get(b, 0.0)) for b in shown],
    })


def _population_share(index: WorkspaceIndex, column: str) -> pd.Series:
    """Share of all interactions per value of an items column (computed once per index)."""
    def compute() -> pd.Series:
        population = index.items.groupby(column, observed=True)["popularity"].sum()
        return population / max(1, population.sum())

    return index.derived(("population share", column), compute)


def user_aspects(index: WorkspaceIndex, user_id: str) -> pd.DataFrame:
    """aspect, mentions, praises, criticisms, sentiment (-1..1) from the user's reviews."""
    index.check_user(user_id)
    if (index.ws.root / "portraits" / "aspects.parquet").is_file():
        table = index.user_slice("portraits/aspects.parquet", user_id).drop(columns="user_id")
    else:
        rows = index.user_review_rows.get(str(user_id), np.empty(0, dtype=int))
        reviews = index.ws.dataset.reviews.iloc[rows]
        table = _aspect_frame(aspect_counts(reviews["text"], reviews["rating"]))
    return _with_sentiment(table)


def item_aspects(index: WorkspaceIndex, item_id: str) -> pd.DataFrame:
    """aspect, mentions, praises, criticisms, sentiment from every review of the item."""
    index.check_item(item_id)
    rows = index.item_review_rows.get(str(item_id), np.empty(0, dtype=int))
    reviews = index.ws.dataset.reviews.iloc[rows]
    return _with_sentiment(_aspect_frame(aspect_counts(reviews["text"], reviews["rating"])))


def _aspect_frame(counts: dict[str, tuple[int, int, int]]) -> pd.DataFrame:
    return pd.DataFrame([(a, *c) for a, c in counts.items()],
                        columns=["aspect", "mentions", "praises", "criticisms"])


def _with_sentiment(table: pd.DataFrame) -> pd.DataFrame:
    table = table.copy().reset_index(drop=True)
    mentions = table["mentions"].clip(lower=1).astype("float64")
    table["sentiment"] = ((table["praises"] - table["criticisms"]) / mentions).astype("float64")
    return table.sort_values(["mentions", "aspect"], ascending=[False, True]).reset_index(drop=True)


def similar_users(index: WorkspaceIndex, user_id: str, k: int = 5) -> pd.DataFrame:
    """user_id, similarity, top_category, n_interactions of the users whose text profiles are closest."""
    row = index.check_user(user_id)
    vectors = index.ws.embeddings.get("users")
    table = portraits_by_user(index)
    if vectors is None or len(vectors) != index.ws.ids.n_users:
        listed = portrait(index, user_id).get("similar_users") or []
        out = pd.DataFrame({"user_id": [str(u) for u in listed[:k]], "similarity": np.nan})
    else:
        sims = vectors @ vectors[row]
        sims[row] = -np.inf
        best = index.best(sims, k)
        out = pd.DataFrame({"user_id": index.ws.ids.users[best].tolist(), "similarity": sims[best]})
    # a hash lookup: Series.isin(table.index) on Arrow strings listed all 60k ids on every call
    known = pd.Series(table.index.get_indexer(out["user_id"]) >= 0, index=out.index)
    out["top_category"] = out["user_id"].map(table["top_category"]).where(known)
    out["n_interactions"] = out["user_id"].map(table["n_interactions"]).where(known)
    return out
