"""What a model or a text generator can do is declared as a Protocol and checked with isinstance, never
probed with getattr/hasattr (a probe hides a renamed method and reads an undeclared one)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROBES = {"getattr", "hasattr"}


def _trees() -> dict[str, ast.Module]:
    return {str(p.relative_to(ROOT)): ast.parse(p.read_text(), filename=str(p))
            for p in sorted((ROOT / "llmrec").rglob("*.py"))}


def _is_protocol(node: ast.ClassDef) -> bool:
    return any((isinstance(b, ast.Name) and b.id == "Protocol")
               or (isinstance(b, ast.Attribute) and b.attr == "Protocol") for b in node.bases)


def declared_capabilities(trees: dict[str, ast.Module]) -> dict[str, str]:
    """Member name -> the Protocol that declares it, over every Protocol class in llmrec."""
    members = {}
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and _is_protocol(node):
                for item in node.body:
                    if isinstance(item, ast.FunctionDef):
                        members[item.name] = node.name
                    elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                        members[item.target.id] = node.name
    return members


def probes_of(trees: dict[str, ast.Module], members: dict[str, str]) -> list[str]:
    """`file:line getattr(x, "member")` for each probe of a declared capability member."""
    found = []
    for name, tree in trees.items():
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in PROBES
                    and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant)
                    and node.args[1].value in members):
                found.append(f"{name}:{node.lineno} {node.func.id}(..., {node.args[1].value!r}) "
                             f"probes {members[node.args[1].value]}")
    return found


def test_the_capabilities_are_found():
    members = declared_capabilities(_trees())
    assert {"item_vectors": "FactorModel", "explain": "Explainable", "predict": "RatingPredictor",
            "score_new_items": "NewItemScorer", "score_sequences": "SequentialModel",
            "stream": "StreamingGenerator"}.items() <= members.items()


def test_the_probe_finder_finds_a_probe():
    tree = ast.parse('def f(model):\n    return getattr(model, "explain", None) or hasattr(model, "stream")')
    assert probes_of({"x.py": tree}, {"explain": "Explainable", "stream": "StreamingGenerator"}) == [
        "x.py:2 getattr(..., 'explain') probes Explainable",
        "x.py:2 hasattr(..., 'stream') probes StreamingGenerator"]


def test_no_capability_is_probed_with_getattr_or_hasattr():
    trees = _trees()
    assert probes_of(trees, declared_capabilities(trees)) == []
