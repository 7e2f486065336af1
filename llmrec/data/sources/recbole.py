"""RecBole atomic files: `<name>.inter`, `<name>.item` and `<name>.user`, tab-separated, typed headers."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

from llmrec.data.cleaning import (
    attributes_json,
    clean_text,
    epoch_to_seconds,
    parse_price,
    split_categories,
)
from llmrec.data.dataset import Dataset, LoadReport
from llmrec.data.sources.delimited import Table, parse_header, read_delimited
from llmrec.data.sources.files import BadLines, check_encoding, require_dir
from llmrec.data.sources.finishing import check_common_options, finish, position_timestamps
from llmrec.data.sources.recbole_benchmark import PARTS, benchmark_names, part_of_benchmark, read_benchmark
from llmrec.data.sources.values import OPEN_SCALE, parse_rating_scale
from llmrec.errors import ConfigError, DataError

TITLE_FIELDS = ("title", "movie_title", "item_name", "name")
CATEGORY_FIELDS = ("categories", "genre", "class")


def load_recbole(
    *,
    path: str | Path,
    dataset: str | None = None,
    user_field: str = "user_id",
    item_field: str = "item_id",
    rating_field: str = "rating",
    timestamp_field: str = "timestamp",
    seq_separator: str | None = None,
    encoding: str = "utf-8",
    rating_scale: str | tuple[float, float] | None = None,
    skip_bad_lines: bool = False,
    kcore: int = 0,
    max_rows: int | None = None,
    keep_unused_items: bool = False,
) -> Dataset:
    """Load a RecBole dataset folder, e.g. `ml-100k/` with `ml-100k.inter` and `ml-100k.item`.

    The UniSRec/RecBole benchmark layout (`X.train.inter`, `X.valid.inter`, `X.test.inter`, with
    `X.text`, `X.item2index`, `X.user2index`) is read as one dataset `X`: each user's history is
    rebuilt in order (position as time), ids are mapped back to the originals, `.text` becomes
    the item text, and the given split is kept in the interactions' `given_split` column.

    Headers are `name:type` cells (token, token_seq, float, float_seq). Items take their title
    from title/movie_title/item_name/name, categories from categories/genre/class, and brand,
    price and description when present; every other item field goes into `attributes`.

    path: the folder holding the atomic files.
    dataset: the file stem `<name>` (for the benchmark layout `X`, not `X.train`); detected when
        the folder holds exactly one dataset.
    user_field, item_field, rating_field, timestamp_field: the field names in the files.
        Rating and timestamp are optional; without timestamps the order of each user's rows is used.
    seq_separator: separator of token_seq values; by default "," when the value has one, else " ".
    encoding: the text encoding of the files.
    rating_scale: the ratings allowed, e.g. "1-5"; without it a rating must be finite, >= 0 and
        <= 1e9. A rating field blank on every row is implicit feedback (rating NaN).
    skip_bad_lines: skip malformed lines and count them in the report instead of raising.
    kcore: keep the iterative k-core of users and items (0 or 1 keeps everything).
    max_rows: read at most this many interactions (the first ones in the file).
    keep_unused_items: keep items no kept interaction mentions.
    """
    check_common_options(kcore, max_rows)
    check_encoding(encoding)
    scale = parse_rating_scale(rating_scale) or OPEN_SCALE
    folder = require_dir(path, "path")
    name, benchmark = detect_dataset(folder, dataset)
    report = LoadReport(source="recbole")
    if benchmark:
        given = {"user_field": user_field != "user_id", "item_field": item_field != "item_id",
                 "rating_field": rating_field != "rating", "timestamp_field": timestamp_field != "timestamp",
                 "seq_separator": seq_separator is not None, "rating_scale": rating_scale is not None,
                 "max_rows": max_rows is not None}
        unused = [option for option, set_ in given.items() if set_]
        if unused:  # the benchmark layout fixes its fields; cutting rows would break the histories
            raise ConfigError(f"option '{unused[0]}' cannot be used with the benchmark layout of '{name}' "
                              "(fixed fields user_id, item_id_list, item_id; no ratings)")
        interactions, items = read_benchmark(folder, name, report, skip=skip_bad_lines, encoding=encoding)
        return finish(f"recbole:{name}", report, interactions=interactions, items=items, kcore=kcore,
                      keep_unused_items=keep_unused_items)
    inter_file = folder / f"{name}.inter"
    table, types = _read_atomic(inter_file, report, skip_bad_lines, max_rows, encoding)
    for column in (user_field, item_field):
        table.require(column, f" (set the '{'user' if column == user_field else 'item'}_field' option)")
    frame = pd.DataFrame({"user_id": table.frame[user_field], "item_id": table.frame[item_field]})
    if rating_field in table.frame:
        frame["rating"] = table.ratings(rating_field, scale, implicit_ok=True)
    else:
        frame["rating"] = np.nan
    stamps = None
    if timestamp_field in table.frame:
        stamps = table.numbers(timestamp_field, expected="a unix time")
        frame["timestamp"] = stamps
    frame = table.valid_frame(frame)
    if stamps is None:
        frame["timestamp"] = position_timestamps(frame["user_id"])
        report.notes.append(f"{inter_file.name} has no '{timestamp_field}' field; "
                            "timestamps are positions in each user's history")
    else:
        frame["timestamp"], note = epoch_to_seconds(frame["timestamp"])
        if note:
            report.notes.append(note)
    table.bad.close()
    report.rows_read["interactions"] = len(frame)
    if max_rows is not None and len(table.frame) >= max_rows:
        report.notes.append(f"{inter_file.name}: stopped after max_rows={max_rows:,} interactions")

    items = None
    item_file = folder / f"{name}.item"
    if item_file.is_file():
        items = _read_items(item_file, report, skip_bad_lines, encoding, item_field, seq_separator)
    users = None
    user_file = folder / f"{name}.user"
    if user_file.is_file():
        user_table, _ = _read_atomic(user_file, report, skip_bad_lines, None, encoding)
        user_table.require(user_field, " (set the 'user_field' option)")
        users = pd.DataFrame({"user_id": user_table.frame[user_field]}).dropna()
        user_table.bad.close()
        report.rows_read["users"] = len(users)
    return finish(f"recbole:{name}", report, interactions=frame, items=items, users=users, kcore=kcore,
                  keep_unused_items=keep_unused_items)


def detect_dataset(folder: Path, dataset: str | None) -> tuple[str, bool]:
    """The dataset stem and whether it is a benchmark split (`X.train/.valid/.test.inter`).

    `dataset` if its .inter file (or benchmark) exists, else the only dataset in the folder.
    """
    stems = sorted(p.name.removesuffix(".inter") for p in folder.glob("*.inter"))
    benchmarks = benchmark_names(stems)
    parts = {f"{b}.{part}" for b in benchmarks for part in PARTS}
    names = sorted({s for s in stems if s not in parts} | set(benchmarks))
    if dataset is not None:
        whole = part_of_benchmark(dataset, benchmarks)
        if whole is not None:
            raise DataError(f"'{dataset}.inter' is one part of the benchmark split '{whole}' "
                            f"({whole}.train/.valid/.test.inter); use dataset '{whole}' to read the three "
                            f"together", file=str(folder), field="dataset")
        if dataset not in names:
            raise DataError(f"no '{dataset}.inter' in the folder (option 'dataset'); found: "
                            f"{', '.join(names) or 'no .inter files'}", file=str(folder))
        return dataset, dataset in benchmarks
    if not names:
        raise DataError("no RecBole '<name>.inter' file in the folder", file=str(folder))
    if len(names) > 1:
        raise ConfigError(f"{folder} holds several RecBole datasets; set 'dataset' to one of: "
                          f"{', '.join(names)}")
    return names[0], names[0] in benchmarks


def _read_atomic(path: Path, report: LoadReport, skip: bool, max_rows: int | None,
                 encoding: str) -> tuple[Table, dict[str, str]]:
    report.files.append(str(path))
    types: dict[str, str] = {}

    def header(cells: list[str]) -> list[str]:
        names, found = parse_header(cells, path)
        types.update(found)
        return names

    bad = BadLines(path, report, skip)
    table = read_delimited(path, bad, sep="\t", quoting=csv.QUOTE_NONE, max_rows=max_rows, encoding=encoding,
                           expected="a 'name:type' header line and tab-separated rows",
                           has_encoding_option=True, header_parser=header,
                           floats=lambda names: [n for n in names if types.get(n) == "float"])
    for name, kind in types.items():
        if kind == "float":
            table.numbers(name)
    return table, types


def _read_items(path: Path, report: LoadReport, skip: bool, encoding: str, item_field: str,
                seq_separator: str | None) -> pd.DataFrame:
    table, types = _read_atomic(path, report, skip, None, encoding)
    table.require(item_field, " (set the 'item_field' option)")
    raw = table.valid_frame()
    table.bad.close()
    title = next((f for f in TITLE_FIELDS if f in raw), None)
    category = next((f for f in CATEGORY_FIELDS if f in raw), None)
    used = {item_field, title, category, "brand", "price", "description"}
    extra = [f for f in raw.columns if f not in used]

    def seq(value: object) -> list[str]:
        if not isinstance(value, str):
            return []
        sep = seq_separator or ("," if "," in value else None)
        return [c.strip("'\" ") for c in split_categories(value.split(sep))]

    categories = raw[category].map(seq) if category else pd.Series([[]] * len(raw))
    items = pd.DataFrame({
        "item_id": raw[item_field],
        "title": raw[title].map(clean_text) if title else "",
        "description": raw["description"].map(clean_text) if "description" in raw else "",
        "categories": categories,
        "category": categories.map(lambda c: c[0] if c else ""),
        "brand": raw["brand"].map(clean_text) if "brand" in raw else "",
        "price": raw["price"].map(parse_price) if "price" in raw else np.nan,
        "attributes": [attributes_json({f: v for f, v in zip(extra, row, strict=True) if isinstance(v, str)})
                       for row in raw[extra].itertuples(index=False)] if extra else "{}",
    })
    report.rows_read["items"] = len(items)
    return items
