"""MovieLens ratings and movies: the 100K, 1M/10M ('::' files) and latest/20M/25M (CSV) releases."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from llmrec.data.cleaning import attributes_json, clean_text, split_categories
from llmrec.data.dataset import Dataset, LoadReport
from llmrec.data.sources.delimited import read_delimited
from llmrec.data.sources.files import BadLines, empty_file, iter_lines, require_dir
from llmrec.data.sources.finishing import check_common_options, finish
from llmrec.data.sources.values import RatingScale, check_rating, snippet
from llmrec.errors import DataError

# The genre columns of u.item, in order, for when u.genre is absent (ML-100K README).
GENRES_100K = ["unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime",
               "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance",
               "Sci-Fi", "Thriller", "War", "Western"]
# Each variant is recognised by its ratings file; the movies file sits beside it.
VARIANTS = {"100k": ("u.data", "u.item"), "1m": ("ratings.dat", "movies.dat"),
            "latest": ("ratings.csv", "movies.csv")}
_NO_GENRE = {"(no genres listed)", "unknown", ""}
# 100K and 1M/10M rate in whole stars 1-5 (10M adds half stars); latest/20M/25M rate 0.5-5.
SCALE = RatingScale(0.5, 5.0)


def load_movielens(
    *,
    path: str | Path,
    variant: str | None = None,
    skip_bad_lines: bool = False,
    kcore: int = 0,
    max_rows: int | None = None,
    keep_unused_items: bool = False,
) -> Dataset:
    """Load a MovieLens release from its unzipped folder (e.g. `ml-100k/`, `ml-1m/`, `ml-latest-small/`).

    Every rating must be a number from 0.5 to 5 (blank, NaN, inf and negative values are bad lines).
    Items are movies: title as given ("Toy Story (1995)"), categories = genres, category = the
    first genre, no brand or price. The variant is detected from the ratings file present.

    path: the folder (or a folder holding exactly one such folder).
    variant: "100k", "1m" (also 10M) or "latest" (also 20M/25M); detected when None.
    skip_bad_lines: skip malformed lines and count them in the report instead of raising.
    kcore: keep the iterative k-core of users and items (0 or 1 keeps everything).
    max_rows: read at most this many ratings (the first ones in the file).
    keep_unused_items: keep movies nobody (kept) rated.
    """
    check_common_options(kcore, max_rows)
    folder = require_dir(path, "path")
    folder, variant = detect_variant(folder, variant)
    report = LoadReport(source="movielens")
    ratings_name, movies_name = VARIANTS[variant]
    ratings_file = folder / ratings_name
    movies_file = folder / movies_name
    has_movies = movies_file.is_file()
    if variant == "100k":
        interactions = _read_ratings_table(ratings_file, report, skip_bad_lines, max_rows, sep="\t",
                                           names=["user_id", "item_id", "rating", "timestamp"])
        items = _read_items_100k(folder, movies_file, report, skip_bad_lines) if has_movies else None
    elif variant == "1m":
        interactions = _read_ratings_dat(ratings_file, report, skip_bad_lines, max_rows)
        items = _read_movies_dat(movies_file, report, skip_bad_lines) if has_movies else None
    else:
        interactions = _read_ratings_table(ratings_file, report, skip_bad_lines, max_rows, sep=",",
                                           names=None)
        items = _read_movies_csv(movies_file, report, skip_bad_lines) if has_movies else None
    if items is None:
        report.notes.append(f"no {movies_name} beside {ratings_name}; movies are titled by id")
    return finish(f"movielens:{folder.name}", report, interactions=interactions, items=items, kcore=kcore,
                  keep_unused_items=keep_unused_items)


def detect_variant(folder: Path, variant: str | None) -> tuple[Path, str]:
    """The folder holding the ratings file and the variant name; a DataError if none is found."""
    if variant is not None and variant not in VARIANTS:
        raise DataError(f"unknown MovieLens variant {variant!r}; expected one of {', '.join(VARIANTS)}",
                        file=str(folder), field="variant")
    candidates = [folder] + sorted(p for p in folder.iterdir() if p.is_dir())
    for candidate in candidates:
        for name, (ratings, _) in VARIANTS.items():
            if (variant is None or variant == name) and (candidate / ratings).is_file():
                return candidate, name
    expected = ", ".join(ratings for name, (ratings, _) in VARIANTS.items() if variant in (None, name))
    raise DataError(f"no MovieLens ratings file found; expected one of: {expected}", file=str(folder))


def _read_ratings_table(path: Path, report: LoadReport, skip: bool, max_rows: int | None, *, sep: str,
                        names: list[str] | None) -> pd.DataFrame:
    report.files.append(str(path))
    bad = BadLines(path, report, skip)
    table = read_delimited(path, bad, sep=sep, names=names, max_rows=max_rows,
                           expected="ratings: user, movie, rating, timestamp",
                           floats=lambda columns: {"rating", "timestamp"})
    if names is None:
        table.frame = table.frame.rename(columns={"userId": "user_id", "movieId": "item_id"})
    for column in ("user_id", "item_id", "rating", "timestamp"):
        table.require(column)
    rating = table.ratings("rating", SCALE)
    timestamp = table.numbers("timestamp", expected="a unix time in seconds")
    frame = pd.DataFrame({"user_id": table.frame["user_id"], "item_id": table.frame["item_id"],
                          "rating": rating, "timestamp": timestamp})
    frame = table.valid_frame(frame)
    frame["timestamp"] = frame["timestamp"].fillna(0).astype("int64")
    bad.close()
    _note_max_rows(report, path, max_rows, len(table.frame))
    report.rows_read["interactions"] = len(frame)
    return frame


def _read_ratings_dat(path: Path, report: LoadReport, skip: bool, max_rows: int | None) -> pd.DataFrame:
    report.files.append(str(path))
    bad = BadLines(path, report, skip)
    users, items, ratings, stamps = [], [], [], []
    seen = 0
    for line, text in iter_lines(path, bad, fallback="latin-1"):
        if not text.strip():
            continue
        seen += 1
        fields = text.split("::")
        try:
            if len(fields) != 4:
                raise DataError(f"expected 4 fields 'user::movie::rating::timestamp', found {len(fields)}: "
                                f"{snippet(text)}", file=str(path), line=line)
            rating = check_rating(_number(fields[2], path, line, "rating"), SCALE, path, line, "rating")
            stamp = int(_number(fields[3], path, line, "timestamp"))
        except DataError as error:
            bad.handle(error)
            continue
        users.append(fields[0].strip())
        items.append(fields[1].strip())
        ratings.append(rating)
        stamps.append(stamp)
        if max_rows is not None and len(users) >= max_rows:
            break
    if seen == 0:
        raise empty_file(path, "ratings lines 'user::movie::rating::timestamp'")
    bad.close()
    _note_max_rows(report, path, max_rows, len(users))
    report.rows_read["interactions"] = len(users)
    return pd.DataFrame({"user_id": users, "item_id": items, "rating": np.asarray(ratings, dtype="float64"),
                         "timestamp": np.asarray(stamps, dtype="int64")})


def _read_movies_dat(path: Path, report: LoadReport, skip: bool) -> pd.DataFrame:
    report.files.append(str(path))
    bad = BadLines(path, report, skip)
    rows = []
    for line, text in iter_lines(path, bad, fallback="latin-1"):
        if not text.strip():
            continue
        movie, _, rest = text.partition("::")
        title, sep, genres = rest.rpartition("::")
        if not sep or not movie.strip():
            bad.handle(DataError(f"expected 3 fields 'movie::title::genres', found {snippet(text)}",
                                 file=str(path), line=line))
            continue
        rows.append(_movie(movie, title, split_categories(genres, "|"), {}))
    bad.close()
    return _items_frame(rows, path, report)


def _read_movies_csv(path: Path, report: LoadReport, skip: bool) -> pd.DataFrame:
    report.files.append(str(path))
    bad = BadLines(path, report, skip)
    table = read_delimited(path, bad, sep=",", expected="movies: movieId, title, genres")
    for column in ("movieId", "title", "genres"):
        table.require(column)
    frame = table.frame
    rows = [_movie(movie, title, split_categories(genres, "|") if isinstance(genres, str) else [], {})
            for movie, title, genres in zip(frame["movieId"], frame["title"], frame["genres"], strict=True)]
    bad.close()
    return _items_frame(rows, path, report)


def _read_items_100k(folder: Path, path: Path, report: LoadReport, skip: bool) -> pd.DataFrame:
    report.files.append(str(path))
    genres = _genres_100k(folder / "u.genre", report, skip)
    bad = BadLines(path, report, skip)
    rows = []
    expected_fields = 5 + len(genres)
    for line, text in iter_lines(path, bad, fallback="latin-1"):
        if not text.strip():
            continue
        fields = text.split("|")
        if len(fields) != expected_fields:
            bad.handle(DataError(f"expected {expected_fields} fields separated by '|' (id, title, release "
                                 f"date, video date, IMDb URL, {len(genres)} genre flags), found "
                                 f"{len(fields)}", file=str(path), line=line))
            continue
        flags = fields[5:]
        invalid = [f for f in flags if f.strip() not in ("0", "1")]
        if invalid:
            position = flags.index(invalid[0])
            bad.handle(DataError(f"expected a genre flag 0 or 1, found {invalid[0]!r}", file=str(path),
                                 line=line, field=genres[position]))
            continue
        movie_genres = [g for g, f in zip(genres, flags, strict=True) if f.strip() == "1"]
        rows.append(_movie(fields[0], fields[1], movie_genres,
                           {"release_date": fields[2], "imdb_url": fields[4]}))
    bad.close()
    return _items_frame(rows, path, report)


def _genres_100k(path: Path, report: LoadReport, skip: bool) -> list[str]:
    if not path.is_file():
        return GENRES_100K
    report.files.append(str(path))
    pairs = []
    bad = BadLines(path, report, skip)
    for line, text in iter_lines(path, bad, fallback="latin-1"):
        if not text.strip():
            continue
        name, _, index = text.partition("|")
        if not index.strip().isdigit():
            bad.handle(DataError(f"expected 'genre|index', found {snippet(text)}", file=str(path), line=line))
            continue
        pairs.append((int(index), name.strip()))
    bad.close()
    return [name for _, name in sorted(pairs)] or GENRES_100K


def _movie(movie: str, title: str, genres: list[str], attributes: dict) -> dict:
    genres = [g for g in genres if g not in _NO_GENRE]
    return {"item_id": str(movie).strip(), "title": clean_text(title), "categories": genres,
            "category": genres[0] if genres else "", "brand": "", "price": np.nan,
            "attributes": attributes_json(attributes)}


def _items_frame(rows: list[dict], path: Path, report: LoadReport) -> pd.DataFrame:
    if not rows:
        raise DataError("no movies found; expected one movie per line", file=str(path))
    report.rows_read["items"] = len(rows)
    return pd.DataFrame(rows)


def _number(text: str, path: Path, line: int, field: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise DataError(f"expected a number, found {snippet(text)}", file=str(path), line=line,
                        field=field) from None


def _note_max_rows(report: LoadReport, path: Path, max_rows: int | None, n: int) -> None:
    if max_rows is not None and n >= max_rows:
        report.notes.append(f"{path.name}: stopped after max_rows={max_rows:,} ratings")


