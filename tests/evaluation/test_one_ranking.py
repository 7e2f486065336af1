"""One top-k rule: tied scores give the same list in evaluation, the CLI and the dashboard query."""

from __future__ import annotations

import json

import numpy as np
import pytest

from llmrec.cli import main
from llmrec.evaluation import Split, recommendations
from llmrec.models import tie_order
from llmrec.pipeline.artifacts import Workspace
from llmrec.serve import WorkspaceIndex
from llmrec.serve.recommendations import recommend, top_items

K = 10


@pytest.fixture(scope="module")
def ws(small_index) -> Workspace:
    return small_index.ws


def _tied_user(index: WorkspaceIndex, model: str) -> str:
    """A user whose popularity top-K (training and validation items masked) has tied scores."""
    for user_id in index.ws.ids.users[:100]:
        recs = recommend(index, user_id, model, K)
        if recs["score"].duplicated().any():
            return str(user_id)
    raise AssertionError("no user with tied scores in the top-K: the test data changed")


def test_tied_scores_rank_the_same_everywhere(small_index, ws, capsys):
    index = small_index
    seed = ws.manifest["config"]["seed"]
    model = index.model("popularity")
    user = _tied_user(index, "popularity")
    split = Split(kind="leave_last_out", **ws.split)

    evaluation = recommendations(model, [user], K, ids=ws.ids, split=split, tie_seed=seed)
    dashboard = recommend(index, user, "popularity", K)
    assert main(["recommend", "--workspace", str(ws.root), "--user", user, "--model", "popularity",
                 "--k", str(K), "--json"]) == 0
    cli = [row["item_id"] for row in json.loads(capsys.readouterr().out)]

    assert evaluation["item_id"].tolist() == dashboard["item_id"].tolist() == cli
    # the ties follow the seeded order of the workspace, not the catalogue order
    place = np.empty(ws.ids.n_items, dtype=np.int64)
    place[tie_order(ws.ids.n_items, seed)] = np.arange(ws.ids.n_items)
    rows = ws.ids.item_indices(dashboard["item_id"])
    keys = list(zip(-dashboard["score"].to_numpy(), place[rows], strict=True))
    assert keys == sorted(keys)


def test_top_items_for_explanations_is_the_first_of_the_same_list(small_index, ws):
    index = small_index
    user = _tied_user(index, "popularity")
    first = top_items(index, "popularity", np.array([ws.ids.user_index(user)]))[0]
    assert ws.ids.items[first] == recommend(index, user, "popularity", K)["item_id"].iloc[0]
