"""The shape of the house: only llmrec/ui imports streamlit; pages stay thin."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_core_never_imports_streamlit():
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "llmrec").rglob("*.py")
                 if "ui" not in p.relative_to(ROOT / "llmrec").parts[:1] and "streamlit" in _imports(p)]
    assert offenders == []


def test_pages_hold_no_computation_libraries():
    pages = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]
    heavy = {"numpy", "pandas", "torch", "sklearn", "umap"}
    offenders = {str(p.relative_to(ROOT)): sorted(_imports(p) & heavy) for p in pages if p.exists()}
    assert {k: v for k, v in offenders.items() if v} == {}
