"""The package's layout: one subpackage per stage, and imports that run one way only.

`LAYERS` is the order, from the command line down to the core; a module may import its
own stage and the stages below it, never one above, and no modules import each other in
a circle (imports inside functions count: they are circles all the same).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "leafpress"
LAYERS = ("cli", "preview", "editor", "governance", "build", "publishing", "formats",
          "rendering", "gates", "translation", "content", "core")


def modules() -> dict[str, Path]:
    """Return every module of the package by its dotted name below ``leafpress``."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """Return the package's modules that the module ``name`` imports."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level:
            base = package[:len(package) - node.level + 1]
            module = [*base, *(node.module.split(".") if node.module else [])]
            targets = [".".join(["leafpress", *module, alias.name]) for alias in node.names]
            targets.append(".".join(["leafpress", *module]))
        elif isinstance(node, ast.ImportFrom):
            targets = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
        else:
            continue
        found |= {target.removeprefix("leafpress.") for target in targets
                  if target.startswith("leafpress.")} & known
    return found - {name}


def graph() -> dict[str, set[str]]:
    every = modules()
    return {name: imports(name, path, set(every)) for name, path in every.items()}


def stage(name: str) -> str:
    return name.split(".")[0]


def test_every_module_is_in_a_declared_stage():
    assert {stage(name) for name in modules() if name} <= set(LAYERS)
    for name in LAYERS[1:]:
        docstring = ast.get_docstring(ast.parse((PACKAGE / name / "__init__.py").read_text()))
        assert docstring and ("May use" in docstring or "Imports nothing" in docstring), name


def test_imports_run_down_the_stages_only():
    upward = sorted(f"{name} imports {target}" for name, targets in graph().items() if name
                    for target in targets
                    if LAYERS.index(stage(target)) < LAYERS.index(stage(name)))
    assert upward == []


def test_no_modules_import_each_other_in_a_circle():
    assert circles(graph()) == []


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Return one circle through each strongly connected group of modules (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


@pytest.mark.parametrize(("edges", "expected"), [
    ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
    ({"a": {"b"}, "b": {"a"}}, [["a", "b"]]),
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
])
def test_the_circle_finder_finds_circles(edges, expected):
    assert circles(edges) == expected


def test_the_import_reader_sees_relative_imports_and_imports_in_functions(tmp_path):
    path = tmp_path / "quality.py"
    path.write_text("from ..core.errors import Problem\nfrom . import texts\n\n"
                    "def f():\n    from .spelling import check\n")
    known = {"core.errors", "gates.texts", "gates.spelling", "gates.quality"}
    assert imports("gates.quality", path, known) == {"core.errors", "gates.texts",
                                                     "gates.spelling"}
