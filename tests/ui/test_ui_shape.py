"""The dashboard's shape: thin pages, one frame, safe rendering of data."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted((ROOT / "pages").glob("*.py"))


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_pages_and_frame_hold_no_computation_libraries():
    heavy = {"numpy", "pandas", "torch", "sklearn", "umap", "plotly"}
    assert len(PAGES) == 7
    for path in [ROOT / "app.py", *PAGES]:
        assert not _imports(path) & heavy, path.name


def test_no_page_renders_raw_html():
    for path in [ROOT / "app.py", *PAGES, *(ROOT / "llmrec" / "ui").rglob("*.py")]:
        assert "unsafe_allow_html" not in path.read_text(), path.name


def test_every_page_is_registered_in_the_frame():
    frame = (ROOT / "app.py").read_text()
    for path in PAGES:
        assert f"pages/{path.name}" in frame


def test_streamlit_config_keeps_everything_local():
    config = (ROOT / ".streamlit" / "config.toml").read_text()
    assert "gatherUsageStats = false" in config
    assert 'address = "127.0.0.1"' in config
    assert "http" not in config  # no remote fonts or assets

