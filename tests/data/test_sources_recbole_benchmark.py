"""The UniSRec/RecBole benchmark layout on a hand-checkable fixture (3 users, 7 items, lists cut at 3)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from llmrec.data.dataset import Dataset
from llmrec.data.sources import load_source
from llmrec.errors import ConfigError, DataError

TINY = Path(__file__).parents[1] / "fixtures" / "sources" / "recbole" / "unisrec"
KETTLE, TOAST, MUG, LAMP, DESK, PEN, RUG = ("B00KETTLE", "B00TOAST", "B00MUG", "B00LAMP", "B00DESK",
                                             "B00PEN", "B00RUG")


def history(data, user: str) -> list[tuple[str, int, str]]:
    rows = data.interactions[data.interactions["user_id"] == user]
    return list(zip(rows["item_id"], rows["timestamp"], rows["given_split"], strict=True))


def test_histories_are_rebuilt_in_order_with_original_ids_and_given_split() -> None:
    data = load_source("recbole", path=TINY)
    assert data.name == "recbole:Tiny"
    assert (data.n_users, data.n_items, len(data.interactions)) == (3, 7, 15)
    # ANN: train 0 1 2, valid target 3, test target 4.
    assert history(data, "ANN") == [(KETTLE, 0, "train"), (TOAST, 1, "train"), (MUG, 2, "train"),
                                    (LAMP, 3, "valid"), (DESK, 4, "test")]
    assert history(data, "BOB") == [(MUG, 0, "train"), (PEN, 1, "train"), (TOAST, 2, "valid"),
                                    (RUG, 3, "test")]
    # CY's valid/test lists are cut to their last 3 items; the train prefixes give the start.
    assert history(data, "CY") == [(LAMP, 0, "train"), (KETTLE, 1, "train"), (PEN, 2, "train"),
                                   (MUG, 3, "train"), (RUG, 4, "valid"), (TOAST, 5, "test")]
    assert data.interactions["rating"].isna().all()


def test_text_becomes_title_and_description() -> None:
    items = load_source("recbole", path=TINY, dataset="Tiny").items.set_index("item_id")
    assert items.loc[MUG, "title"] == "Stoneware Mug & Saucer"
    assert items.loc[MUG, "description"] == "Home & Kitchen Mugs. Potters."
    assert items.loc[KETTLE, "title"] == "Steel Kettle 1.7 l"
    assert items.loc[RUG, "title"] == RUG  # no text: titled by id


@pytest.mark.parametrize("part", ["train", "valid", "test"])
def test_one_part_of_the_split_is_a_clear_error(part: str) -> None:
    with pytest.raises(DataError, match=rf"'Tiny.{part}.inter' is one part of the benchmark split 'Tiny'.*"
                                        r"use dataset 'Tiny'"):
        load_source("recbole", path=TINY, dataset=f"Tiny.{part}")


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "unisrec"
    shutil.copytree(TINY, folder)
    return folder


def test_train_rows_that_are_not_prefixes_of_one_history_name_the_line(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    train = folder / "Tiny.train.inter"
    train.write_text(train.read_text().replace("0\t0 1\t2", "0\t0 3\t2"))
    with pytest.raises(DataError, match=r"Tiny.train.inter, line 2, field 'item_id_list': expected a history "
                                        r"ending with"):
        load_source("recbole", path=folder)


def test_short_row_names_its_line_or_is_skipped(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    test = folder / "Tiny.test.inter"
    test.write_text(test.read_text().replace("1\t2 5 1\t6", "1\t2 5 1"))
    with pytest.raises(DataError, match=r"Tiny.test.inter, line 3: expected 3 fields"):
        load_source("recbole", path=folder)
    data = load_source("recbole", path=folder, skip_bad_lines=True)
    assert [split for *_, split in history(data, "BOB")] == ["train", "train", "valid"]
    assert data.report.skipped_bad_lines == 1


def test_unknown_integer_id_is_an_error(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    (folder / "Tiny.item2index").write_text("B00KETTLE\t0\n")
    with pytest.raises(DataError, match=r"Tiny.item2index: expected every item id of the .inter files in the "
                                        r"index, found 6 missing"):
        load_source("recbole", path=folder)


def test_given_split_survives_save_and_load(tmp_path: Path) -> None:
    data = load_source("recbole", path=TINY)
    data.save(tmp_path / "ds")
    loaded = Dataset.load(tmp_path / "ds")
    assert loaded.interactions["given_split"].tolist() == data.interactions["given_split"].tolist()
    assert loaded.fingerprint() == data.fingerprint()


@pytest.mark.parametrize(("option", "value"),
                         [("rating_scale", "1-5"), ("max_rows", 2), ("item_field", "sku")])
def test_options_the_benchmark_does_not_use_are_errors(option: str, value: object) -> None:
    with pytest.raises(ConfigError, match=rf"option '{option}' cannot be used with the benchmark layout"):
        load_source("recbole", path=TINY, **{option: value})
