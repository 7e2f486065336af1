"""Interest clusters: groups of items close in the language-model text space, with readable labels."""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
import pandas as pd
from sklearn.cluster import MiniBatchKMeans

from llmrec.data.quality import MISSING_CATEGORIES

_STOP = frozenset(
    "a an and the for with of to in on by from this that is are your you our it its as at or "
    "set pack new inch x pcs piece pieces".split())


def _label_text(items: pd.DataFrame) -> list[str]:
    """Per item, the text its words may label a cluster with: its title, unless the title is only the
    item's id (no metadata), then its description (review snippets when the loader found some)."""
    titles = items["title"].fillna("").astype(str)
    by_id = titles == items["item_id"].astype(str)
    description = items["description"].fillna("").astype(str) if "description" in items else ""
    return titles.where(~by_id, description).tolist()


def n_clusters_for(n_items: int) -> int:
    """About sqrt(n/2) clusters, clamped to a number a person can scan in a legend."""
    return int(np.clip(round(np.sqrt(n_items / 2)), 2, 30)) if n_items >= 4 else 1


def item_clusters(item_emb: np.ndarray, items: pd.DataFrame, *, seed: int,
                  n_clusters: int | None = None) -> pd.DataFrame:
    """item_id, cluster, cluster_label for every item (k-means on L2-normalised text embeddings).

    A label is the cluster's dominant category plus its two most distinctive title words, so a
    merchandiser can read it ("Kitchen: kettle, espresso"). Words come from real titles only (an
    item titled by its id lends its description, e.g. review text, or nothing), and a catalogue
    without categories gets labels of words alone; with neither, "cluster N".
    """
    k = n_clusters or n_clusters_for(len(items))
    if k <= 1:
        labels = np.zeros(len(items), dtype=np.int64)
    else:
        km = MiniBatchKMeans(n_clusters=k, random_state=seed, n_init=3, batch_size=2048)
        labels = km.fit_predict(item_emb.astype(np.float32)).astype(np.int64)
    frame = pd.DataFrame({"item_id": items["item_id"].astype(str).to_numpy(), "cluster": labels})
    words_all = Counter()
    words_by_cluster: dict[int, Counter] = {}
    # Brand names are distinctive but say nothing about the interest, so they never label a cluster.
    brand_words = {w for b in items["brand"].fillna("").astype(str) for w in re.findall(r"[a-z]+", b.lower())}
    for cluster, title in zip(labels, _label_text(items), strict=True):
        words = {w for w in re.findall(r"[a-z]+", title.lower())
                 if len(w) > 2 and w not in _STOP and w not in brand_words}
        words_all.update(words)
        words_by_cluster.setdefault(int(cluster), Counter()).update(words)
    category = items["category"].astype(str).to_numpy()
    names = {}
    for cluster in np.unique(labels):
        members = labels == cluster
        known = [c for c in category[members] if c not in MISSING_CATEGORIES]
        top_category = Counter(known).most_common(1)[0][0] if known else ""
        counts = words_by_cluster.get(int(cluster), Counter())
        size = members.sum()
        # Distinctive = frequent in the cluster relative to the catalogue (a lift score).
        ranked = sorted(counts, key=lambda w: (-counts[w] / size * np.log(len(items) / words_all[w]), w))
        words = ", ".join(ranked[:2])
        parts = [p for p in (top_category, words) if p]
        names[int(cluster)] = ": ".join(parts) if parts else f"cluster {int(cluster)}"
    frame["cluster_label"] = frame["cluster"].map(names)
    return frame
