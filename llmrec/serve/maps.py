"""The 2-D item maps (text, frozen text and MF space) and nearest neighbours of a product in either space."""

from __future__ import annotations

import numpy as np
import pandas as pd

from llmrec.errors import ConfigError
from llmrec.models.base import FactorModel
from llmrec.models.registry import preferred
from llmrec.serve.catalogue import has_categories, item_facts
from llmrec.serve.index import WorkspaceIndex
from llmrec.serve.users import cluster_labels

SPACES = ("text", "text_frozen", "mf")
# "text_frozen": the packaged encoder's text space, kept beside the fine-tuned one ("text") only when
# the build fine-tuned the encoder and kept it, so the two can be compared.
TEXT_VECTORS = {"text": "items", "text_frozen": "items_frozen"}
COLOUR_BY = ("category", "cluster", "price", "popularity")
MAP_POINT_LIMIT = 20_000
"""Most products drawn on a map: at 100k points a rerun spent seconds building and sending the
figure (6 MB of JSON); 20k keeps it well under the 300 ms budget and still shows the shape."""
SAMPLE_FLOOR = 20
"""Products every category and every cluster keeps in a sampled map (all of them when it has fewer)."""


def _check_space(space: str) -> None:
    if space not in SPACES:
        raise ConfigError(f"unknown space '{space}'; choose one of {', '.join(SPACES)}")


def map_frame(index: WorkspaceIndex, space: str) -> pd.DataFrame:
    """item_id, x, y, title, category, brand, price, popularity, cluster, cluster_label: the 2-D map
    of `space`. `cluster` is the item's text-space interest cluster (-1 when unknown)."""
    _check_space(space)
    ws = index.ws
    proj = ws.projection(space)
    out = pd.DataFrame({"item_id": proj["item_id"].astype(str).to_numpy(), "x": proj["x"].to_numpy(),
                        "y": proj["y"].to_numpy()})
    facts = index.items.loc[out["item_id"], ["title", "category", "brand", "price", "popularity"]]
    for column in facts.columns:
        out[column] = facts[column].to_numpy()
    clusters = pd.Series(dtype="int64")
    if (ws.root / "portraits" / "item_clusters.parquet").is_file():
        table = ws.table("portraits/item_clusters.parquet")
        clusters = table.set_index(table["item_id"].astype(str))["cluster"]
    out["cluster"] = out["item_id"].map(clusters).fillna(-1).astype("int64")
    labels = cluster_labels(index)
    out["cluster_label"] = out["cluster"].map(lambda c: labels.get(int(c), "none"))
    return out


def _shared_frame(index: WorkspaceIndex, space: str) -> pd.DataFrame:
    """map_frame(space), built once per index for the lookups below (never handed out)."""
    return index.derived(("map frame", space), lambda: map_frame(index, space))


def map_positions(index: WorkspaceIndex, space: str, item_ids: list[str] | tuple[str, ...]) -> pd.DataFrame:
    """item_id, x, y, title of `item_ids` on the map of `space`, in that order (repeats kept); ids
    the map lacks are left out. What an overlay draws, without copying the whole map."""
    by_id = index.derived(("map by id", space),
                          lambda: _shared_frame(index, space).set_index("item_id")[["x", "y", "title"]])
    return by_id.reindex([str(i) for i in item_ids]).dropna().reset_index()


def map_rows(index: WorkspaceIndex, space: str, item_ids: list[str] | tuple[str, ...]) -> pd.DataFrame:
    """The map frame's rows of `item_ids` (every column, in map order, with their row labels)."""
    points = _shared_frame(index, space)
    return points[points["item_id"].isin([str(i) for i in item_ids])].copy()


def map_size(index: WorkspaceIndex, space: str) -> int:
    """How many products the map of `space` holds."""
    return len(_shared_frame(index, space))


def map_item_at(index: WorkspaceIndex, space: str, row: int) -> str | None:
    """The item at row `row` of the map frame (what a clicked marker carries), None outside it."""
    ids = _shared_frame(index, space)["item_id"]
    return str(ids.iloc[row]) if 0 <= row < len(ids) else None


def colourings(index: WorkspaceIndex) -> list[str]:
    """The map colourings this catalogue has data for, in COLOUR_BY order (the first is the default):
    no "category" without categories, no "price" without prices, no "cluster" without clusters."""
    present = {"category": has_categories(index),
               "cluster": (index.ws.root / "portraits" / "item_clusters.parquet").is_file(),
               "price": bool((index.items["price"] > 0).any()), "popularity": True}
    return [name for name in COLOUR_BY if present[name]]


def sample_points(points: pd.DataFrame, limit: int = MAP_POINT_LIMIT, *, seed: int = 0,
                  groups: tuple[str, ...] = ("category", "cluster"), floor: int = SAMPLE_FLOOR
                  ) -> pd.DataFrame:
    """At most about `limit` rows of a map frame, keeping every group of every column in `groups`.

    Each group keeps `floor` random members (all when smaller), so small categories and clusters
    stay visible; the rest of the budget is a uniform random sample, so large groups keep their
    share. Seeded and deterministic; rows keep their index labels (their rows in the full frame), in
    order. A frame within the limit is returned whole. The result exceeds `limit` only when the
    floors alone do (floor x number of groups).
    """
    if len(points) <= limit:
        return points
    priority = np.random.default_rng(seed).permutation(len(points))  # lower = drawn first
    keep = np.zeros(len(points), dtype=bool)
    for column in (c for c in groups if c in points):
        codes = pd.factorize(points[column], use_na_sentinel=False)[0]
        order = np.lexsort((priority, codes))                    # by group, then priority
        starts = np.searchsorted(codes[order], codes[order])     # first position of each row's group
        keep[order[np.arange(len(order)) - starts < floor]] = True
    budget = max(limit - int(keep.sum()), 0)
    rest = np.flatnonzero(~keep)
    keep[rest[np.argsort(priority[rest], kind="stable")[:budget]]] = True
    return points[keep]


def available_spaces(index: WorkspaceIndex) -> list[str]:
    """The spaces this workspace has a 2-D projection for."""
    return [s for s in SPACES if (index.ws.root / "projection" / f"{s}.parquet").is_file()]


def space_vectors(index: WorkspaceIndex, space: str, model: str | None = None) -> np.ndarray:
    """(n_items, d) item vectors of a space: text embeddings, or a factor model's item factors."""
    ws = index.ws
    _check_space(space)
    if space in TEXT_VECTORS:
        return ws.embeddings[TEXT_VECTORS[space]]
    meta = "projection/projection.json"
    mapped = ws.json(meta).get("mf_model") if (ws.root / meta).is_file() else None
    candidates = [model] if model else preferred([mapped] if mapped else [], FactorModel) + preferred(
        index.model_names, FactorModel)
    for name in dict.fromkeys(candidates):
        obj = index.model(name)
        if isinstance(obj, FactorModel):
            return obj.item_vectors()
    # no factor model: fall back to the projected 2-D MF coordinates (still the MF neighbourhood)
    proj = ws.projection("mf").set_index("item_id").reindex(ws.ids.items)
    return proj[["x", "y"]].to_numpy(dtype=np.float32)


def nearest_items(index: WorkspaceIndex, item_id: str, space: str = "text", k: int = 10) -> pd.DataFrame:
    """item_id, title, category, brand, price, price_band, similarity of the k items nearest to
    `item_id` in `space` (cosine; negative distance on 2-D coordinates)."""
    row = index.check_item(item_id)
    vectors = space_vectors(index, space)
    target = vectors[row]
    if space in TEXT_VECTORS or vectors.shape[1] > 2:
        norms = np.linalg.norm(vectors, axis=1) * max(float(np.linalg.norm(target)), 1e-12)
        sims = (vectors @ target) / np.maximum(norms, 1e-12)
    else:
        sims = -np.linalg.norm(vectors - target, axis=1)
    sims[row] = -np.inf
    best = index.best(sims, min(k, len(sims) - 1))
    out = item_facts(index, best)
    out["similarity"] = sims[best].astype("float64")
    return out
