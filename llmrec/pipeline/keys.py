"""Reuse keys of build stages, derived from what a stage declares: upstream keys, parameters, code.

The code a stage depends on is found, not listed: starting from the functions its declaration names
(its body and its parameter function), `code_hash` follows, with `ast`, every name they use that is
defined in the same module (helpers, constants) and every llmrec module they import, module-level
or inside a function, then every llmrec module those import, transitively. The key hashes the
source of all of it, so editing a model's file retrains, while editing the projection code leaves
the trained models alone. A package's `__init__` counts only when it is imported by name (they only
re-export). Each file's imports are parsed once per process per version of its text.
"""

from __future__ import annotations

import ast
import hashlib
import inspect
import json
import sys
from collections.abc import Callable, Iterable
from functools import lru_cache
from importlib import metadata
from pathlib import Path

PACKAGE = "llmrec"
ROOT = Path(__file__).resolve().parents[1]  # the llmrec package folder


def digest(*parts: object) -> str:
    """A short, process-independent hash of JSON-able parts (sorted keys, str for the rest)."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def versions(packages: Iterable[str]) -> dict[str, str]:
    """Installed versions of `packages` ("not installed" for a missing one)."""
    out = {}
    for name in packages:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def module_file(module: str) -> Path | None:
    """The source file of an llmrec module (`llmrec.x.y`), or None when it is not one."""
    if module == PACKAGE:
        return ROOT / "__init__.py"
    if not module.startswith(PACKAGE + ".") or not all(module.split(".")):
        return None
    relative = Path(*module.split(".")[1:])
    for candidate in (ROOT / relative.with_suffix(".py"), ROOT / relative / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def read_source(path: Path) -> str:
    """The text of a source file (the one place sources are read: tests replace it to 'edit' code)."""
    return path.read_text(encoding="utf-8")


@lru_cache(maxsize=512)
def _imports_of(module: str, text: str) -> tuple[str, ...]:
    """llmrec modules imported anywhere in one module's source (the text keys the cache)."""
    return tuple(sorted(imported_modules(ast.parse(text), module)))


def imported_modules(tree: ast.AST, module: str) -> set[str]:
    """llmrec modules an AST imports: `import a.b`, `from a import b` (b a module or a name)."""
    package = module if module_file(module) and module_file(module).name == "__init__.py" \
        else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # `from package import module` runs the package's __init__ too, but that only re-exports
            found.update(f"{base}.{a.name}" if module_file(f"{base}.{a.name}") else base for a in node.names)
    return {name for name in found if module_file(name) is not None}


def import_closure(modules: Iterable[str]) -> list[Path]:
    """Source files of `modules` and of every llmrec module they import, transitively, sorted."""
    seen: dict[str, Path] = {}
    todo = [m for m in modules if module_file(m) is not None]
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        path = module_file(module)
        seen[module] = path
        todo.extend(_imports_of(module, read_source(path)))
    return sorted(set(seen.values()))


@lru_cache(maxsize=8)
def _parsed_definitions(text: str) -> tuple[dict[str, ast.AST], dict[str, str]]:
    """`_definitions` of a module's text, parsed once per process per version (never mutated)."""
    return _definitions(ast.parse(text))


def _definitions(tree: ast.Module) -> tuple[dict[str, ast.AST], dict[str, str]]:
    """Module-level definitions (functions, classes, assignments) by name, and imported names -> module."""
    defs: dict[str, ast.AST] = {}
    imported: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            defs[node.name] = node
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        defs[name.id] = node
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                child = f"{node.module}.{alias.name}"
                imported[alias.asname or alias.name] = child if module_file(child) else node.module
        elif isinstance(node, ast.Import):
            for alias in node.names:
                imported[(alias.asname or alias.name).split(".")[0]] = alias.name
    return defs, imported


def _used_names(node: ast.AST) -> set[str]:
    """Names a definition uses when it runs; annotations are left out (they are never evaluated)."""
    skipped: set[int] = set()
    for inner in ast.walk(node):
        annotations = []
        if isinstance(inner, ast.FunctionDef | ast.AsyncFunctionDef):
            args = inner.args
            annotations = [inner.returns, *(a.annotation for a in
                                            (*args.posonlyargs, *args.args, *args.kwonlyargs,
                                             args.vararg, args.kwarg) if a is not None)]
        elif isinstance(inner, ast.AnnAssign):
            annotations = [inner.annotation]
        for annotation in annotations:
            if annotation is not None:
                skipped.update(id(n) for n in ast.walk(annotation))
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and id(n) not in skipped}


def _reach(functions: list[Callable]) -> tuple[str, list[ast.AST], set[str]]:
    """The defining module's text, the same-module definitions `functions` reach, their llmrec imports."""
    module = sys.modules[functions[0].__module__]
    text = read_source(Path(inspect.getsourcefile(module)).resolve())
    defs, imported = _parsed_definitions(text)
    reached: dict[str, ast.AST] = {}
    modules: set[str] = set()
    todo = [f.__name__ for f in functions]
    while todo:
        name = todo.pop()
        if name in reached or name not in defs:
            continue
        node = reached[name] = defs[name]
        modules |= imported_modules(node, module.__name__)
        for used in _used_names(node):
            if used in imported:
                modules.add(imported[used])
            elif used in defs:
                todo.append(used)
    nodes = sorted({id(n): n for n in reached.values()}.values(), key=lambda n: n.lineno)
    return text, nodes, modules


def code_files(functions: Iterable[Callable]) -> list[Path]:
    """The llmrec source files the code of `functions` depends on (for inspection and tests)."""
    return import_closure(_reach(list(functions))[2])


def code_hash(functions: Iterable[Callable]) -> str:
    """Hash of the source of `functions`, the same-module definitions they use, and their imports.

    All functions must live in one module (a stage's declaration module).
    """
    text, nodes, modules = _reach(list(functions))
    lines = text.splitlines(keepends=True)
    hasher = hashlib.sha256()
    for node in nodes:  # whole lines of each definition (get_source_segment re-splits the file each call)
        hasher.update("".join(lines[node.lineno - 1:node.end_lineno]).encode())
    for file in import_closure(modules):
        hasher.update(file.relative_to(ROOT).as_posix().encode() + b"\0")
        hasher.update(read_source(file).encode())
    return hasher.hexdigest()[:16]
