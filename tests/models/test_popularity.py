import numpy as np
import pytest
import scipy.sparse as sp

from llmrec.models import Explanation, Popularity


def test_popularity_counts_users_per_item():
    # items:        0  1  2  3
    train = sp.csr_matrix(np.array([[1, 1, 0, 0],
                                    [0, 1, 0, 0],
                                    [0, 5, 1, 0]], dtype=np.float32))  # a value of 5 still counts once
    model = Popularity().fit(train)
    expected = np.array([1, 3, 1, 0], dtype=np.float32)
    np.testing.assert_array_equal(model.score(np.array([0, 2])), np.stack([expected, expected]))
    # user 0 has seen items 0 and 1: item 2 (count 1) beats item 3 (count 0)
    items, scores = model.recommend(np.array([0]), 2)  # exclude="history" by default
    assert items[0].tolist() == [2, 3] and scores[0].tolist() == [1.0, 0.0]
    assert model.explain(1, 1) == Explanation("popularity", 1, 1, 3.0, {"popularity": 3.0})


def test_popularity_has_no_parameters():
    assert Popularity().get_params() == {}
    assert repr(Popularity()) == "Popularity()"
    with pytest.raises(TypeError):
        Popularity(factors=3)
