"""Amazon dumps as distributed: ratings-only CSVs (2018 `item,user,rating,timestamp`, 2023 with a
header) and the choice of reviews, ratings and metadata files every Amazon loader shares."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from llmrec.data.cleaning import epoch_to_seconds
from llmrec.data.dataset import Dataset, LoadReport
from llmrec.data.sources.delimited import read_delimited
from llmrec.data.sources.files import BadLines, file_stem, open_binary, require_file, sniff_format
from llmrec.data.sources.finishing import check_common_options, finish
from llmrec.data.sources.values import AMAZON_SCALE
from llmrec.errors import ConfigError, DataError

ReviewReader = Callable[..., pd.DataFrame]
MetaReader = Callable[..., pd.DataFrame]

# The 2018 ratings-only files have no header; this is their column order.
COLUMNS_2018 = ["item_id", "user_id", "rating", "timestamp"]
# Header names of the 2023 ratings-only / benchmark CSVs -> canonical.
HEADER_2023 = {"user_id": "user_id", "parent_asin": "item_id", "asin": "item_id", "rating": "rating",
               "timestamp": "timestamp"}


def read_ratings(path: Path, report: LoadReport, *, skip_bad_lines: bool, max_rows: int | None,
                 item_key: str) -> pd.DataFrame:
    """user_id, item_id, rating (1-5, checked) and timestamp (seconds) from a ratings-only CSV."""
    report.files.append(str(path))
    kind = sniff_format(path)
    if kind != "delimited text":
        raise DataError(f"expected the ratings-only CSV (item,user,rating,timestamp); this looks like {kind}"
                        f"{'; pass it with --reviews' if kind == 'JSON Lines' else ''}", file=str(path))
    bad = BadLines(path, report, skip_bad_lines)
    has_header = _has_header(path)
    table = read_delimited(path, bad, sep=",", names=None if has_header else COLUMNS_2018, max_rows=max_rows,
                           expected="ratings: item, user, rating, timestamp",
                           floats=lambda columns: {"rating", "timestamp"} & set(columns))
    if has_header:
        present = [c for c in table.frame.columns if c in HEADER_2023]
        keys = [c for c in present if HEADER_2023[c] == "item_id"]
        chosen = item_key if item_key in keys else (keys[0] if keys else None)
        table.frame = table.frame.rename(columns={c: HEADER_2023[c] for c in present
                                                  if HEADER_2023[c] != "item_id" or c == chosen})
    for column in ("user_id", "item_id", "rating", "timestamp"):
        table.require(column)
    frame = pd.DataFrame({"user_id": table.frame["user_id"], "item_id": table.frame["item_id"],
                          "rating": table.ratings("rating", AMAZON_SCALE),
                          "timestamp": table.numbers("timestamp", expected="a unix time")})
    frame = table.valid_frame(frame)
    frame["timestamp"], _ = epoch_to_seconds(frame["timestamp"])
    bad.close()
    if max_rows is not None and len(table.frame) >= max_rows:
        report.notes.append(f"{path.name}: stopped after max_rows={max_rows:,} ratings")
    report.rows_read["interactions"] = len(frame)
    return frame


def _has_header(path: Path) -> bool:
    """True when the first line names columns (2023) rather than holding a rating (2018)."""
    with open_binary(path) as handle:
        first = handle.readline().decode("utf-8", errors="replace").strip().split(",")
    try:
        float(first[2])
    except (IndexError, ValueError):
        return any(cell.strip() in HEADER_2023 for cell in first)
    return False


def load_amazon(source: str, *, reviews_path: str | Path | None, ratings_path: str | Path | None,
                meta_path: str | Path | None, skip_bad_lines: bool, kcore: int, max_rows: int | None,
                keep_unused_items: bool, read_reviews: ReviewReader, read_meta: MetaReader,
                item_key: str) -> Dataset:
    """An Amazon dataset from reviews and/or a ratings-only CSV, with optional metadata.

    With both, the ratings file gives the interactions and the reviews file the review texts.
    """
    check_common_options(kcore, max_rows)
    if reviews_path is None and ratings_path is None:
        raise ConfigError(f"source '{source}' needs 'reviews_path' (reviews JSON Lines) or 'ratings_path' "
                          "(the ratings-only CSV), or both")
    reviews_file = require_file(reviews_path, "reviews_path") if reviews_path is not None else None
    ratings_file = require_file(ratings_path, "ratings_path") if ratings_path is not None else None
    meta_file = require_file(meta_path, "meta_path") if meta_path is not None else None
    for path, option in ((reviews_file, "reviews_path"), (meta_file, "meta_path")):
        kind = sniff_format(path) if path is not None else "JSON Lines"
        if kind not in ("JSON Lines", "an empty file", "a damaged file"):  # the reader says more
            hint = "; pass a ratings-only CSV with --ratings" if kind == "delimited text" else ""
            raise DataError(f"expected JSON Lines for option '{option}'; this looks like {kind}{hint}",
                            file=str(path))
    report = LoadReport(source=source)
    reviews = None
    if reviews_file is not None:
        reviews = read_reviews(reviews_file, report, skip_bad_lines=skip_bad_lines,
                               max_rows=None if ratings_file is not None else max_rows)
    if ratings_file is not None:
        interactions = read_ratings(ratings_file, report, skip_bad_lines=skip_bad_lines, max_rows=max_rows,
                                    item_key=item_key)
    else:
        interactions = reviews[["user_id", "item_id", "rating", "timestamp"]]
    items = None
    if meta_file is not None:
        wanted = None if keep_unused_items else set(interactions["item_id"].dropna())
        items = read_meta(meta_file, report, skip_bad_lines=skip_bad_lines, wanted=wanted)
    name = file_stem(ratings_file if ratings_file is not None else reviews_file)
    return finish(f"{source}:{name}", report, interactions=interactions, items=items, reviews=reviews,
                  kcore=kcore, keep_unused_items=keep_unused_items)
