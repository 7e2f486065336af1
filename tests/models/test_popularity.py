import numpy as np
import pytest
import scipy.sparse as sp

from llmrec.models import Popularity, top_k


def test_popularity_counts_users_per_item():
    # items:        0  1  2  3
    train = sp.csr_matrix(np.array([[1, 1, 0, 0],
                                    [0, 1, 0, 0],
                                    [0, 5, 1, 0]], dtype=np.float32))  # a value of 5 still counts once
    model = Popularity().fit(train)
    expected = np.array([1, 3, 1, 0], dtype=np.float32)
    np.testing.assert_array_equal(model.score(np.array([0, 2])), np.stack([expected, expected]))
    # user 0 has seen items 0 and 1: item 2 (count 1) beats item 3 (count 0)
    assert top_k(model.score(np.array([0])), 2, exclude=train, rows=np.array([0]))[0].tolist() == [2, 3]
    assert model.explain(1, 1) == {"model": "popularity", "user": 1, "item": 1, "score": 3.0,
                                   "parts": {"popularity": 3.0}, "interactions": 3}


def test_popularity_has_no_parameters():
    assert Popularity().get_params() == {}
    assert repr(Popularity()) == "Popularity()"
    with pytest.raises(TypeError):
        Popularity(factors=3)
