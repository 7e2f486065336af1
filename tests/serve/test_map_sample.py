"""A sampled item map keeps every category and cluster, large groups' shares, and rows' labels."""

from __future__ import annotations

import numpy as np
import pandas as pd

from llmrec.serve.maps import sample_points


def _points(n: int = 10_000) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    category = np.where(np.arange(n) % 2 == 0, "Tools", "Garden")
    cluster = rng.integers(0, 4, n)
    category[[17, 4_321]] = "Tea"          # a category of two products
    cluster[[5, 77, 901]] = 9              # a cluster of three products
    return pd.DataFrame({"item_id": [f"i{i}" for i in range(n)], "x": rng.normal(size=n),
                         "y": rng.normal(size=n), "category": category, "cluster": cluster})


def test_sample_keeps_every_category_and_cluster_even_the_tiny_ones():
    points = _points()
    shown = sample_points(points, limit=500, floor=5)
    assert set(shown["category"]) == set(points["category"])
    assert set(shown["cluster"]) == set(points["cluster"])
    assert {17, 4_321, 5, 77, 901} <= set(shown.index)   # groups under the floor keep every member
    assert len(shown) == 500


def test_sample_keeps_row_labels_and_large_groups_shares():
    points = _points()
    shown = sample_points(points, limit=2_000, floor=5)
    assert shown.index.is_monotonic_increasing
    pd.testing.assert_frame_equal(shown, points.loc[shown.index])   # labels = rows of the full frame
    tools = (shown["category"] == "Tools").mean()
    assert 0.45 < tools < 0.55                                       # half the catalogue, about half shown


def test_sample_is_seeded_and_a_small_map_is_returned_whole():
    points = _points()
    first, again = sample_points(points, limit=800, seed=3), sample_points(points, limit=800, seed=3)
    pd.testing.assert_frame_equal(first, again)
    assert not sample_points(points, limit=800, seed=4).index.equals(first.index)
    assert sample_points(points, limit=len(points)) is points


def test_floors_alone_may_exceed_the_limit():
    points = _points()
    shown = sample_points(points, limit=10, floor=5)   # 3 categories + 5 clusters, 5 each at most
    assert set(shown["category"]) == set(points["category"])
    assert set(shown["cluster"]) == set(points["cluster"])
    assert 10 < len(shown) <= 5 * 8
