"""Read-only questions the dashboard asks of a built workspace (no screen code here).

Every function takes a `Workspace` and returns plain values or DataFrames, so the same answers
serve the dashboard, notebooks and tests. Nothing here trains a model or runs UMAP: new
products are placed on the precomputed map by nearest-neighbour interpolation.
"""

from __future__ import annotations

import importlib
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from llmrec.errors import ConfigError, ModelError, UnknownIdError, WorkspaceError
from llmrec.models.base import Explainable, Explanation, FactorModel, NewItemScorer
from llmrec.models.registry import default_model, preferred
from llmrec.pipeline.artifacts import Workspace, current_quality
from llmrec.pipeline.integrity import rebuild_hint
from llmrec.portraits.aspects import aspect_counts
from llmrec.portraits.build import BANDS, price_bands
from llmrec.projection import place_new_points

SPACES = ("text", "mf")
COLOUR_BY = ("category", "price", "popularity", "cluster")
PRICE_BANDS = (*BANDS, "unknown")


# --------------------------------------------------------------------------- lookups


@dataclass
class _Lookup:
    """Per-workspace derived indices, built once (the workspace itself is immutable)."""

    items: pd.DataFrame  # indexed by item_id, plus popularity and row
    user_rows: dict[str, np.ndarray]  # user_id -> row positions in interactions
    item_review_rows: dict[str, np.ndarray]  # item_id -> row positions in reviews
    user_review_rows: dict[str, np.ndarray]
    models: dict[str, object] = field(default_factory=dict)
    reason_cache: object | None = None  # the workspace's ReasonCache, opened on first use


_LOOKUPS: weakref.WeakKeyDictionary[Workspace, _Lookup] = weakref.WeakKeyDictionary()


def _lookup(ws: Workspace) -> _Lookup:
    found = _LOOKUPS.get(ws)
    if found is None:
        data = ws.dataset
        items = data.items.copy()
        popularity = data.interactions["item_id"].value_counts()
        items["popularity"] = items["item_id"].map(popularity).fillna(0).astype("int64")
        items["row"] = np.arange(len(items))
        items = items.set_index(items["item_id"].astype(str), drop=False)
        items.index.name = None
        found = _Lookup(
            items=items,
            user_rows=_group_rows(data.interactions["user_id"]),
            item_review_rows=_group_rows(data.reviews["item_id"]),
            user_review_rows=_group_rows(data.reviews["user_id"]),
        )
        _LOOKUPS[ws] = found
    return found


def _group_rows(keys: pd.Series) -> dict[str, np.ndarray]:
    if not len(keys):
        return {}
    return {str(k): np.asarray(v) for k, v in pd.Series(np.arange(len(keys))).groupby(
        keys.astype(str).to_numpy()).indices.items()}


def _check_user(ws: Workspace, user_id: str) -> int:
    return ws.ids.user_index(user_id)


def _check_item(ws: Workspace, item_id: str) -> int:
    return ws.ids.item_index(item_id)


def item_price_bands(ws: Workspace) -> pd.Series:
    """budget / mid / premium per item (indexed by item_id), as the portraits define them."""
    look = _lookup(ws)
    if "price_band" not in look.items:
        look.items["price_band"] = price_bands(look.items).fillna("unknown").to_numpy()
    return look.items["price_band"]


# --------------------------------------------------------------------------- overview


def dataset_card(ws: Workspace) -> dict:
    """Headline numbers of the dataset: sizes, sparsity, time span, source."""
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
        "categories": int(data.items["category"].nunique()),
        "brands": int(data.items["brand"].replace("", pd.NA).nunique()),
        "density": n_inter / max(1, n_users * n_items),
        "sparsity": 1.0 - n_inter / max(1, n_users * n_items),
        "mean_per_user": n_inter / max(1, n_users),
        "first": pd.to_datetime(int(dated.min()), unit="s") if len(dated) else None,
        "last": pd.to_datetime(int(dated.max()), unit="s") if len(dated) else None,
        "created": ws.manifest.get("created"),
        "models": ws.model_names,
    }


def interactions_per_user(ws: Workspace) -> pd.DataFrame:
    """user_id, interactions: how active each user is."""
    counts = ws.dataset.interactions["user_id"].value_counts()
    return pd.DataFrame({"user_id": counts.index.astype(str), "interactions": counts.to_numpy()})


def rating_distribution(ws: Workspace) -> pd.DataFrame:
    """rating, count over all interactions that carry a rating."""
    ratings = ws.dataset.interactions["rating"].dropna()
    counts = ratings.round(1).value_counts().sort_index()
    return pd.DataFrame({"rating": counts.index.to_numpy(), "count": counts.to_numpy()})


def category_mix(ws: Workspace, top: int = 15) -> pd.DataFrame:
    """category, items, interactions (the `top` busiest categories, the rest as 'Other')."""
    items = _lookup(ws).items
    mix = items.groupby("category", observed=True).agg(
        items=("item_id", "size"), interactions=("popularity", "sum")).sort_values(
        "interactions", ascending=False)
    if len(mix) > top:
        rest = mix.iloc[top:].sum()
        mix = pd.concat([mix.iloc[:top], pd.DataFrame([rest], index=["Other"])])
    return mix.rename_axis("category").reset_index()


def long_tail(ws: Workspace, points: int = 200) -> pd.DataFrame:
    """item_share, interaction_share: cumulative share of interactions held by the top items."""
    pop = np.sort(_lookup(ws).items["popularity"].to_numpy())[::-1]
    total = max(1, pop.sum())
    cum = np.concatenate([[0.0], np.cumsum(pop) / total])
    share = np.linspace(0, 1, len(cum))
    idx = np.unique(np.linspace(0, len(cum) - 1, min(points, len(cum))).round().astype(int))
    return pd.DataFrame({"item_share": share[idx], "interaction_share": cum[idx]})


def head_share(ws: Workspace, top_fraction: float = 0.2) -> float:
    """Share of interactions that go to the most popular `top_fraction` of items."""
    pop = np.sort(_lookup(ws).items["popularity"].to_numpy())[::-1]
    n = max(1, int(round(len(pop) * top_fraction)))
    return float(pop[:n].sum() / max(1, pop.sum()))


def top_products(ws: Workspace, n: int = 10) -> pd.DataFrame:
    """The n most interacted-with products with their mean rating."""
    data = ws.dataset
    items = _lookup(ws).items.nlargest(n, "popularity")
    mean_rating = data.interactions.groupby("item_id")["rating"].mean()
    out = items[["item_id", "title", "category", "brand", "price", "popularity"]].reset_index(drop=True)
    out["mean_rating"] = out["item_id"].map(mean_rating).astype("float64").round(2)
    return out


def load_report(ws: Workspace) -> list[str]:
    """The loader's report lines (what was read, dropped and why) plus stage timings."""
    return ws.dataset.report.lines()


def stage_timings(ws: Workspace) -> pd.DataFrame:
    timings = ws.manifest.get("timings", {}) or {}
    return pd.DataFrame({"stage": list(timings), "seconds": [float(v) for v in timings.values()]})


# --------------------------------------------------------------------------- users


def user_ids(ws: Workspace) -> list[str]:
    return ws.ids.users.tolist()


def find_users(ws: Workspace, text: str, limit: int = 50) -> list[str]:
    """User ids containing `text` (case-insensitive), the most active first."""
    ids = ws.ids.users
    if text:
        ids = ids[ids.str.contains(text, case=False, regex=False)]
    counts = {u: len(r) for u, r in _lookup(ws).user_rows.items()}
    return sorted(ids.tolist(), key=lambda u: -counts.get(u, 0))[:limit]


def history(ws: Workspace, user_id: str) -> pd.DataFrame:
    """The user's interactions in time order, with product facts and the review they wrote."""
    _check_user(ws, user_id)
    look = _lookup(ws)
    data = ws.dataset
    rows = look.user_rows.get(str(user_id), np.empty(0, dtype=int))
    events = data.interactions.iloc[rows].sort_values("timestamp", kind="stable")
    items = look.items.loc[events["item_id"].astype(str)]
    out = pd.DataFrame({
        "timestamp": events["timestamp"].to_numpy(),
        "item_id": events["item_id"].astype(str).to_numpy(),
        "title": items["title"].to_numpy(),
        "category": items["category"].to_numpy(),
        "brand": items["brand"].to_numpy(),
        "price": items["price"].to_numpy(),
        "rating": events["rating"].to_numpy(),
    })
    review_rows = look.user_review_rows.get(str(user_id))
    if review_rows is not None and len(review_rows):
        reviews = data.reviews.iloc[review_rows].drop_duplicates("item_id", keep="last")
        text = reviews.set_index(reviews["item_id"].astype(str))["text"]
        out["review"] = out["item_id"].map(text).fillna("")
    else:
        out["review"] = ""
    out["date"] = _dates(out["timestamp"])
    return out


def _dates(ts: pd.Series) -> pd.Series:
    if len(ts) and int(ts.max()) > 10_000_000:
        return pd.to_datetime(ts, unit="s")
    return ts  # positions only


def portrait(ws: Workspace, user_id: str) -> dict:
    """The user's precomputed portrait row (see portraits/users.parquet) as a dict."""
    _check_user(ws, user_id)
    table = portraits_table(ws)
    row = table.loc[table["user_id"] == str(user_id)]
    if row.empty:
        raise UnknownIdError(f"user '{user_id}' has no portrait; rebuild the workspace")
    out = row.iloc[0].to_dict()
    for key, value in out.items():
        if isinstance(value, np.ndarray):
            out[key] = value.tolist()
    if not isinstance(out.get("cluster_label"), str):
        cluster = int(out.get("cluster", -1))
        fallback = "none" if cluster < 0 else f"cluster {cluster}"
        out["cluster_label"] = cluster_labels(ws).get(cluster, fallback)
    return out


def portraits_table(ws: Workspace) -> pd.DataFrame:
    table = ws.table("portraits/users.parquet")
    table["user_id"] = table["user_id"].astype(str)
    return table


def cluster_labels(ws: Workspace) -> dict[int, str]:
    """interest cluster -> readable label such as 'Kitchen: kettle, espresso'."""
    if not (ws.root / "portraits" / "item_clusters.parquet").is_file():
        return {}
    table = ws.table("portraits/item_clusters.parquet")
    return {int(c): str(lbl) for c, lbl in table.groupby("cluster")["cluster_label"].first().items()}


def interests(ws: Workspace, user_id: str) -> pd.DataFrame:
    """cluster, cluster_label, share: the user's interest mix over text-space clusters."""
    _check_user(ws, user_id)
    if not (ws.root / "portraits" / "interests.parquet").is_file():
        return pd.DataFrame(columns=["cluster", "cluster_label", "share"])
    table = ws.table("portraits/interests.parquet")
    table = table[table["user_id"].astype(str) == str(user_id)]
    return table[["cluster", "cluster_label", "share"]].reset_index(drop=True)


def category_profile(ws: Workspace, user_id: str, top: int = 8) -> pd.DataFrame:
    """category, user share, population share: what the user buys vs what everyone buys."""
    hist = history(ws, user_id)
    items = _lookup(ws).items
    population = items.groupby("category", observed=True)["popularity"].sum()
    population = population / max(1, population.sum())
    mine = hist["category"].value_counts(normalize=True)
    cats = list(mine.index[:top])
    return pd.DataFrame({
        "category": cats,
        "user": [float(mine.get(c, 0.0)) for c in cats],
        "population": [float(population.get(c, 0.0)) for c in cats],
    })


def price_profile(ws: Workspace, user_id: str) -> pd.DataFrame:
    """band, user share, population share of interactions (bands are tertiles within a category)."""
    hist = history(ws, user_id)
    bands = item_price_bands(ws)
    items = _lookup(ws).items
    population = items.groupby(bands)["popularity"].sum()
    population = population / max(1, population.sum())
    mine = hist["item_id"].map(bands).value_counts(normalize=True)
    shown = [b for b in PRICE_BANDS if b in mine.index or b in population.index]
    return pd.DataFrame({
        "band": shown,
        "user": [float(mine.get(b, 0.0)) for b in shown],
        "population": [float(population.get(b, 0.0)) for b in shown],
    })


def user_aspects(ws: Workspace, user_id: str) -> pd.DataFrame:
    """aspect, mentions, praises, criticisms, sentiment (-1..1) from the user's reviews."""
    _check_user(ws, user_id)
    if (ws.root / "portraits" / "aspects.parquet").is_file():
        table = ws.table("portraits/aspects.parquet")
        table = table[table["user_id"].astype(str) == str(user_id)].drop(columns="user_id")
    else:
        rows = _lookup(ws).user_review_rows.get(str(user_id), np.empty(0, dtype=int))
        reviews = ws.dataset.reviews.iloc[rows]
        table = _aspect_frame(aspect_counts(reviews["text"], reviews["rating"]))
    return _with_sentiment(table)


def item_aspects(ws: Workspace, item_id: str) -> pd.DataFrame:
    """aspect, mentions, praises, criticisms, sentiment from every review of the item."""
    _check_item(ws, item_id)
    rows = _lookup(ws).item_review_rows.get(str(item_id), np.empty(0, dtype=int))
    reviews = ws.dataset.reviews.iloc[rows]
    return _with_sentiment(_aspect_frame(aspect_counts(reviews["text"], reviews["rating"])))


def _aspect_frame(counts: dict[str, tuple[int, int, int]]) -> pd.DataFrame:
    return pd.DataFrame([(a, *c) for a, c in counts.items()],
                        columns=["aspect", "mentions", "praises", "criticisms"])


def _with_sentiment(table: pd.DataFrame) -> pd.DataFrame:
    table = table.copy().reset_index(drop=True)
    mentions = table["mentions"].clip(lower=1).astype("float64")
    table["sentiment"] = ((table["praises"] - table["criticisms"]) / mentions).astype("float64")
    return table.sort_values(["mentions", "aspect"], ascending=[False, True]).reset_index(drop=True)


def similar_users(ws: Workspace, user_id: str, k: int = 5) -> pd.DataFrame:
    """user_id, similarity, top_category, n_interactions of the users whose text profiles are closest."""
    index = _check_user(ws, user_id)
    vectors = ws.embeddings.get("users")
    table = portraits_table(ws).set_index("user_id")
    if vectors is None or len(vectors) != ws.ids.n_users:
        listed = portrait(ws, user_id).get("similar_users") or []
        out = pd.DataFrame({"user_id": [str(u) for u in listed[:k]], "similarity": np.nan})
    else:
        sims = vectors @ vectors[index]
        sims[index] = -np.inf
        best = _best(ws, sims, k)
        out = pd.DataFrame({"user_id": ws.ids.users[best].tolist(), "similarity": sims[best]})
    known = out["user_id"].isin(table.index)
    out["top_category"] = out["user_id"].map(table["top_category"]).where(known)
    out["n_interactions"] = out["user_id"].map(table["n_interactions"]).where(known)
    return out


# --------------------------------------------------------------------------- models


def model_names(ws: Workspace) -> list[str]:
    """Trained models present on disk, in manifest order."""
    names = ws.model_names or sorted(p.name for p in (ws.root / "models").glob("*") if p.is_dir())
    return [n for n in names if (ws.root / "models" / n).is_dir()]


def load_workspace_model(ws: Workspace, name: str):
    """The trained model `name` of the workspace (loaded once per workspace)."""
    look = _lookup(ws)
    if name not in look.models:
        names = model_names(ws)
        if name not in names:
            raise ConfigError(f"unknown model '{name}'; this workspace has: {', '.join(names) or 'none'}")
        models = importlib.import_module("llmrec.models")
        try:
            look.models[name] = models.load_model(ws.root / "models" / name, ws.ids)  # refuses other ids
        except ModelError as error:
            raise WorkspaceError(f"{error}; {rebuild_hint(ws.root)}") from None
    return look.models[name]


def _model(ws: Workspace, model):
    return load_workspace_model(ws, model) if isinstance(model, str) else model


EXCLUDE = ("evaluation", "seen", "none")


def _excluded_items(ws: Workspace, user_id: str, exclude: str) -> np.ndarray:
    """Item indices masked for the user: training and validation items ('evaluation', as the offline
    evaluation masks them before ranking the test items), everything the user interacted with
    ('seen'), or nothing ('none')."""
    if exclude == "none":
        return np.empty(0, dtype=np.int64)
    if exclude == "seen":
        rows = _lookup(ws).user_rows.get(str(user_id), np.empty(0, dtype=int))
        return ws.ids.item_indices(ws.dataset.interactions["item_id"].iloc[rows])
    if exclude == "evaluation":
        parts = [ws.split[p] for p in ("train", "valid")]
        items = pd.concat([p.loc[p["user_id"].astype(str) == str(user_id), "item_id"] for p in parts])
        return ws.ids.item_indices(items)
    raise ConfigError(f"unknown exclude '{exclude}'; choose one of {', '.join(EXCLUDE)}")


def user_scores(ws: Workspace, user_id: str, model) -> np.ndarray:
    """(n_items,) float32 scores of every item for the user under `model`."""
    index = _check_user(ws, user_id)
    scores = _model(ws, model).score(np.array([index]))
    return np.asarray(scores, dtype=np.float32)[0]


def tie_seed(ws: Workspace) -> int:
    """The workspace seed: it orders tied scores here exactly as in the offline evaluation."""
    return int(ws.manifest.get("config", {}).get("seed", 0))


def _best(ws: Workspace, scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k highest scores, best first, under the one tie rule (llmrec.models.ranking)."""
    from llmrec.models.ranking import top_indices

    return top_indices(scores, k, tie_seed=tie_seed(ws))


def _user_mask(ws: Workspace, user: int, items: np.ndarray):
    """(n_users, n_items) sparse mask holding `items` in row `user` only."""
    import scipy.sparse as sp

    return sp.csr_matrix((np.ones(len(items), dtype=np.float32), (np.full(len(items), user), items)),
                         shape=(ws.ids.n_users, ws.ids.n_items))


def recommend(ws: Workspace, user_id: str, model, k: int = 10, exclude: str = "evaluation") -> pd.DataFrame:
    """rank, item_id, title, category, brand, price, score, held_out: the user's top-k.

    `exclude` masks training and validation items (the evaluation setting; default), all seen
    items, or none. Ranked by the model's `recommend` (the ranking and tie rule of the evaluation).
    `held_out` marks items in the user's test split, i.e. hits of the offline evaluation.
    """
    user = _check_user(ws, user_id)
    mask = _user_mask(ws, user, _excluded_items(ws, user_id, exclude))
    ranked, values = _model(ws, model).recommend(np.array([user]), max(1, int(k)), exclude="none", mask=mask,
                                                 tie_seed=tie_seed(ws))
    best, values = ranked[0][ranked[0] >= 0], values[0][ranked[0] >= 0]
    items = _lookup(ws).items.iloc[best]
    return pd.DataFrame({
        "rank": np.arange(1, len(best) + 1),
        "item_id": items["item_id"].astype(str).to_numpy(),
        "title": items["title"].to_numpy(),
        "category": items["category"].to_numpy(),
        "brand": items["brand"].to_numpy(),
        "price": items["price"].to_numpy(),
        "score": values.astype("float64"),
        "held_out": items["item_id"].astype(str).isin(_test_items(ws, user_id)).to_numpy(),
    })


def top_items(ws: Workspace, model, users: np.ndarray, batch: int = 1024) -> np.ndarray:
    """(len(users),) each user's best item index under `model` (-1 when none is left), with training
    and validation items masked as the offline evaluation masks them."""
    from llmrec.data.ids import interaction_matrix

    users = np.asarray(users, dtype=np.int64)
    train, valid = (interaction_matrix(ws.split[part], ws.ids) != 0 for part in ("train", "valid"))
    ranked, _ = _model(ws, model).recommend(users, 1, exclude="none", mask=train + valid,
                                            tie_seed=tie_seed(ws))
    return ranked[:, 0]


def _test_items(ws: Workspace, user_id: str) -> set[str]:
    test = ws.split["test"]
    return set(test.loc[test["user_id"].astype(str) == str(user_id), "item_id"].astype(str))


def compare_models(ws: Workspace, user_id: str, models: list[str] | tuple[str, ...], k: int = 10,
                   exclude: str = "evaluation") -> pd.DataFrame:
    """One column of titles per model (rank as index): the models' top-k side by side."""
    columns = {name: recommend(ws, user_id, name, k, exclude)["title"].tolist() for name in models}
    width = max((len(v) for v in columns.values()), default=0)
    return pd.DataFrame({n: v + [""] * (width - len(v)) for n, v in columns.items()},
                        index=pd.RangeIndex(1, width + 1, name="rank"))


@dataclass
class Evidence:
    """Why an item fits a user, in facts a merchandiser can check."""

    item_id: str
    closest_history: pd.DataFrame  # item_id, title, similarity
    shared: list[str]  # e.g. "category: Kitchen (4 of the user's 9 items)"
    aspects: pd.DataFrame  # the item's review aspects the user also cares about
    model_explanation: Explanation | None = None


def evidence(ws: Workspace, user_id: str, item_id: str, model=None, n_closest: int = 3) -> Evidence:
    """Closest history items (text space), shared attributes and shared review aspects."""
    _check_user(ws, user_id)
    item_row = _check_item(ws, item_id)
    hist = history(ws, user_id)
    vectors = ws.embeddings["items"]
    closest = pd.DataFrame(columns=["item_id", "title", "similarity"])
    if len(hist):
        rows = ws.ids.item_indices(hist["item_id"])
        sims = vectors[rows] @ vectors[item_row]
        order = _best(ws, sims, n_closest)
        closest = pd.DataFrame({"item_id": hist["item_id"].to_numpy()[order],
                                "title": hist["title"].to_numpy()[order],
                                "similarity": sims[order].astype("float64")})
    item = _lookup(ws).items.iloc[item_row]
    shared = []
    n = len(hist)
    for column in ("category", "brand"):
        value = item[column]
        if value and not pd.isna(value):
            count = int((hist[column] == value).sum())
            if count:
                shared.append(f"{column}: {value} ({count} of the user's {n} items)")
    bands = item_price_bands(ws)
    band = bands.iloc[item_row]
    if band != "unknown" and n:
        count = int(hist["item_id"].map(bands).eq(band).sum())
        if count:
            shared.append(f"price band: {band} ({count} of the user's {n} items)")
    mine = user_aspects(ws, user_id)
    theirs = item_aspects(ws, item_id)
    aspects = theirs[theirs["aspect"].isin(mine["aspect"])].head(5).reset_index(drop=True)
    explanation = None
    if model is not None:
        model_obj = _model(ws, model)
        if isinstance(model_obj, Explainable):
            explanation = model_obj.explain(_check_user(ws, user_id), item_row)
    return Evidence(str(item_id), closest, shared, aspects, explanation)


# --------------------------------------------------------------------------- reasons


@dataclass
class Reason:
    """A reason sentence and where it came from ('llm', 'template' or 'structured')."""

    text: str
    source: str
    fallback_reason: str | None = None
    cited_facts: list = field(default_factory=list)
    cached: bool = False  # read from the workspace's generated-text cache rather than written now


def reason_cache(ws: Workspace):
    """The workspace's generated-text cache (<workspace>/reasons/cache.parquet).

    One instance per workspace, shared by every service of the process, so a text one service
    writes (the LLM button) is at once visible to the others without re-reading the file.
    """
    look = _lookup(ws)
    if look.reason_cache is None:
        from llmrec.reasons.cache import ReasonCache

        look.reason_cache = ReasonCache.for_workspace(ws.root)
    return look.reason_cache


def reason_service(ws: Workspace, model: str | None = None, generator=None):
    """A ReasonService over the workspace, reading and writing its generated-text cache (None when
    llmrec.reasons is missing).

    `generator`: None for the templates, or e.g. an LLMGenerator. Evidence uses the whole
    interaction history, the item text embeddings and the factors and explanations of `model`
    (default: the text-aware model, else the first MF model present).
    """
    try:
        reasons = importlib.import_module("llmrec.reasons")
    except ImportError:
        return None
    from llmrec.data.ids import interaction_matrix

    data = ws.dataset
    names = model_names(ws)
    chosen = model or default_model(names, FactorModel)
    obj = load_workspace_model(ws, chosen) if chosen else None
    factors = isinstance(obj, FactorModel)
    context = reasons.EvidenceContext.from_arrays(
        data.items, data.reviews, ws.ids, interaction_matrix(data.interactions, ws.ids),
        item_text=ws.embeddings.get("items"),
        item_factors=obj.item_vectors() if factors else None,
        user_factors=obj.user_vectors() if factors else None,
        explain=obj.explain if isinstance(obj, Explainable) else None)
    return reasons.ReasonService(context, generator=generator, cache=reason_cache(ws))


# service -> a service over the same context and cache whose generator is the default local LLM,
# never loaded (False when the LLM package is missing). Its identity keys the cache, so it finds
# what the LLM wrote earlier (on the dashboard's button or with `python -m llmrec explain --llm`).
_LLM_READERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _llm_reader(service):
    reader = _LLM_READERS.get(service)
    if reader is None:
        from llmrec.errors import LlmrecError
        from llmrec.reasons.llm import LLMGenerator

        try:
            generator = LLMGenerator()  # resolves the model file only: loading waits for first use
        except LlmrecError:
            reader = False
        else:
            reader = type(service)(service.ctx, generator, service.validator, service.cache)
        _LLM_READERS[service] = reader
    return reader or None


def _shown_texts(service, evidences: list) -> list:
    """The texts to show at once: what the local LLM wrote earlier for exactly this evidence (from
    the cache), else the service's own text (instant for the templates)."""
    found = [None] * len(evidences)
    if service.generator is getattr(service, "templates", None) and service.cache is not None:
        reader = _llm_reader(service)
        if reader is not None:
            found = reader.lookup(evidences)
    missing = [j for j, text in enumerate(found) if text is None]
    if missing:
        for j, text in zip(missing, service.run([evidences[j] for j in missing]), strict=True):
            found[j] = text
    return found


def stream_text(ws: Workspace, service, user_id: str, item_id: str | None = None) -> Iterator[str | Reason]:
    """Raw chunks as the service's generator writes them, then the checked Reason to show instead.

    A portrait summary when `item_id` is None, else the reason for recommending the item.
    """
    from llmrec.reasons.evidence import build_evidence, portrait_evidence

    user = _check_user(ws, user_id)
    evidence = (portrait_evidence(service.ctx, user) if item_id is None
                else build_evidence(service.ctx, user, _check_item(ws, item_id)))
    for part in service.stream(evidence):
        yield part if isinstance(part, str) else _as_reason(part)


def reason(ws: Workspace, user_id: str, item_id: str, service=None, ev: Evidence | None = None) -> Reason:
    """A one-sentence reason for recommending the item, from the ReasonService when present."""
    if service is not None:
        from llmrec.reasons.evidence import build_evidence

        ev = build_evidence(service.ctx, _check_user(ws, user_id), _check_item(ws, item_id))
        return _as_reason(_shown_texts(service, [ev])[0])
    ev = ev or evidence(ws, user_id, item_id)
    parts = []
    if len(ev.closest_history):
        parts.append(f"it resembles \u201c{ev.closest_history['title'].iloc[0]}\u201d from their history")
    if ev.shared:
        parts.append("it shares " + ev.shared[0].split(" (")[0])
    liked = ev.aspects[ev.aspects["sentiment"] > 0]["aspect"].tolist()
    if liked:
        parts.append("reviewers praise its " + ", ".join(liked[:2]))
    text = ("Recommended because " + "; ".join(parts) + ".") if parts else "Recommended by the model score."
    return Reason(text, "structured", "llmrec.reasons is not available", list(ev.shared))


def reasons(ws: Workspace, user_id: str, item_ids: list[str] | tuple[str, ...], service=None) -> list[Reason]:
    """Reasons for several items at once (one batched call to the ReasonService)."""
    if service is None:
        return [reason(ws, user_id, item) for item in item_ids]
    from llmrec.reasons.evidence import build_evidence

    user = _check_user(ws, user_id)
    evidences = [build_evidence(service.ctx, user, _check_item(ws, item)) for item in item_ids]
    return [_as_reason(generated) for generated in _shown_texts(service, evidences)]


def portrait_summary(ws: Workspace, user_id: str, service=None) -> Reason:
    """A short paragraph describing the user, from the ReasonService when present."""
    if service is not None:
        from llmrec.reasons.evidence import portrait_evidence

        ev = portrait_evidence(service.ctx, _check_user(ws, user_id))
        return _as_reason(_shown_texts(service, [ev])[0])
    p = portrait(ws, user_id)
    cats = ", ".join(p.get("top_categories") or []) or "no clear category"
    praised = ", ".join(p.get("praised") or []) or "nothing in particular"
    text = (f"{p.get('n_interactions', 0)} purchases, mostly {cats}; shops in the "
            f"{p.get('price_band', 'unknown')} price band and praises {praised}.")
    return Reason(text, "structured", "llmrec.reasons is not available", [])


def _as_reason(generated) -> Reason:
    """GeneratedText -> Reason with the cited facts as plain statements."""
    cited = [getattr(fact, "text", str(fact)) for fact in (generated.cited_facts or ())]
    return Reason(text=str(generated.text), source=str(generated.source),
                  fallback_reason=generated.fallback_reason, cited_facts=cited,
                  cached=bool(getattr(generated, "cached", False)))


# --------------------------------------------------------------------------- embedding map


def map_frame(ws: Workspace, space: str) -> pd.DataFrame:
    """item_id, x, y, title, category, brand, price, popularity, cluster for the 2-D map of `space`.

    `cluster` is the item's text-space interest cluster (-1 when unknown), `cluster_label` its name.
    """
    if space not in SPACES:
        raise ConfigError(f"unknown space '{space}'; choose one of {', '.join(SPACES)}")
    proj = ws.projection(space)
    proj["item_id"] = proj["item_id"].astype(str)
    items = _lookup(ws).items
    out = proj[["item_id", "x", "y"]].copy()
    facts = items.loc[out["item_id"], ["title", "category", "brand", "price", "popularity"]]
    for column in facts.columns:
        out[column] = facts[column].to_numpy()
    out["cluster"] = out["item_id"].map(_item_clusters(ws)).fillna(-1).astype("int64")
    labels = cluster_labels(ws)
    out["cluster_label"] = out["cluster"].map(lambda c: labels.get(int(c), "none"))
    return out


def _item_clusters(ws: Workspace) -> pd.Series:
    """item_id -> text-space interest cluster (portraits/item_clusters.parquet)."""
    if not (ws.root / "portraits" / "item_clusters.parquet").is_file():
        return pd.Series(dtype="int64")
    table = ws.table("portraits/item_clusters.parquet")
    return table.set_index(table["item_id"].astype(str))["cluster"]


def space_vectors(ws: Workspace, space: str, model: str | None = None) -> np.ndarray:
    """(n_items, d) item vectors of a space: text embeddings, or the MF model's item factors."""
    if space == "text":
        return ws.embeddings["items"]
    if space != "mf":
        raise ConfigError(f"unknown space '{space}'; choose one of {', '.join(SPACES)}")
    meta = "projection/projection.json"
    mapped = ws.json(meta).get("mf_model") if (ws.root / meta).is_file() else None
    candidates = [model] if model else preferred([mapped] if mapped else [], FactorModel) + preferred(
        model_names(ws), FactorModel)
    for name in dict.fromkeys(candidates):
        obj = load_workspace_model(ws, name)
        if isinstance(obj, FactorModel):
            return obj.item_vectors()
    # no factor model: fall back to the projected 2-D MF coordinates (still the MF neighbourhood)
    proj = ws.projection("mf").set_index("item_id").reindex(ws.ids.items)
    return proj[["x", "y"]].to_numpy(dtype=np.float32)


def nearest_items(ws: Workspace, item_id: str, space: str = "text", k: int = 10) -> pd.DataFrame:
    """item_id, title, category, price, similarity of the k items nearest to `item_id` in `space`."""
    row = _check_item(ws, item_id)
    vectors = space_vectors(ws, space)
    target = vectors[row]
    if space == "text" or vectors.shape[1] > 2:
        norms = np.linalg.norm(vectors, axis=1) * max(float(np.linalg.norm(target)), 1e-12)
        sims = (vectors @ target) / np.maximum(norms, 1e-12)
    else:
        sims = -np.linalg.norm(vectors - target, axis=1)
    sims[row] = -np.inf
    k = min(k, len(sims) - 1)
    best = _best(ws, sims, k)
    items = _lookup(ws).items.iloc[best]
    return pd.DataFrame({"item_id": items["item_id"].astype(str).to_numpy(),
                         "title": items["title"].to_numpy(), "category": items["category"].to_numpy(),
                         "price": items["price"].to_numpy(), "similarity": sims[best].astype("float64")})


def item_card(ws: Workspace, item_id: str) -> dict:
    """Facts about one product."""
    row = _check_item(ws, item_id)
    item = _lookup(ws).items.iloc[row]
    return {"item_id": str(item_id), "title": item["title"], "category": item["category"],
            "brand": item["brand"], "price": item["price"], "popularity": int(item["popularity"]),
            "description": item["description"]}


def search_items(ws: Workspace, text: str, limit: int = 50) -> pd.DataFrame:
    """item_id, title of products whose title contains `text` (most popular first)."""
    items = _lookup(ws).items
    if text:
        items = items[items["title"].str.contains(text, case=False, regex=False, na=False)]
    items = items.nlargest(limit, "popularity")
    return items[["item_id", "title"]].reset_index(drop=True)


# --------------------------------------------------------------------------- text queries


def item_document(title: str, description: str = "") -> str:
    """The text of a new product, built exactly as the catalogue's item texts were."""
    from llmrec.text.documents import item_document as build

    return build({"item_id": "new", "title": title, "description": description, "categories": [],
                  "category": "", "brand": "", "price": None, "attributes": "{}"})


def personalised_search(ws: Workspace, encoder, query: str, user_id: str | None, model,
                        weight: float = 0.5, k: int = 10) -> pd.DataFrame:
    """rank, item_id, title, category, price, text_score, preference_score, score.

    text_score is the cosine similarity of query and product text; preference_score is the
    model's score for the user, min-max scaled to 0..1 over the catalogue; score blends them as
    (1 - weight) * text + weight * preference. weight 0 is plain semantic search.
    """
    if not 0.0 <= weight <= 1.0:
        raise ConfigError(f"weight must be between 0 and 1, got {weight}")
    if not query or not query.strip():
        raise ConfigError("type a search query")
    q = np.asarray(encoder.encode([query.strip()]), dtype=np.float32)[0]
    text = ws.embeddings["items"] @ q
    if user_id is not None and model is not None:
        raw = user_scores(ws, user_id, model).astype(np.float64)
        finite = np.isfinite(raw)
        lo, hi = (raw[finite].min(), raw[finite].max()) if finite.any() else (0.0, 1.0)
        pref = np.where(finite, (raw - lo) / max(hi - lo, 1e-12), 0.0)
    else:
        pref = np.zeros_like(text, dtype=np.float64)
        weight = 0.0
    score = (1 - weight) * text + weight * pref
    k = min(k, len(score))
    best = _best(ws, score, k)
    items = _lookup(ws).items.iloc[best]
    return pd.DataFrame({
        "rank": np.arange(1, len(best) + 1),
        "item_id": items["item_id"].astype(str).to_numpy(),
        "title": items["title"].to_numpy(), "category": items["category"].to_numpy(),
        "price": items["price"].to_numpy(),
        "text_score": text[best].astype("float64"), "preference_score": pref[best].astype("float64"),
        "score": score[best].astype("float64"),
    })


@dataclass
class Launch:
    """Where a new product lands and who would see it."""

    x: dict[str, float]  # space -> map x (only 'text': MF has no position for unseen items)
    y: dict[str, float]
    neighbours: pd.DataFrame  # item_id, title, category, price, similarity
    audience: pd.DataFrame  # user_id, score, threshold, top_category (users who'd get it in top-K)
    n_users: int
    model: str | None


def launch_product(ws: Workspace, encoder, title: str, description: str = "", k: int = 10,
                   model: str | None = None, n_neighbours: int = 10) -> Launch:
    """Place a product described only by text on the text map, list its nearest products, and
    find the users whose top-k it would enter under `model` (default: the preferred NewItemScorer).

    Map position: similarity-weighted mean of the UMAP coordinates of the nearest catalogue items
    (`llmrec.projection.place_new_points`; no UMAP is run). Audience: users whose score for the new
    item reaches the score of their k-th best unseen catalogue item.
    """
    if not title or not title.strip():
        raise ConfigError("a new product needs a title")
    doc = item_document(title, description)
    vec = np.asarray(encoder.encode([doc]), dtype=np.float32)  # (1, d)
    sims = ws.embeddings["items"] @ vec[0]
    n = min(n_neighbours, len(sims))
    best = _best(ws, sims, n)
    items = _lookup(ws).items.iloc[best]
    neighbours = pd.DataFrame({"item_id": items["item_id"].astype(str).to_numpy(),
                               "title": items["title"].to_numpy(), "category": items["category"].to_numpy(),
                               "price": items["price"].to_numpy(),
                               "similarity": sims[best].astype("float64")})
    proj = ws.projection("text")
    proj["item_id"] = proj["item_id"].astype(str)
    rows = ws.ids.item_indices(proj["item_id"])
    reference_xy = np.zeros((ws.ids.n_items, 2), dtype=np.float32)
    reference_xy[rows] = proj[["x", "y"]].to_numpy(dtype=np.float32)
    x, y = (float(v) for v in place_new_points(vec, ws.embeddings["items"], reference_xy, k=n_neighbours)[0])
    audience = pd.DataFrame(columns=["user_id", "score", "threshold", "top_category"])
    used = None
    model = model or default_model(model_names(ws), NewItemScorer)
    if model in model_names(ws):
        obj = load_workspace_model(ws, model)
        if isinstance(obj, NewItemScorer):
            used = model
            audience = _audience(ws, obj, vec, k)
    return Launch({"text": x}, {"text": y}, neighbours, audience, ws.ids.n_users, used)


def _audience(ws: Workspace, model, vec: np.ndarray, k: int, batch: int = 2048) -> pd.DataFrame:
    """Users whose score for the new item (text embedding `vec`, (1, d)) reaches their k-th best."""
    from llmrec.data.ids import interaction_matrix

    seen = interaction_matrix(ws.dataset.interactions, ws.ids)
    users_all = np.arange(ws.ids.n_users)
    found_users, found_scores, found_thr = [], [], []
    for start in range(0, len(users_all), batch):
        users = users_all[start:start + batch]
        _, best = model.recommend(users, k, exclude="none", mask=seen, tie_seed=tie_seed(ws))  # (batch, k)
        kth = best[:, -1]                                                   # (batch,) k-th best unseen score
        new = np.asarray(model.score_new_items(users, vec), dtype=np.float32)[:, 0]  # (batch,)
        hit = new >= kth
        found_users.append(users[hit])
        found_scores.append(new[hit])
        found_thr.append(kth[hit])
    users = np.concatenate(found_users) if found_users else np.empty(0, dtype=int)
    out = pd.DataFrame({"user_id": ws.ids.users[users].tolist(),
                        "score": np.concatenate(found_scores).astype("float64") if found_users else [],
                        "threshold": np.concatenate(found_thr).astype("float64") if found_users else []})
    try:
        table = portraits_table(ws).set_index("user_id")
        out["top_category"] = out["user_id"].map(table["top_category"])
    except WorkspaceError:
        out["top_category"] = None
    out["margin"] = out["score"] - out["threshold"]
    return out.sort_values("margin", ascending=False).reset_index(drop=True)


# --------------------------------------------------------------------------- evaluation


def metrics(ws: Workspace) -> pd.DataFrame:
    """model, metric, k, value (offline evaluation on the test split; k is <NA> for RMSE/MAE)."""
    return ws.table("evaluation/metrics.parquet")


def metric_ks(ws: Workspace) -> list[int]:
    """The cut-offs K the ranking metrics were computed at."""
    return sorted(int(k) for k in metrics(ws)["k"].dropna().unique())


METRIC_ORDER = ("NDCG", "Recall", "Precision", "HitRate", "MAP", "MRR", "F1", "Coverage", "Novelty",
                "AvgPop", "ILD", "RMSE", "MAE")


def metrics_table(ws: Workspace, k: int | None = None, names: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Models as rows, `METRIC@K` as columns (one K, or all K), accuracy metrics first."""
    table = metrics(ws)
    table = table[table["k"].isna() | (table["k"] == k)] if k is not None else table
    if names is not None:
        table = table[table["metric"].isin(names)]
    cut = table["k"].astype("string").fillna("")
    table = table.assign(column=table["metric"].astype(str) + ("@" + cut).where(cut != "", ""))
    wide = table.pivot_table(index="model", columns="column", values="value", aggfunc="first")
    rank = {name: i for i, name in enumerate(METRIC_ORDER)}

    def order(column: str) -> tuple:
        name, _, cut = column.partition("@")
        return (rank.get(name, len(rank)), name, int(cut) if cut else 0)

    wide = wide[sorted(wide.columns, key=order)]
    wide.columns.name = None
    return wide


def protocol(ws: Workspace) -> dict:
    return ws.json("evaluation/protocol.json")


def protocol_lines(ws: Workspace) -> list[str]:
    """The evaluation protocol as readable 'Name: value' sentences (empty entries left out)."""
    lines = []
    for key, value in protocol(ws).items():
        if value in (None, "", [], {}):
            continue
        if isinstance(value, (list, tuple)):
            value = ", ".join(str(v) for v in value)
        lines.append(f"{key.replace('_', ' ').capitalize()}: {value}")
    return lines


def accuracy_vs_coverage(ws: Workspace, k: int, accuracy: str = "NDCG") -> pd.DataFrame:
    """model, accuracy, coverage at k (coverage: share of the catalogue recommended to anyone)."""
    table = metrics(ws)
    table = table[table["k"] == k]
    metric = table["metric"].astype(str).str.lower()
    acc = table[metric == accuracy.lower()].set_index("model")["value"]
    cov = table[metric.str.contains("coverage")].set_index("model")["value"]
    cov = cov[~cov.index.duplicated()]
    return pd.DataFrame({"model": acc.index, "accuracy": acc.to_numpy(),
                         "coverage": cov.reindex(acc.index).to_numpy()})


def per_user_metrics(ws: Workspace) -> list[str]:
    """Names of the metrics recorded per user (e.g. NDCG, Recall, HitRate)."""
    columns = ws.columns("evaluation/per_user.parquet")
    return [c for c in columns if c not in ("model", "user_id", "k")]


def per_user(ws: Workspace, k: int, model: str | None = None) -> pd.DataFrame:
    """model, user_id, k and one column per metric (NDCG, Recall, ...) for one k (and model)."""
    table = ws.table("evaluation/per_user.parquet")
    table = table[table["k"] == k]
    if model is not None:
        table = table[table["model"] == model]
    table = table.copy()
    table["user_id"] = table["user_id"].astype(str)
    return table.reset_index(drop=True)


def worst_users(ws: Workspace, model: str, k: int, metric: str = "NDCG", n: int = 20) -> pd.DataFrame:
    """The n users the model serves worst at k (ties broken by more history first)."""
    table = per_user(ws, k, model)
    counts = {u: len(r) for u, r in _lookup(ws).user_rows.items()}
    table["n_interactions"] = table["user_id"].map(counts).fillna(0).astype(int)
    return table.sort_values([metric, "n_interactions"], ascending=[True, False]).head(n).reset_index(
        drop=True)


def cold_start(ws: Workspace) -> pd.DataFrame:
    """model, metric, k, value on items unseen in training (empty when not evaluated)."""
    if not (ws.root / "evaluation" / "cold_start.parquet").is_file():
        return pd.DataFrame(columns=["model", "metric", "k", "value"])
    return ws.table("evaluation/cold_start.parquet")


def test_items(ws: Workspace, user_id: str) -> pd.DataFrame:
    """The user's held-out test interactions (what the models had to find)."""
    test = ws.split["test"]
    test = test[test["user_id"].astype(str) == str(user_id)]
    items = _lookup(ws).items
    return pd.DataFrame({"item_id": test["item_id"].astype(str).to_numpy(),
                         "title": items.reindex(test["item_id"].astype(str))["title"].to_numpy()})


QUALITY_FILE = "reasons/quality.json"  # written by `python -m llmrec explain`
QUALITY_COLUMNS = ("generator", "model", "n_pairs", "grounding_rate", "raw_grounding_rate", "fallback_rate",
                   "feature_coverage", "unique_sentence_ratio", "distinct_1", "distinct_2", "mean_words",
                   "latency_per_sentence_s", "created")


def explanation_quality(ws: Workspace) -> pd.DataFrame:
    """One row per generator measured by `python -m llmrec explain` (QUALITY_COLUMNS; empty when it
    has not run). Rates are shares in 0..1; latency is seconds per generated sentence."""
    path = ws.root / QUALITY_FILE
    if not path.is_file():
        return pd.DataFrame(columns=list(QUALITY_COLUMNS))
    try:
        entries = ws.json(QUALITY_FILE)
    except WorkspaceError:
        raise WorkspaceError(f"{path} is damaged (not a JSON object); run `python -m llmrec explain` "
                             "again") from None
    # Entries stamped with other data or models (a rebuild since) are stale: not shown.
    rows = [{"generator": name, **entry} for name, entry in current_quality(entries, ws.manifest).items()]
    frame = pd.DataFrame(rows).reindex(columns=list(QUALITY_COLUMNS))
    numeric = [c for c in QUALITY_COLUMNS if c not in ("generator", "model", "created")]
    frame[numeric] = frame[numeric].apply(pd.to_numeric, errors="coerce")
    return frame


def workspace_summary(root: Path | str) -> dict:
    """Manifest facts for a workspace folder without loading any table."""
    ws = Workspace(root)
    manifest = ws.manifest
    return {"root": str(ws.root), "source": manifest.get("source"), "created": manifest.get("created"),
            "counts": manifest.get("counts", {}), "models": manifest.get("models", [])}
