"""The sequence-file loader (SASRec / S3-Rec `user item1 item2 ...`) on a hand-written fixture."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmrec.data.sources import load_source
from llmrec.errors import DataError
from tests.data.helpers import write

SEQ = Path(__file__).parents[1] / "fixtures" / "sources" / "sequences" / "Beauty.txt"


def test_each_line_is_one_users_history_in_order() -> None:
    data = load_source("sequences", path=SEQ)
    assert data.name == "sequences:Beauty"
    assert (data.n_users, data.n_items, len(data.interactions)) == (3, 4, 9)
    a3 = data.interactions[data.interactions["user_id"] == "A3"]
    assert a3["item_id"].tolist() == ["I2", "I3", "I4", "I1"]
    assert a3["timestamp"].tolist() == [0, 1, 2, 3]
    assert data.interactions["rating"].isna().all()


def test_bad_lines_name_their_line(tmp_path: Path) -> None:
    path = write(tmp_path / "seq.txt", "u1 i1 i2\nu2\nu1 i3\n")
    with pytest.raises(DataError, match=r"seq.txt, line 2: expected a user id followed by"):
        load_source("sequences", path=path)
    path = write(tmp_path / "seq.txt", "u1 i1 i2\nu1 i3\n")
    with pytest.raises(DataError, match=r"seq.txt, line 2, field 'user': expected one line per user, found "
                                        r"user 'u1' again \(first on line 1\)"):
        load_source("sequences", path=path)
    data = load_source("sequences", path=path, skip_bad_lines=True)
    assert data.interactions["item_id"].tolist() == ["i1", "i2"] and data.report.skipped_bad_lines == 1


def test_custom_separator_and_max_rows(tmp_path: Path) -> None:
    path = write(tmp_path / "seq.csv", "u1,i1,i2\nu2,i2\n")
    data = load_source("sequences", path=path, sep=",", max_rows=1)
    assert data.interactions["item_id"].tolist() == ["i1", "i2"]
