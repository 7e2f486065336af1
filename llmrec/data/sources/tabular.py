"""Generic tables: interactions, items and reviews from CSV/TSV (plain or gzip) or Parquet files."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from llmrec.data.cleaning import (
    attributes_json,
    clean_text,
    epoch_to_seconds,
    parse_price,
    split_categories,
    split_title,
)
from llmrec.data.dataset import TABLES, Dataset, LoadReport
from llmrec.data.sources.delimited import Table, read_delimited
from llmrec.data.sources.files import (
    BadLines,
    check_encoding,
    file_stem,
    iter_json_records,
    require_file,
    sniff_format,
)
from llmrec.data.sources.finishing import check_common_options, finish, position_timestamps
from llmrec.data.sources.values import OPEN_SCALE, RatingScale, is_missing, parse_rating_scale
from llmrec.errors import ConfigError, DataError

_MAPPED_TABLES = ("interactions", "items", "reviews")
# Amazon 2018/2023 column -> canonical, used when a file has an asin/parent_asin column and the
# canonical column is absent, so Amazon metadata and reviews can be passed as they are.
AMAZON_COLUMNS = {"parent_asin": "item_id", "asin": "item_id", "reviewerID": "user_id", "overall": "rating",
                  "unixReviewTime": "timestamp", "summary": "title", "reviewText": "text", "store": "brand"}
# Amazon columns of media links and shop statistics: not item text or attributes.
AMAZON_DROPPED = ("images", "videos", "imageURL", "imageURLHighRes", "image", "bought_together", "also_buy",
                  "also_view", "similar_item", "rank", "average_rating", "rating_number", "tech1", "tech2")


def load_csv(
    *,
    interactions_path: str | Path,
    items_path: str | Path | None = None,
    reviews_path: str | Path | None = None,
    columns: Mapping[str, object] | None = None,
    sep: str | None = None,
    encoding: str = "utf-8",
    categories_sep: str | None = None,
    rating_scale: str | tuple[float, float] | None = None,
    skip_bad_lines: bool = False,
    kcore: int = 0,
    max_rows: int | None = None,
    keep_unused_items: bool = False,
) -> Dataset:
    """Load your own tables: CSV, TSV, JSON Lines (any may be .gz) or Parquet, told apart by content.

    Amazon 2018/2023 metadata and reviews can be given as they are: with an asin/parent_asin
    column, Amazon's names (parent_asin, store, reviewerID, overall, ...) are recognised.

    interactions_path: the events; needs user_id and item_id, may have rating and timestamp.
        Timestamps may be unix times (seconds, or ms/us/ns detected by size) or ISO date-times;
        without them each user's rows keep file order as their timestamps.
    items_path: item metadata; needs item_id, may have title, description (or one `text` column,
        whose first sentence becomes the title), categories (a list or
        a string like "Home > Kitchen" or "A|B"), category, brand, price ("$1,299.99" is fine) and
        attributes (a JSON object); any other column goes into attributes.
    reviews_path: reviews; needs user_id and item_id, may have rating, title, text, timestamp.
    columns: canonical name -> your column name, e.g. {"user_id": "customer", "item_id": "sku"},
        applied to every table; or per table: {"items": {"title": "name"}, "interactions": {...}}.
    sep: the delimiter of text files; by default tab for .tsv/.tab files, else comma.
    encoding: the text encoding of CSV/TSV files.
    categories_sep: the separator of category strings; by default the first of ">", "|" present.
    rating_scale: the ratings allowed, e.g. "1-5" or (-10, 10). Without it a rating must be finite,
        >= 0 and <= 1e9. A rating column that is blank on every row is implicit feedback (rating
        NaN); a blank among given ratings is a bad line.
    skip_bad_lines: skip malformed lines and count them in the report instead of raising.
    kcore: keep the iterative k-core of users and items (0 or 1 keeps everything).
    max_rows: read at most this many interactions (the first ones in the file).
    keep_unused_items: keep items no kept interaction mentions.
    """
    check_common_options(kcore, max_rows)
    check_encoding(encoding)
    scale = parse_rating_scale(rating_scale) or OPEN_SCALE
    mapping = column_mapping(columns)
    # A flat mapping serves every table, so a name only has to exist in one of the files.
    strict = any(isinstance(v, Mapping) for v in (columns or {}).values())
    interactions_file = require_file(interactions_path, "interactions_path")
    items_file = require_file(items_path, "items_path") if items_path is not None else None
    reviews_file = require_file(reviews_path, "reviews_path") if reviews_path is not None else None
    report = LoadReport(source="csv")
    seen: set[str] = set()  # column names of every file read, to check a flat mapping
    options = {"sep": sep, "encoding": encoding, "skip": skip_bad_lines, "strict": strict, "seen": seen}

    table = read_any(interactions_file, report, mapping["interactions"], max_rows=max_rows, **options)
    interactions = _events(table, report, scale, with_text=False)
    report.rows_read["interactions"] = len(interactions)
    if max_rows is not None and len(table.frame) >= max_rows:
        report.notes.append(f"{interactions_file.name}: stopped after max_rows={max_rows:,} rows")
    items = None
    if items_file is not None:
        items = _items(read_any(items_file, report, mapping["items"], max_rows=None, **options),
                       categories_sep)
        report.rows_read["items"] = len(items)
    reviews = None
    if reviews_file is not None:
        reviews = _events(read_any(reviews_file, report, mapping["reviews"], max_rows=None, **options),
                          report, scale, with_text=True)
        report.rows_read["reviews"] = len(reviews)
    unused = [] if strict else [(c, yours) for c, yours in (columns or {}).items() if yours not in seen]
    if unused:
        canonical, yours = unused[0]
        raise DataError(f"the 'columns' option maps '{canonical}' to '{yours}', a column none of the files "
                        f"has (columns found: {', '.join(sorted(seen))})", file=str(interactions_file),
                        field=canonical)
    return finish(f"csv:{file_stem(interactions_file)}", report, interactions=interactions, items=items,
                  reviews=reviews, kcore=kcore, keep_unused_items=keep_unused_items)


def column_mapping(columns: Mapping[str, object] | None) -> dict[str, dict[str, str]]:
    """Per table, your column name -> canonical name; a ConfigError for an unknown canonical name."""
    if columns is not None and not isinstance(columns, Mapping):
        raise ConfigError(f"columns must be a mapping of canonical name -> your column name, "
                          f"got {type(columns).__name__}")
    columns = dict(columns or {})
    nested = any(isinstance(v, Mapping) for v in columns.values())
    out: dict[str, dict[str, str]] = {table: {} for table in _MAPPED_TABLES}
    if nested:
        unknown = [t for t in columns if t not in _MAPPED_TABLES]
        if unknown:
            raise ConfigError(f"columns: unknown table {unknown[0]!r}; expected one of "
                              f"{', '.join(_MAPPED_TABLES)}")
        per_table = {t: dict(v) for t, v in columns.items()}  # type: ignore[call-overload]
    else:
        per_table = {t: {k: v for k, v in columns.items() if k in TABLES[t]} for t in _MAPPED_TABLES}
        valid = sorted(set().union(*(TABLES[t] for t in _MAPPED_TABLES)))
        unknown = [k for k in columns if k not in valid]
        if unknown:
            raise ConfigError(f"columns: unknown canonical column {unknown[0]!r}; expected one of "
                              f"{', '.join(valid)}")
    for table, names in per_table.items():
        for canonical, yours in names.items():
            if canonical not in TABLES[table]:
                raise ConfigError(f"columns[{table!r}]: unknown canonical column {canonical!r}; expected one "
                                  f"of {', '.join(TABLES[table])}")
            if not isinstance(yours, str) or not yours:
                raise ConfigError(f"columns: the column for {canonical!r} must be a non-empty string, "
                                  f"got {yours!r}")
            out[table][yours] = canonical
    return out


def read_any(path: Path, report: LoadReport, rename: dict[str, str], *, sep: str | None, encoding: str,
             skip: bool, max_rows: int | None, strict: bool = True, seen: set[str] | None = None) -> Table:
    """A CSV/TSV or Parquet file as a Table whose columns carry canonical names where mapped.

    With `strict`, every column named in `rename` must exist; otherwise absent ones are ignored.
    """
    report.files.append(str(path))
    bad = BadLines(path, report, skip)
    kind = sniff_format(path)
    if kind == "a JSON array":
        raise DataError("expected CSV, TSV, Parquet or JSON Lines; this looks like a JSON array: write one "
                        "object per line (JSON Lines)", file=str(path))
    if kind == "Parquet":
        table = _read_parquet(path, bad, max_rows)
    elif kind == "JSON Lines":
        table = _read_json_lines(path, bad, max_rows)
    else:
        if sep is None:
            sep = "\t" if any(s in (".tsv", ".tab") for s in path.suffixes) else ","
        table = read_delimited(path, bad, sep=sep, encoding=encoding, max_rows=max_rows,
                               has_encoding_option=True)
    missing = [yours for yours in rename if yours not in table.frame.columns]
    if seen is not None:
        seen.update(map(str, table.frame.columns))
    if not strict:
        rename = {yours: canonical for yours, canonical in rename.items() if yours not in missing}
    elif missing:
        raise DataError(f"missing column '{missing[0]}' named in the 'columns' option (found columns: "
                        f"{', '.join(map(str, table.frame.columns))})", file=str(path),
                        line=1 if table.row_label == "line" else None, field=rename[missing[0]])
    table.frame = table.frame.rename(columns=rename)
    if {"asin", "parent_asin"} & set(table.frame.columns):
        _recognise_amazon(table, report)
    return table


def _recognise_amazon(table: Table, report: LoadReport) -> None:
    """Rename Amazon columns to canonical ones where absent; drop media and statistics columns."""
    frame = table.frame
    renamed = {}
    for theirs, canonical in AMAZON_COLUMNS.items():
        if theirs in frame.columns and canonical not in frame.columns and canonical not in renamed.values():
            renamed[theirs] = canonical
    # 2018 metadata holds the category path as a list in 'category'.
    if ("category" in frame.columns and "categories" not in frame.columns
            and frame["category"].map(lambda v: isinstance(v, (list, tuple, np.ndarray))).any()):
        renamed["category"] = "categories"
    dropped = [c for c in AMAZON_DROPPED if c in frame.columns]
    table.frame = frame.drop(columns=dropped).rename(columns=renamed)
    if renamed:
        report.notes.append(f"{table.path.name}: Amazon columns recognised: "
                            + ", ".join(f"{a} -> {b}" for a, b in renamed.items()))


def _read_json_lines(path: Path, bad: BadLines, max_rows: int | None) -> Table:
    """One JSON object per line (plain or gzip) as a Table; list and object values stay as they are."""
    records, lines = [], []
    for line, record in iter_json_records(path, bad, loose=True):
        records.append(record)
        lines.append(line)
        if max_rows is not None and len(records) >= max_rows:
            break
    if not records:
        raise DataError("no valid JSON objects", file=str(path))
    frame = pd.DataFrame.from_records(records)
    frame.columns = [str(c) for c in frame.columns]
    numbers = np.asarray(lines, dtype=np.int64)
    return Table(frame=frame, path=path, bad=bad, line_numbers_of=lambda: numbers)


def _read_parquet(path: Path, bad: BadLines, max_rows: int | None) -> Table:
    try:
        frame = pd.read_parquet(path)
    except Exception as error:  # pyarrow raises several unrelated types for a damaged file
        raise DataError(f"not a readable Parquet file ({type(error).__name__}: {error})",
                        file=str(path)) from None
    if max_rows is not None:
        frame = frame.head(max_rows)
    if frame.empty:
        raise DataError("no data rows", file=str(path))
    frame.columns = [str(c) for c in frame.columns]
    rows = np.arange(1, len(frame) + 1)
    return Table(frame=frame.reset_index(drop=True), path=path, bad=bad, line_numbers_of=lambda: rows,
                 row_label="row")


def _events(table: Table, report: LoadReport, scale: RatingScale, *, with_text: bool) -> pd.DataFrame:
    """Interaction (or, `with_text`, review) rows; invalid ones raise or are skipped and counted."""
    for column in ("user_id", "item_id"):
        table.require(column, " (map yours with the 'columns' option)")
    raw = table.frame
    frame = pd.DataFrame({"user_id": _ids(raw["user_id"]), "item_id": _ids(raw["item_id"])})
    frame["rating"] = table.ratings("rating", scale, implicit_ok=True) if "rating" in raw else np.nan
    if "rating" in raw and frame["rating"].isna().all():
        report.notes.append(f"{table.path.name}: the rating column is blank; read as implicit feedback")
    if "timestamp" in raw:
        frame["timestamp"], note = _timestamps(table)
        if note:
            report.notes.append(f"{table.path.name}: {note}")
    if with_text:
        frame["title"] = raw["title"].map(clean_text) if "title" in raw else ""
        frame["text"] = raw["text"].map(clean_text) if "text" in raw else ""
    frame = table.valid_frame(frame)
    if "timestamp" not in raw:
        frame["timestamp"] = position_timestamps(frame["user_id"]) if not with_text else 0
        if not with_text:
            report.notes.append(f"{table.path.name} has no timestamp column; "
                                "timestamps are positions in each user's history")
    table.bad.close()
    return frame


def _ids(values: pd.Series) -> pd.Series:
    """Ids as strings; integral floats (Parquet ints with nulls) lose their '.0'."""
    if pd.api.types.is_float_dtype(values):
        values = values.map(lambda v: None if is_missing(v) else (str(int(v)) if float(v).is_integer()
                                                                  else str(v)))
    return values.map(lambda v: None if is_missing(v) else str(v).strip())


def _timestamps(table: Table) -> tuple[pd.Series, str | None]:
    raw = table.frame["timestamp"]
    note = None
    if pd.api.types.is_datetime64_any_dtype(raw):
        seconds = _datetime_seconds(raw if raw.dt.tz is not None else raw.dt.tz_localize("UTC"))
    else:
        numbers = pd.to_numeric(raw, errors="coerce")
        seconds = pd.Series(np.nan, index=raw.index)
        if numbers.notna().any():
            converted, note = epoch_to_seconds(numbers[numbers.notna()])
            seconds[numbers.notna()] = converted
        text = numbers.isna() & raw.notna()
        if text.any():
            parsed = pd.to_datetime(raw[text].astype(str), format="ISO8601", utc=True, errors="coerce")
            seconds[text] = _datetime_seconds(parsed)
    missing = seconds.isna().to_numpy()
    if missing.any():
        table.flag(missing, "timestamp", "a unix time or an ISO date-time", raw)
    return seconds.fillna(0).astype("int64"), note


def _datetime_seconds(stamps: pd.Series) -> pd.Series:
    """Whole seconds since the epoch, NaN for NaT, whatever the series' time resolution."""
    return (stamps - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(seconds=1)


def _items(table: Table, categories_sep: str | None) -> pd.DataFrame:
    table.require("item_id", " (map yours with the 'columns' option)")
    raw = table.frame
    extra = [c for c in raw.columns if c not in TABLES["items"]]
    text = lambda column: raw[column].map(clean_text) if column in raw else ""  # noqa: E731
    categories = (raw["categories"].map(lambda v: split_categories(v, categories_sep))
                  if "categories" in raw else pd.Series([[] for _ in range(len(raw))]))
    title, description = text("title"), text("description")
    if "text" in raw and "title" not in raw and "description" not in raw:
        # One text field per item (e.g. UniSRec's item text): its first sentence is the title.
        extra.remove("text")
        parts = raw["text"].map(split_title)
        title, description = parts.str[0], parts.str[1]
    items = pd.DataFrame({
        "item_id": _ids(raw["item_id"]),
        "title": title,
        "description": description,
        "categories": categories,
        "category": text("category"),
        "brand": text("brand"),
        "price": raw["price"].map(parse_price) if "price" in raw else np.nan,
        "attributes": _attributes(table, extra),
    })
    items = table.valid_frame(items)
    table.bad.close()
    return items


def _attributes(table: Table, extra: list[str]) -> list[str]:
    """The attributes column (a JSON object) merged with every unmapped column, as JSON strings."""
    raw = table.frame
    given = raw["attributes"].tolist() if "attributes" in raw else [None] * len(raw)
    others = raw[extra].to_dict("records") if extra else [{} for _ in range(len(raw))]
    invalid = np.zeros(len(raw), dtype=bool)
    out = []
    for row, (value, other) in enumerate(zip(given, others, strict=True)):
        values: dict[str, object] = {}
        if isinstance(value, str) and value.strip():
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                value = None
            if not isinstance(value, dict):
                invalid[row] = True
        if isinstance(value, Mapping):
            values.update(value)
        values.update({k: (v.item() if isinstance(v, np.generic) else v)
                       for k, v in other.items() if not is_missing(v)})
        out.append(attributes_json(values))
    if invalid.any():
        table.flag(invalid, "attributes", "a JSON object", raw["attributes"])
    return out
