"""Map placement of new points and the seeded UMAP projection."""

import numpy as np
import pytest

from llmrec.errors import ConfigError
from llmrec.projection import place_new_points, project_2d


def test_new_point_lands_on_its_nearest_reference():
    reference = np.eye(3, dtype=np.float32)
    xy = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]], dtype=np.float32)
    placed = place_new_points(np.array([[0.0, 1.0, 0.0]], dtype=np.float32), reference, xy, k=3)
    # cosine 1 to reference 1 and 0 to the others: all weight on (10, 0)
    np.testing.assert_allclose(placed, [[10.0, 0.0]], atol=1e-3)


@pytest.mark.slow  # umap's first call compiles numba code (~30 s)
def test_umap_is_seeded_and_keeps_clusters_apart():
    rng = np.random.default_rng(0)
    centres = rng.standard_normal((2, 16)).astype(np.float32) * 5
    points = np.vstack([c + rng.standard_normal((40, 16)).astype(np.float32) * 0.1 for c in centres])
    first = project_2d(points, seed=7, metric="euclidean")
    second = project_2d(points, seed=7, metric="euclidean")
    np.testing.assert_array_equal(first, second)
    a, b = first[:40], first[40:]
    gap = np.linalg.norm(a.mean(0) - b.mean(0))
    spread = max(np.linalg.norm(a - a.mean(0), axis=1).max(), np.linalg.norm(b - b.mean(0), axis=1).max())
    assert gap > 2 * spread


@pytest.mark.slow
def test_sampled_umap_places_the_rest_seeded_and_keeps_clusters_apart():
    rng = np.random.default_rng(1)
    centres = rng.standard_normal((2, 16)).astype(np.float32) * 5
    points = np.vstack([c + rng.standard_normal((60, 16)).astype(np.float32) * 0.1 for c in centres])
    first = project_2d(points, seed=3, metric="euclidean", fit_sample=40)   # 40 fitted, 80 transformed
    np.testing.assert_array_equal(first, project_2d(points, seed=3, metric="euclidean", fit_sample=40))
    assert first.shape == (120, 2) and np.isfinite(first).all()
    a, b = first[:60], first[60:]
    gap = np.linalg.norm(a.mean(0) - b.mean(0))
    spread = max(np.linalg.norm(a - a.mean(0), axis=1).max(), np.linalg.norm(b - b.mean(0), axis=1).max())
    assert gap > 2 * spread


def test_fit_sample_must_be_a_usable_size():
    with pytest.raises(ConfigError, match="fit_sample"):
        project_2d(np.zeros((10, 3), dtype=np.float32), seed=0, fit_sample=2)
