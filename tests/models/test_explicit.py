import numpy as np
import pytest
import scipy.sparse as sp

from llmrec.errors import ConfigError, DataError, UnknownIdError
from llmrec.models import RatingMF, rmse_mae
from tests.models.model_datasets import planted_ratings


@pytest.fixture(scope="module")
def ratings():
    return planted_ratings()


@pytest.fixture(scope="module")
def fitted(ratings):
    train, test = ratings
    return RatingMF(factors=8, epochs=60, lr=0.02, reg=0.05, batch_size=256, patience=5).fit(
        train, validation=test)


def test_recovers_planted_low_rank_ratings(ratings, fitted):
    train, test = ratings
    rmse, mae = rmse_mae(fitted, test)
    mean_error = test.data - train.data.mean()
    mean_rmse = float(np.sqrt(np.mean(mean_error**2)))
    assert mae <= rmse
    assert rmse < 0.5                   # noise-free rank-3 signal with std ~1.1
    assert rmse < 0.5 * mean_rmse       # far below what a mean predictor reaches


def test_predict_is_clipped_to_the_training_range(ratings, fitted):
    train, _ = ratings
    users, items = np.repeat(np.arange(80), 60), np.tile(np.arange(60), 80)
    predicted = fitted.predict(users, items)
    assert predicted.min() >= train.data.min() and predicted.max() <= train.data.max()
    unclipped = fitted.score(np.arange(80)).ravel()
    np.testing.assert_allclose(np.clip(unclipped, train.data.min(), train.data.max()), predicted,
                               rtol=1e-5, atol=1e-5)


def test_early_stopping_on_validation_rmse(ratings):
    train, test = ratings
    log = []
    model = RatingMF(factors=32, epochs=200, lr=0.05, reg=0.0, batch_size=64, patience=2).fit(
        train, validation=test, callback=lambda e, m: log.append(m["val_rmse"]))
    assert len(log) < 200
    assert model.best_epoch_ == int(np.argmin(log)) + 1
    assert rmse_mae(model, test)[0] == pytest.approx(min(log), rel=1e-4)


def test_users_and_items_without_ratings_fall_back_to_biases():
    train = sp.csr_matrix(np.array([[5, 3, 0], [4, 0, 0], [0, 0, 0]], dtype=np.float32))
    model = RatingMF(factors=2, epochs=3).fit(train)
    # user 2 and item 2 have no ratings: their vectors and biases are zero
    assert model.predict(np.array([2]), np.array([2]))[0] == pytest.approx(4.0)  # the global mean
    assert np.all(model.user_factors_[2] == 0) and model.item_bias_[2] == 0


def test_predict_checks_its_input(fitted):
    with pytest.raises(UnknownIdError, match="item"):
        fitted.predict(np.array([0]), np.array([60]))
    with pytest.raises(DataError, match="as many users as items"):
        fitted.predict(np.array([0, 1]), np.array([0]))


@pytest.mark.parametrize("params", [{"factors": 0}, {"lr": -1.0}, {"reg": float("nan")}, {"patience": 0}])
def test_invalid_parameters(ratings, params):
    with pytest.raises(ConfigError, match=next(iter(params))):
        RatingMF(**params).fit(ratings[0])
