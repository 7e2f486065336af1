"""Interest clusters: groups of items close in the language-model text space, with readable labels."""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
import pandas as pd
from sklearn.cluster import MiniBatchKMeans

_STOP = frozenset(
    "a an and the for with of to in on by from this that is are your you our it its as at or "
    "set pack new inch x".split())


def n_clusters_for(n_items: int) -> int:
    """About sqrt(n/2) clusters, clamped to a number a person can scan in a legend."""
    return int(np.clip(round(np.sqrt(n_items / 2)), 2, 30)) if n_items >= 4 else 1


def item_clusters(item_emb: np.ndarray, items: pd.DataFrame, *, seed: int,
                  n_clusters: int | None = None) -> pd.DataFrame:
    """item_id, cluster, cluster_label for every item (k-means on L2-normalised text embeddings).

    A label is the cluster's dominant category plus its two most distinctive title words, so a
    merchandiser can read it ("Kitchen: kettle, espresso").
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
    for cluster, title in zip(labels, items["title"].fillna("").astype(str), strict=True):
        words = {w for w in re.findall(r"[a-z]+", title.lower())
                 if len(w) > 2 and w not in _STOP and w not in brand_words}
        words_all.update(words)
        words_by_cluster.setdefault(int(cluster), Counter()).update(words)
    category = items["category"].astype(str).to_numpy()
    names = {}
    for cluster in np.unique(labels):
        members = labels == cluster
        top_category = Counter(category[members]).most_common(1)[0][0]
        counts = words_by_cluster.get(int(cluster), Counter())
        size = members.sum()
        # Distinctive = frequent in the cluster relative to the catalogue (a lift score).
        ranked = sorted(counts, key=lambda w: (-counts[w] / size * np.log(len(items) / words_all[w]), w))
        names[int(cluster)] = f"{top_category}: {', '.join(ranked[:2])}" if ranked else top_category
    frame["cluster_label"] = frame["cluster"].map(names)
    return frame
