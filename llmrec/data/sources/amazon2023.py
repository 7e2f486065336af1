"""Amazon Reviews 2023 (McAuley Lab): reviews JSONL plus optional item metadata JSONL, plain or gzip."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from llmrec.data.cleaning import attributes_json, clean_text, epoch_to_seconds, parse_price, split_categories
from llmrec.data.dataset import Dataset, LoadReport
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

_LOOKS_2018 = " (this looks like an Amazon 2018 file; use the 'amazon2018' source)"


def load_amazon2023(
    *,
    reviews_path: str | Path | None = None,
    ratings_path: str | Path | None = None,
    meta_path: str | Path | None = None,
    skip_bad_lines: bool = False,
    kcore: int = 0,
    max_rows: int | None = None,
    keep_unused_items: bool = False,
) -> Dataset:
    """Load an Amazon Reviews 2023 category, e.g. `All_Beauty.jsonl.gz` + `meta_All_Beauty.jsonl.gz`.

    Every review is an interaction (rating from 1 to 5, anything else a bad line; timestamp
    converted from milliseconds to seconds) and a review (title, text with HTML stripped); items
    are keyed by `parent_asin`, the product that groups colour/size variants, and joined with the
    metadata on it.

    reviews_path: the reviews JSONL file (plain or .gz).
    ratings_path: the ratings-only CSV (2018: no header, item,user,rating,timestamp; 2023: with a
        header); with reviews_path too, it gives the interactions and the reviews give the texts.
    meta_path: the item metadata JSONL file; without it items are titled by their id.
    skip_bad_lines: skip malformed lines and count them in the report instead of raising.
    kcore: keep the iterative k-core of users and items (0 or 1 keeps everything).
    max_rows: read at most this many reviews (the first ones in the file).
    keep_unused_items: keep metadata items no kept review mentions (for cold-start studies).
    """
    return load_amazon("amazon2023", reviews_path=reviews_path, ratings_path=ratings_path,
                       meta_path=meta_path,
                       skip_bad_lines=skip_bad_lines, kcore=kcore, max_rows=max_rows,
                       keep_unused_items=keep_unused_items, read_reviews=read_reviews, read_meta=read_meta,
                       item_key="parent_asin")


def read_reviews(path: Path, report: LoadReport, *, skip_bad_lines: bool,
                 max_rows: int | None) -> pd.DataFrame:
    """The reviews file as one frame with the interaction and review columns."""
    report.files.append(str(path))
    users: list = []
    items: list = []
    ratings: list[float] = []
    stamps: list[int] = []
    titles: list[str] = []
    texts: list[str] = []
    bad = BadLines(path, report, skip_bad_lines)
    for line, record in iter_json_records(path, bad, expected="one JSON review object per line"):
        try:
            user, item, rating, stamp = _review_keys(record, path, line)
        except DataError as error:
            bad.handle(error)
            continue
        users.append(user)
        items.append(item)
        ratings.append(rating)
        stamps.append(stamp)
        titles.append(clean_text(record.get("title")))
        texts.append(clean_text(record.get("text")))
        if max_rows is not None and len(users) >= max_rows:
            report.notes.append(f"{path.name}: stopped after max_rows={max_rows:,} reviews")
            break
    bad.close()
    if not users:
        raise DataError("no valid reviews (every line was malformed)", file=str(path))
    frame = pd.DataFrame({"user_id": users, "item_id": items, "rating": ratings, "timestamp": stamps,
                          "title": titles, "text": texts})
    # The 2023 dump stores milliseconds; detection by magnitude also accepts seconds.
    frame["timestamp"], _ = epoch_to_seconds(frame["timestamp"])
    report.rows_read["interactions"] = len(frame)
    report.rows_read["reviews"] = len(frame)
    return frame


def _review_keys(record: dict, path: Path, line: int) -> tuple[str | None, str | None, float, int]:
    """User, item, rating and timestamp of one review; a DataError naming the bad key."""
    try:  # the common case, checked cheaply: these loaders see millions of lines
        user, rating, stamp = record["user_id"], record["rating"], record["timestamp"]
        item = record["parent_asin"] if "parent_asin" in record else record["asin"]
        if (type(user) is str and user and type(item) is str and item and type(rating) is float
                and 1.0 <= rating <= 5.0 and type(stamp) is int):
            return user, item, rating, stamp
    except KeyError:
        pass
    hint = _LOOKS_2018 if "reviewerID" in record else ""
    return (as_id(get_required(record, "user_id", path, line, hint), path, line, "user_id"),
            as_id(get_required(record, ("parent_asin", "asin"), path, line, hint), path, line, "parent_asin"),
            check_rating(as_float(get_required(record, "rating", path, line, hint), path, line, "rating"),
                         AMAZON_SCALE, path, line, "rating"),
            as_int(get_required(record, "timestamp", path, line, hint), path, line, "timestamp"))


def read_meta(path: Path, report: LoadReport, *, skip_bad_lines: bool, wanted: set | None) -> pd.DataFrame:
    """The metadata file as canonical item rows; records not in `wanted` are skipped unparsed."""
    report.files.append(str(path))
    rows: list[dict] = []
    read = unused = 0
    bad = BadLines(path, report, skip_bad_lines)
    for line, record in iter_json_records(path, bad, expected="one JSON item object per line"):
        try:
            item = as_id(get_required(record, ("parent_asin", "asin"), path, line), path, line, "parent_asin")
            read += 1
            if wanted is not None and item not in wanted:
                unused += 1
                continue
            details = as_object(record.get("details"), path, line, "details")
            main = clean_text(record.get("main_category"))
            categories = split_categories(as_list(record.get("categories"), path, line, "categories"))
            if not categories and main:
                categories = [main]
            attributes = {"main_category": main,
                          "features": as_list(record.get("features"), path, line, "features"), **details}
            rows.append({
                "item_id": item,
                "title": clean_text(record.get("title")),
                "description": clean_text(as_list(record.get("description"), path, line, "description")),
                "categories": categories,
                "category": amazon_group(categories),
                "brand": clean_text(record.get("store")),
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


def amazon_group(categories: list[str]) -> str:
    """The grouping label of an Amazon category path.

    The first level names the department of the whole dump ("Electronics"), so it groups nothing;
    the second level ("Headphones") is the coarsest label that separates items within a file.
    """
    if len(categories) >= 2:
        return categories[1]
    return categories[0] if categories else ""
