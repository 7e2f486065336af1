"""The tests every recommender must pass (LensKit-style mixin): subclass and set `make_model`."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from llmrec.errors import NotFittedError, UnknownIdError
from llmrec.models import MODELS, Explainable, Explanation, Recommender, build_model, load_model


class RecommenderSuite:
    """Mixin: a test class sets `make_model()` (a fresh unfitted model) and may set `needs_text`."""

    needs_text = False

    def make_model(self):
        raise NotImplementedError

    @pytest.fixture
    def data(self, board):
        train, _, text = board
        # user 0 keeps no training data, to exercise the fallback
        train = train.tolil()
        train.rows[0], train.data[0] = [], []
        return train.tocsr(), text

    @pytest.fixture
    def fitted(self, data):
        train, text = data
        return self.make_model().fit(train, item_text=text if self.needs_text else None)

    def test_fit_returns_self_and_meets_protocol(self, data):
        train, text = data
        model = self.make_model()
        assert model.fit(train, item_text=text) is model
        assert isinstance(model, Recommender)

    def test_score_shape_dtype_and_finite(self, fitted, data):
        train, _ = data
        scores = fitted.score(np.array([3, 1, 3]))
        assert scores.shape == (3, train.shape[1])
        assert scores.dtype == np.float32
        assert np.isfinite(scores).all()
        np.testing.assert_array_equal(scores[0], scores[2])

    def test_empty_user_list(self, fitted, data):
        assert fitted.score(np.array([], dtype=np.int64)).shape == (0, data[0].shape[1])

    def test_user_without_training_data_gets_finite_scores(self, fitted):
        assert np.isfinite(fitted.score(np.array([0]))).all()

    @pytest.mark.parametrize("user", [-1, 40, 1000])
    def test_unknown_user_raises(self, fitted, user):
        with pytest.raises(UnknownIdError, match="unknown user index"):
            fitted.score(np.array([1, user]))

    def test_not_fitted_raises(self, tmp_path):
        model = self.make_model()
        with pytest.raises(NotFittedError):
            model.score(np.array([0]))
        with pytest.raises(NotFittedError):
            model.save(tmp_path / "m")

    def test_save_load_round_trip(self, fitted, tmp_path):
        fitted.save(tmp_path / "m")
        assert {p.name for p in (tmp_path / "m").iterdir()} == {"model.safetensors", "config.json"}
        loaded = load_model(tmp_path / "m")
        assert type(loaded) is type(fitted)
        assert loaded.get_params() == fitted.get_params()
        users = np.arange(10)
        np.testing.assert_array_equal(loaded.score(users), fitted.score(users))
        np.testing.assert_array_equal(loaded.recommend(users, 5)[0], fitted.recommend(users, 5)[0])
        assert type(fitted).load(tmp_path / "m").get_params() == fitted.get_params()

    def test_score_of_chosen_items_matches_all_items(self, fitted):
        items = np.array([5, 0, 39, 5])
        np.testing.assert_allclose(fitted.score(np.array([2, 7]), items),
                                   fitted.score(np.array([2, 7]))[:, items], rtol=1e-6, atol=1e-6)
        with pytest.raises(UnknownIdError, match="unknown item index"):
            fitted.score(np.array([2]), np.array([40]))

    def test_recommend_masks_history_and_follows_scores(self, fitted, data):
        train, _ = data
        users = np.array([1, 0, 12])
        items, scores = fitted.recommend(users, 5)
        assert items.shape == scores.shape == (3, 5) and items.dtype == np.int64
        for row, user in enumerate(users):
            assert not set(items[row]) & set(train[user].indices)          # history masked
            all_scores = fitted.score(np.array([user]))[0]
            # float32 sums over a batch of 3 and of 1 may round differently (BLAS blocking)
            np.testing.assert_allclose(scores[row], all_scores[items[row]], rtol=1e-5, atol=1e-6)
            assert list(scores[row]) == sorted(scores[row], reverse=True)
        unmasked, _ = fitted.recommend(users, 5, exclude="none", candidates=np.array([3, 4, 5]))
        assert set(unmasked[:, :3].ravel()) <= {3, 4, 5} and (unmasked[:, 3:] == -1).all()
        assert fitted.recommend(np.array([], dtype=np.int64), 5)[0].shape == (0, 5)
        with pytest.raises(UnknownIdError):
            fitted.recommend(np.array([40]), 5)

    def test_same_seed_same_scores(self, fitted, data):
        train, text = data
        again = self.make_model().fit(train, item_text=text if self.needs_text else None)
        np.testing.assert_array_equal(again.score(np.arange(10)), fitted.score(np.arange(10)))

    def test_explain_parts_add_up_to_score(self, fitted):
        if not isinstance(fitted, Explainable):
            pytest.skip(f"{type(fitted).__name__} does not declare Explainable")
        for user, item in [(1, 5), (12, 30), (0, 7)]:
            explanation = fitted.explain(user, item)
            assert isinstance(explanation, Explanation)
            assert (explanation.user, explanation.item) == (user, item)
            assert explanation.score == pytest.approx(float(fitted.score(np.array([user]))[0, item]),
                                                      rel=1e-4, abs=1e-5)
            total = sum(explanation.parts.values())
            assert total == pytest.approx(explanation.score, rel=1e-5, abs=1e-6)
        with pytest.raises(UnknownIdError):
            fitted.explain(1, 10_000)

    def test_registry_builds_it(self):
        model = self.make_model()
        name = model.name
        assert MODELS[name] is type(model)
        assert build_model(name, **model.get_params()).get_params() == model.get_params()

    def test_train_must_be_sparse(self, data):
        from llmrec.errors import DataError
        with pytest.raises(DataError, match="scipy.sparse"):
            self.make_model().fit(np.ones((3, 3)), item_text=data[1])
        with pytest.raises(DataError, match="no interactions"):
            self.make_model().fit(sp.csr_matrix((40, 40), dtype=np.float32), item_text=data[1])
