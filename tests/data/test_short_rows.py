"""Rows with too few fields are reported with their line (or skipped and counted), in every source."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmrec.data.sources import load_source
from llmrec.errors import DataError
from tests.data.helpers import write

# (source, folder or file name, file inside, content with a short line 3, options, error fragment)
CASES = [
    (
        "movielens",
        "ml-100k",
        "u.data",
        "196\t242\t3\t881250949\n186\t302\t3\t891717742\n22\t377\n",
        "path",
        r"u.data, line 3: expected 4 fields separated by '\\t', found 2",
    ),
    (
        "movielens",
        "ml-1m",
        "ratings.dat",
        "1::1193::5::978300760\n1::661::3::978302109\n2::1193\n",
        "path",
        r"ratings.dat, line 3: expected 4 fields 'user::movie::rating::timestamp', found 2",
    ),
    (
        "movielens",
        "ml-latest-small",
        "ratings.csv",
        "userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,3\n",
        "path",
        r"ratings.csv, line 3: expected 4 fields separated by ',', found 2",
    ),
    (
        "recbole",
        "shop",
        "shop.inter",
        "user_id:token\titem_id:token\trating:float\ttimestamp:float\nu1\ti1\t5\t1600000000\nu1\ti2\n",
        "path",
        r"shop.inter, line 3: expected 4 fields separated by '\\t', found 2",
    ),
    (
        "csv",
        "",
        "events.csv",
        "user_id,item_id,rating\nu1,i1,4\nu1\n",
        "interactions_path",
        r"events.csv, line 3: expected 3 fields separated by ',', found 1",
    ),
]


@pytest.mark.parametrize(("source", "folder", "name", "text", "option", "message"), CASES)
def test_short_row_names_its_line(
    tmp_path: Path, source: str, folder: str, name: str, text: str, option: str, message: str
) -> None:
    path = write(tmp_path / folder / name, text)
    where = path if option == "interactions_path" else path.parent
    with pytest.raises(DataError, match=message):
        load_source(source, **{option: where})
    data = load_source(source, **{option: where}, skip_bad_lines=True)
    assert len(data.interactions) == len(text.splitlines()) - 1 - ("user_id" in text or "userId" in text)
    assert data.report.skipped_bad_lines == 1
    assert "(lines 3)" in " ".join(data.report.notes)


def test_short_movie_lines_name_their_line(tmp_path: Path) -> None:
    folder = tmp_path / "ml-1m"
    write(folder / "ratings.dat", "1::1193::5::978300760\n")
    write(folder / "movies.dat", "1193::One Flew Over the Cuckoo's Nest (1975)::Drama\n1194\n")
    with pytest.raises(DataError, match=r"movies.dat, line 2: expected 3 fields 'movie::title::genres'"):
        load_source("movielens", path=folder)
