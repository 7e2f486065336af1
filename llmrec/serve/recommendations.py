"""Recommendation lists: one model's top-K for a user, models side by side, and a new product's launch."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from llmrec.errors import ConfigError, WorkspaceError
from llmrec.models.base import NewItemScorer
from llmrec.models.registry import default_model
from llmrec.projection import place_new_points
from llmrec.serve.catalogue import item_facts
from llmrec.serve.index import WorkspaceIndex
from llmrec.serve.users import portraits_by_user

EXCLUDE = ("evaluation", "seen", "none")


def _excluded_items(index: WorkspaceIndex, user_id: str, exclude: str) -> np.ndarray:
    """Item indices masked for the user: training and validation items ('evaluation', as the offline
    evaluation masks them before ranking the test items), everything the user interacted with
    ('seen'), or nothing ('none')."""
    ws = index.ws
    if exclude == "none":
        return np.empty(0, dtype=np.int64)
    if exclude == "seen":
        rows = index.user_rows.get(str(user_id), np.empty(0, dtype=int))
        return ws.ids.item_indices(ws.dataset.interactions["item_id"].iloc[rows])
    if exclude == "evaluation":
        items = pd.concat([index.split_slice(part, user_id)["item_id"] for part in ("train", "valid")])
        return ws.ids.item_indices(items)
    raise ConfigError(f"unknown exclude '{exclude}'; choose one of {', '.join(EXCLUDE)}")


def user_scores(index: WorkspaceIndex, user_id: str, model: str) -> np.ndarray:
    """(n_items,) float32 scores of every item for the user under `model`."""
    row = index.check_user(user_id)
    return np.asarray(index.model(model).score(np.array([row])), dtype=np.float32)[0]


def _user_mask(index: WorkspaceIndex, user: int, items: np.ndarray):
    """(n_users, n_items) sparse mask holding `items` in row `user` only."""
    import scipy.sparse as sp

    ids = index.ws.ids
    return sp.csr_matrix((np.ones(len(items), dtype=np.float32), (np.full(len(items), user), items)),
                         shape=(ids.n_users, ids.n_items))


def recommend(index: WorkspaceIndex, user_id: str, model: str, k: int = 10,
              exclude: str = "evaluation") -> pd.DataFrame:
    """rank, item_id, title, category, brand, price, price_band, score, held_out: the user's top-k.

    `exclude` masks training and validation items (the evaluation setting; default), all seen
    items, or none. Ranked by the model's `recommend` (the ranking and tie rule of the evaluation).
    `held_out` marks items in the user's test split, i.e. hits of the offline evaluation.
    """
    user = index.check_user(user_id)
    mask = _user_mask(index, user, _excluded_items(index, user_id, exclude))
    ranked, values = index.model(model).recommend(np.array([user]), max(1, int(k)), exclude="none",
                                                  mask=mask, tie_seed=index.tie_seed)
    keep = ranked[0] >= 0
    out = item_facts(index, ranked[0][keep])
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    out["score"] = values[0][keep].astype("float64")
    out["held_out"] = out["item_id"].isin(_test_items(index, user_id)).to_numpy()
    return out


def top_items(index: WorkspaceIndex, model: str, users: np.ndarray) -> np.ndarray:
    """(len(users),) each user's best item index under `model` (-1 when none is left), with training
    and validation items masked as the offline evaluation masks them."""
    from llmrec.data.ids import interaction_matrix

    ws = index.ws
    users = np.asarray(users, dtype=np.int64)
    train, valid = (interaction_matrix(ws.split[part], ws.ids) != 0 for part in ("train", "valid"))
    ranked, _ = index.model(model).recommend(users, 1, exclude="none", mask=train + valid,
                                             tie_seed=index.tie_seed)
    return ranked[:, 0]


def _test_items(index: WorkspaceIndex, user_id: str) -> set[str]:
    return set(index.split_slice("test", user_id)["item_id"].astype(str))


def test_items(index: WorkspaceIndex, user_id: str) -> pd.DataFrame:
    """item_id, title of the user's held-out test interactions (what the models had to find)."""
    test = index.split_slice("test", user_id)
    return pd.DataFrame({"item_id": test["item_id"].astype(str).to_numpy(),
                         "title": index.items.reindex(test["item_id"].astype(str))["title"].to_numpy()})


test_items.__test__ = False  # a query, not a pytest test


def compare_models(index: WorkspaceIndex, user_id: str, models: tuple[str, ...], k: int = 10,
                   exclude: str = "evaluation") -> pd.DataFrame:
    """One column of titles per model (rank as index): the models' top-k side by side."""
    columns = {name: recommend(index, user_id, name, k, exclude)["title"].tolist() for name in models}
    width = max((len(v) for v in columns.values()), default=0)
    return pd.DataFrame({n: v + [""] * (width - len(v)) for n, v in columns.items()},
                        index=pd.RangeIndex(1, width + 1, name="rank"))


# ------------------------------------------------------------------ launching a new product


def item_document(title: str, description: str = "") -> str:
    """The text of a new product, built exactly as the catalogue's item texts were."""
    from llmrec.text.documents import item_document as build

    return build({"item_id": "new", "title": title, "description": description, "categories": [],
                  "category": "", "brand": "", "price": None, "attributes": "{}"})


@dataclass(frozen=True)
class Launch:
    """Where a new product lands and who would see it."""

    x: float  # position on the text map (MF has no position for unseen items)
    y: float
    neighbours: pd.DataFrame  # item_id, title, category, brand, price, price_band, similarity
    audience: pd.DataFrame  # user_id, score, threshold, top_category, margin (users who'd get it in top-K)
    n_users: int
    model: str | None  # the NewItemScorer that scored it; None when the workspace has none


def launch_product(index: WorkspaceIndex, encoder, title: str, description: str = "", k: int = 10,
                   model: str | None = None, n_neighbours: int = 10) -> Launch:
    """Place a product described only by text on the text map, list its nearest products, and
    find the users whose top-k it would enter under `model` (default: the preferred NewItemScorer).

    Map position: similarity-weighted mean of the UMAP coordinates of the nearest catalogue items
    (`llmrec.projection.place_new_points`; no UMAP is run). Audience: users whose score for the new
    item reaches their k-th best unseen catalogue item scored the same way, from its text alone.
    """
    if not title or not title.strip():
        raise ConfigError("a new product needs a title")
    ws = index.ws
    vec = np.asarray(encoder.encode([item_document(title, description)]), dtype=np.float32)  # (1, d)
    sims = ws.embeddings["items"] @ vec[0]
    best = index.best(sims, min(n_neighbours, len(sims)))
    neighbours = item_facts(index, best)
    neighbours["similarity"] = sims[best].astype("float64")
    proj = ws.projection("text")
    rows = ws.ids.item_indices(proj["item_id"].astype(str))
    reference_xy = np.zeros((ws.ids.n_items, 2), dtype=np.float32)
    reference_xy[rows] = proj[["x", "y"]].to_numpy(dtype=np.float32)
    x, y = (float(v) for v in place_new_points(vec, ws.embeddings["items"], reference_xy, k=n_neighbours)[0])
    audience = pd.DataFrame(columns=["user_id", "score", "threshold", "top_category", "margin"])
    model = model or default_model(index.model_names, NewItemScorer)
    used = None
    if model in index.model_names:
        obj = index.model(model)
        if isinstance(obj, NewItemScorer):
            used = model
            audience = _audience(index, obj, vec, k)
    return Launch(x, y, neighbours, audience, ws.ids.n_users, used)


def _audience(index: WorkspaceIndex, model: NewItemScorer, vec: np.ndarray, k: int,
              cells: int = 4_000_000) -> pd.DataFrame:
    """Users whose score for the new item (text embedding `vec`, (1, d)) reaches their k-th best.

    The k-th best is taken over the unseen catalogue scored from text alone
    (`score_new_items` on the catalogue's item texts), the only way the new item can be scored.
    Compared with the catalogue's full scores instead (learned item vectors and biases, which a
    new item lacks), a new product never reached anybody's top-k and the audience was empty.
    """
    from llmrec.data.ids import interaction_matrix
    from llmrec.models.ranking import rank_top_k, tie_order

    ws = index.ws
    seen = interaction_matrix(ws.dataset.interactions, ws.ids)
    item_text = ws.embeddings["items"]  # (n_items, d)
    order = tie_order(ws.ids.n_items, index.tie_seed)
    users_all = np.arange(ws.ids.n_users)
    found_users, found_scores, found_thr = [], [], []
    batch = max(1, cells // max(1, ws.ids.n_items))  # users per block: blocks hold about `cells` scores
    for start in range(0, len(users_all), batch):
        users = users_all[start:start + batch]
        catalogue = np.asarray(model.score_new_items(users, item_text), dtype=np.float32)  # (batch, n_items)
        _, best = rank_top_k(catalogue, k, seen[users], order=order)  # (batch, k)
        kth = best[:, -1]  # (batch,) k-th best unseen score, from text alone
        new = np.asarray(model.score_new_items(users, vec), dtype=np.float32)[:, 0]  # (batch,)
        hit = new >= kth
        found_users.append(users[hit])
        found_scores.append(new[hit])
        found_thr.append(kth[hit])
    users = np.concatenate(found_users)
    out = pd.DataFrame({"user_id": ws.ids.users[users].tolist(),
                        "score": np.concatenate(found_scores).astype("float64"),
                        "threshold": np.concatenate(found_thr).astype("float64")})
    try:
        table = portraits_by_user(index)
        out["top_category"] = out["user_id"].map(table["top_category"])
    except WorkspaceError:
        out["top_category"] = None
    out["margin"] = out["score"] - out["threshold"]
    return out.sort_values("margin", ascending=False).reset_index(drop=True)
