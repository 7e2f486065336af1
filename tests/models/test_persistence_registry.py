import json

import numpy as np
import pandas as pd
import pytest
from safetensors.numpy import load_file, save_file

from llmrec.data.ids import IdMap
from llmrec.errors import ConfigError, ModelError
from llmrec.models import BPRMF, MODELS, ItemKNN, Popularity, build_model, load_model


@pytest.fixture
def saved(board, tmp_path):
    train, _, _ = board
    BPRMF(factors=4, epochs=1, batch_size=64).fit(train).save(tmp_path)
    return tmp_path


def test_config_json_describes_the_model(saved):
    config = json.loads((saved / "config.json").read_text())
    assert config["class"] == "BPRMF" and config["name"] == "bpr"
    assert config["params"]["factors"] == 4
    assert {k: v for k, v in config["shapes"].items() if not k.startswith("interactions.")} == {
        "item_bias": [40], "item_factors": [40, 4], "user_factors": [40, 4]}
    assert config["shapes"]["interactions.shape"] == [2]  # the training history, for exclude="history"
    assert config["vocabulary"] == {"n_users": 40, "n_items": 40, "user_ids_sha256": None,
                                    "item_ids_sha256": None}
    assert config["format_version"] == 2 and "llmrec_version" in config


def test_nan_tensor_is_rejected(saved):
    tensors = load_file(str(saved / "model.safetensors"))
    tensors["item_factors"][0, 0] = np.nan
    save_file(tensors, str(saved / "model.safetensors"))
    with pytest.raises(ModelError, match="NaN"):
        load_model(saved)


def test_shape_mismatch_is_rejected(saved):
    tensors = load_file(str(saved / "model.safetensors"))
    tensors["item_factors"] = tensors["item_factors"][:, :3].copy()
    save_file(tensors, str(saved / "model.safetensors"))
    with pytest.raises(ModelError, match="shapes"):
        load_model(saved)
    config = json.loads((saved / "config.json").read_text())
    config["shapes"]["item_factors"] = [40, 3]
    (saved / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelError, match="item_factors"):  # consistent files, but factors=4 says otherwise
        load_model(saved)


@pytest.mark.parametrize("change, message", [
    ({"class": "Pickle"}, "names class 'Pickle'"),
    ({"format_version": 99}, "format_version"),
    ({"params": {"factors": -1}}, "parameters are invalid"),
    ({"params": {"colour": 3}}, "parameters are invalid"),
])
def test_bad_config_is_rejected(saved, change, message):
    config = json.loads((saved / "config.json").read_text())
    config.update(change)
    (saved / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelError, match=message):
        load_model(saved)


def test_missing_or_wrong_files(tmp_path, saved):
    with pytest.raises(ModelError, match="config.json is missing"):
        load_model(tmp_path / "nothing")
    with pytest.raises(ModelError, match="holds a BPRMF, not a ItemKNN"):
        ItemKNN.load(saved)
    (saved / "model.safetensors").write_bytes(b"not safetensors")
    with pytest.raises(ModelError, match="could not be read"):
        load_model(saved)


def test_build_model_names_valid_choices():
    assert isinstance(build_model("popularity"), Popularity)
    assert build_model("bpr", factors=16).factors == 16
    with pytest.raises(ConfigError, match="unknown model 'bprr'; valid names: bias, bpr, itemknn, pop"):
        build_model("bprr")
    with pytest.raises(ConfigError, match="no parameter 'factor'; valid parameters: factors, epochs"):
        build_model("bpr", factor=3)
    with pytest.raises(ConfigError, match="lr must be a number > 0"):
        build_model("bpr", lr=0)


def test_registry_names_match_model_names():
    assert MODELS.keys() == {"popularity", "itemknn", "bpr", "rating_mf", "text_mf", "bias", "sasrec",
                             "text_sasrec", "random"}
    assert all(cls.name == name for name, cls in MODELS.items())


def _ids(users, items):
    return IdMap(users=pd.Index(users, name="user_id"), items=pd.Index(items, name="item_id"))


BOARD_IDS = _ids([f"u{i}" for i in range(40)], [f"i{i}" for i in range(40)])


def test_saved_vocabulary_is_checked_on_load(board, tmp_path):
    train, _, _ = board
    folder = tmp_path / "bpr"
    BPRMF(factors=4, epochs=1, batch_size=64).fit(train).save(folder, ids=BOARD_IDS)
    assert load_model(folder, BOARD_IDS).n_items == 40
    renamed = _ids(BOARD_IDS.users, [f"x{i}" for i in range(40)])
    with pytest.raises(ModelError, match=r"bpr: the model was trained with other item ids \(same count 40"):
        load_model(folder, renamed)
    reordered = _ids(BOARD_IDS.users[::-1], BOARD_IDS.items)
    with pytest.raises(ModelError, match="other user ids"):
        load_model(folder, reordered)
    fewer = _ids(BOARD_IDS.users, BOARD_IDS.items[:39])
    message = f"{folder}: the model was trained with 40 items, the workspace has 39;"
    with pytest.raises(ModelError, match=message):
        load_model(folder, fewer)


def test_model_saved_without_vocabulary_is_refused_by_a_workspace(saved):
    assert load_model(saved).n_users == 40  # fine on its own
    with pytest.raises(ModelError, match="saved without its user id vocabulary"):
        load_model(saved, BOARD_IDS)
