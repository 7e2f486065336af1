"""A sampled map still maps every click back to the right product of the full map frame."""

from __future__ import annotations

import numpy as np
import pandas as pd

from llmrec.serve.maps import sample_points
from llmrec.ui.charts import embedding_map


def test_clicks_on_a_sampled_map_name_the_product_drawn():
    n = 3_000
    rng = np.random.default_rng(2)
    points = pd.DataFrame({"item_id": [f"i{i}" for i in range(n)], "x": rng.normal(size=n),
                           "y": rng.normal(size=n),
                           "title": [f"product {i}" for i in range(n)],
                           "category": np.array(["Tools", "Garden", "Tea"])[np.arange(n) % 3],
                           "price": rng.uniform(1, 50, n), "popularity": rng.integers(0, 9, n),
                           "cluster": np.arange(n) % 5})
    shown = sample_points(points, limit=300, floor=2)
    assert len(shown) == 300
    for colour in ("category", "price"):
        fig = embedding_map(shown, colour)
        drawn = 0
        for trace in fig.data:
            rows = np.asarray(trace.customdata, dtype=np.int64)
            # what a click reports (customdata) is the full frame's row of the very point drawn
            np.testing.assert_allclose(points["x"].to_numpy()[rows], np.asarray(trace.x, dtype=np.float64),
                                       rtol=1e-6)
            drawn += len(rows)
        assert drawn == len(shown)
