"""Amazon Review Data 2018 (and 2014): reviews and metadata in JSON lines, strict or Python-literal."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from llmrec.data.cleaning import attributes_json, clean_text, parse_price, split_categories
from llmrec.data.dataset import Dataset, LoadReport
from llmrec.data.sources.amazon2023 import amazon_group
from llmrec.data.sources.amazon_ratings import load_amazon
from llmrec.data.sources.files import BadLines, iter_json_records
from llmrec.data.sources.values import (
    AMAZON_SCALE,
    as_float,
    as_id,
    as_int,
    as_list,
    as_object,
    check_rating,
    get_required,
)
from llmrec.errors import DataError

_LOOKS_2023 = " (this looks like an Amazon 2023 file; use the 'amazon2023' source)"


def load_amazon2018(
    *,
    reviews_path: str | Path | None = None,
    ratings_path: str | Path | None = None,
    meta_path: str | Path | None = None,
    skip_bad_lines: bool = False,
    kcore: int = 0,
    max_rows: int | None = None,
    keep_unused_items: bool = False,
) -> Dataset:
    """Load an Amazon 2018 category, e.g. `Electronics_5.json.gz` + `meta_Electronics.json.gz`.

    Every review is an interaction (`overall` as rating, 1 to 5, `unixReviewTime` in seconds) and a review
    (`summary` as title, `reviewText` as text); items are keyed by `asin`. Lines written as
    Python literals ({'asin': ...}), as in the 2014 dumps and some 2018 metadata, are accepted.

    reviews_path: the reviews JSON-lines file (plain or .gz).
    ratings_path: the ratings-only CSV (2018: no header, item,user,rating,timestamp; 2023: with a
        header); with reviews_path too, it gives the interactions and the reviews give the texts.
    meta_path: the item metadata file; without it items are titled by their id.
    skip_bad_lines: skip malformed lines and count them in the report instead of raising.
    kcore: keep the iterative k-core of users and items (0 or 1 keeps everything).
    max_rows: read at most this many reviews (the first ones in the file).
    keep_unused_items: keep metadata items no kept review mentions (for cold-start studies).
    """
    return load_amazon("amazon2018", reviews_path=reviews_path, ratings_path=ratings_path,
                       meta_path=meta_path,
                       skip_bad_lines=skip_bad_lines, kcore=kcore, max_rows=max_rows,
                       keep_unused_items=keep_unused_items, read_reviews=read_reviews, read_meta=read_meta,
                       item_key="asin")


def read_reviews(path: Path, report: LoadReport, *, skip_bad_lines: bool,
                 max_rows: int | None) -> pd.DataFrame:
    """The reviews file as one frame with the interaction and review columns."""
    report.files.append(str(path))
    columns: dict[str, list] = {k: [] for k in ("user_id", "item_id", "rating", "timestamp", "title", "text")}
    bad = BadLines(path, report, skip_bad_lines)
    for line, record in iter_json_records(path, bad, loose=True, expected="one JSON review object per line"):
        try:
            hint = _LOOKS_2023 if "parent_asin" in record or "user_id" in record else ""
            user = as_id(get_required(record, "reviewerID", path, line, hint), path, line, "reviewerID")
            item = as_id(get_required(record, "asin", path, line, hint), path, line, "asin")
            rating = check_rating(as_float(get_required(record, "overall", path, line, hint), path, line,
                                           "overall"), AMAZON_SCALE, path, line, "overall")
            stamp = _timestamp(record, path, line, hint)
        except DataError as error:
            bad.handle(error)
            continue
        for key, value in (("user_id", user), ("item_id", item), ("rating", rating), ("timestamp", stamp),
                           ("title", clean_text(record.get("summary"))),
                           ("text", clean_text(record.get("reviewText")))):
            columns[key].append(value)
        if max_rows is not None and len(columns["user_id"]) >= max_rows:
            report.notes.append(f"{path.name}: stopped after max_rows={max_rows:,} reviews")
            break
    bad.close()
    if not columns["user_id"]:
        raise DataError("no valid reviews (every line was malformed)", file=str(path))
    frame = pd.DataFrame(columns)
    report.rows_read["interactions"] = len(frame)
    report.rows_read["reviews"] = len(frame)
    return frame


def _timestamp(record: dict, path: Path, line: int, hint: str) -> int:
    if "unixReviewTime" in record or "reviewTime" not in record:
        return as_int(get_required(record, "unixReviewTime", path, line, hint), path, line, "unixReviewTime")
    text = str(record["reviewTime"])
    try:  # the human-readable date, e.g. "09 13, 2009"
        return int(datetime.strptime(text, "%m %d, %Y").replace(tzinfo=UTC).timestamp())
    except ValueError:
        raise DataError(f"expected a date like '09 13, 2009', found {text!r}", file=str(path), line=line,
                        field="reviewTime") from None


def read_meta(path: Path, report: LoadReport, *, skip_bad_lines: bool, wanted: set | None) -> pd.DataFrame:
    """The metadata file as canonical item rows; records not in `wanted` are skipped unparsed."""
    report.files.append(str(path))
    rows: list[dict] = []
    read = unused = 0
    bad = BadLines(path, report, skip_bad_lines)
    for line, record in iter_json_records(path, bad, loose=True, expected="one JSON item object per line"):
        try:
            item = as_id(get_required(record, "asin", path, line), path, line, "asin")
            read += 1
            if wanted is not None and item not in wanted:
                unused += 1
                continue
            categories = _categories(record, path, line)
            attributes = {"main_category": clean_text(record.get("main_cat")),
                          "features": as_list(record.get("feature"), path, line, "feature"),
                          **as_object(record.get("details"), path, line, "details")}
            rows.append({
                "item_id": item,
                "title": clean_text(record.get("title")),
                "description": clean_text(as_list(record.get("description"), path, line, "description")),
                "categories": categories,
                "category": amazon_group(categories),
                "brand": clean_text(record.get("brand")),
                "price": parse_price(record.get("price")),
                "attributes": attributes_json(attributes),
            })
        except DataError as error:
            bad.handle(error)
    bad.close()
    report.rows_read["items"] = read
    report.drop("items without interactions", unused)
    return pd.DataFrame(rows, columns=["item_id", "title", "description", "categories", "category",
                                       "brand", "price", "attributes"])


def _categories(record: dict, path: Path, line: int) -> list[str]:
    if "category" in record:
        return split_categories(as_list(record["category"], path, line, "category"))
    paths = as_list(record.get("categories"), path, line, "categories")
    # 2014 metadata holds a list of category paths; the first is the item's primary one.
    if paths and isinstance(paths[0], list):
        return split_categories(paths[0])
    return split_categories(paths)
