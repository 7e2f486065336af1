"""Rating-prediction error: RMSE and MAE of predicted against observed ratings."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from llmrec.errors import DataError


def _rating_pair(predicted, actual) -> tuple[np.ndarray, np.ndarray]:
    predicted = np.asarray(predicted, dtype=np.float64).ravel()
    actual = np.asarray(actual, dtype=np.float64).ravel()
    if predicted.shape != actual.shape:
        raise DataError(f"{len(predicted)} predictions for {len(actual)} ratings; expected one each")
    if not len(actual):
        raise DataError("no ratings to compare predictions with")
    if np.isnan(actual).any():
        raise DataError(f"{int(np.isnan(actual).sum())} ratings are missing (NaN); select rated rows first")
    if not np.isfinite(predicted).all():
        raise DataError(f"{int((~np.isfinite(predicted)).sum())} predictions are NaN or infinite")
    return predicted, actual


class RMSE:
    """Root mean squared error between predicted and observed ratings."""

    label: ClassVar[str] = "RMSE"

    def __call__(self, predicted, actual) -> float:
        predicted, actual = _rating_pair(predicted, actual)
        return float(np.sqrt(np.mean((predicted - actual) ** 2)))


class MAE:
    """Mean absolute error between predicted and observed ratings."""

    label: ClassVar[str] = "MAE"

    def __call__(self, predicted, actual) -> float:
        predicted, actual = _rating_pair(predicted, actual)
        return float(np.mean(np.abs(predicted - actual)))


def rmse(predicted, actual) -> float:
    return RMSE()(predicted, actual)


def mae(predicted, actual) -> float:
    return MAE()(predicted, actual)
