"""What every loader does around reading: check the shared options, then clean raw tables into a Dataset."""

from __future__ import annotations

import numpy as np
import pandas as pd

from llmrec.data.cleaning import drop_duplicates, drop_missing_ids, kcore_filter
from llmrec.data.dataset import Dataset, LoadReport
from llmrec.data.item_text import fit_item_text
from llmrec.errors import ConfigError, DataError


def check_common_options(kcore: int, max_rows: int | None) -> None:
    """A ConfigError for a kcore or max_rows no loader can honour."""
    if not isinstance(kcore, (int, np.integer)) or isinstance(kcore, bool) or kcore < 0:
        raise ConfigError(f"kcore must be a non-negative integer, got {kcore!r}")
    if max_rows is not None and (not isinstance(max_rows, (int, np.integer)) or max_rows <= 0):
        raise ConfigError(f"max_rows must be a positive integer or None, got {max_rows!r}")


def finish(name: str, report: LoadReport, *, interactions: pd.DataFrame, items: pd.DataFrame | None = None,
           users: pd.DataFrame | None = None, reviews: pd.DataFrame | None = None, kcore: int = 0,
           keep_unused_items: bool = False) -> Dataset:
    """Clean the raw tables (missing ids, exact duplicates, k-core) and build the Dataset.

    Reviews and users are kept only for users and items that survive in the interactions, so a
    k-core is not undone by them; items likewise unless `keep_unused_items` (cold-start studies).
    """
    interactions = drop_missing_ids(interactions, report, "interactions")
    interactions = drop_duplicates(interactions, report, "interactions")
    if interactions.empty:
        raise DataError(f"{name}: no valid interactions (every row was malformed or lacked an id)")
    interactions = kcore_filter(interactions, kcore, report)
    if interactions.empty:
        raise ConfigError(f"{name}: kcore={kcore} removed every interaction; try a smaller kcore")
    kept_users = pd.Index(interactions["user_id"].unique())
    kept_items = pd.Index(interactions["item_id"].unique())
    if reviews is not None:
        reviews = drop_missing_ids(reviews, report, "reviews")
        reviews = drop_duplicates(reviews, report, "reviews")
        outside = ~(reviews["user_id"].isin(kept_users) & reviews["item_id"].isin(kept_items))
        report.drop("reviews of users or items not in the interactions", int(outside.sum()))
        reviews = reviews.loc[~outside].reset_index(drop=True)
    if users is not None:
        unused_users = ~users["user_id"].isin(kept_users)
        report.drop("users without interactions", int(unused_users.sum()))
        users = users.loc[~unused_users].reset_index(drop=True)
    if items is not None:
        items = items.loc[items["item_id"].notna() & (items["item_id"].astype("string").str.strip() != "")]
        duplicated = items["item_id"].duplicated(keep="first")
        report.drop("items listed twice in the metadata (kept the first)", int(duplicated.sum()))
        items = items.loc[~duplicated]
        if not keep_unused_items:
            unused = ~items["item_id"].isin(kept_items)
            report.drop("items without interactions", int(unused.sum()))
            items = items.loc[~unused]
        items = items.reset_index(drop=True)
    dataset = Dataset.from_frames(name, interactions=interactions, items=items, users=users,
                                  reviews=reviews, report=report)
    dataset.items = fit_item_text(dataset.items, dataset.reviews, report)
    return dataset


def position_timestamps(user_ids: pd.Series) -> pd.Series:
    """Each row's position in its user's history (file order), for sources without times."""
    return user_ids.groupby(user_ids, sort=False, dropna=False).cumcount().astype("int64")
