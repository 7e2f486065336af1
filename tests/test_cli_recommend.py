"""`recommend --k`: a list length below 1 is a one-line error, not an empty "top-0" table."""

import pytest

from llmrec.cli import main


@pytest.mark.parametrize("k", ["0", "-3"])
def test_recommend_rejects_k_below_one(tmp_path, capsys, k):
    # checked before the workspace is opened: an empty folder is enough
    assert main(["recommend", "--workspace", str(tmp_path), "--user", "U1", "--k", k]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    lines = [line for line in err.splitlines() if line]
    assert lines == [f"error: --k must be >= 1 (the length of the list), found {k}"]
