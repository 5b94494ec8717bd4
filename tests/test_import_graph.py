"""The plan of the house, read from the code: an ast walk over every import of both packages
(imports inside functions included).

- playground/ is what a Space runs; workshop/ builds the embedded model and may import
  playground, never the other way round.
- No import circles between modules, and none between rooms (a top-level module or a
  sub-package counts as one room), so no room imports one that depends on it.
- Project imports sit at the top of a module: one hidden in a function is how circles hide.
  (Heavy libraries such as torch are imported inside functions on purpose: nothing on import.)
"""
from __future__ import annotations

import ast
import functools
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("playground", "workshop")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}


def resolve(name: str, member: str | None = None) -> str | None:
    """The project module an import names (`from a.b import c` is a.b.c when c is a module)."""
    if member and f"{name}.{member}" in MODULES:
        return f"{name}.{member}"
    return name if name in MODULES else None


def imports(path: Path):
    """(imported module, inside a function?) for every project import in a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    in_function = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            in_function |= {id(n) for n in ast.walk(node) if n is not node}
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Import):
            targets = [resolve(a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            targets = [resolve(node.module, a.name) for a in node.names]
        for target in targets:
            if target:
                yield target, id(node) in in_function


@functools.cache
def graph() -> dict[str, set[str]]:
    edges = defaultdict(set)
    for name, path in MODULES.items():
        for target, _ in imports(path):
            if target != name and not name.startswith(target + "."):  # a package's own __init__
                edges[name].add(target)
    return edges


def room(name: str) -> str:
    parts = name.split(".")
    return ".".join(parts[:2])


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in list(edges):
        if v not in index:
            visit(v)
    return out


def test_the_walk_sees_both_packages():
    assert "playground.lab" in MODULES and "workshop.train" in MODULES
    assert "playground.pipelines" in graph()["playground.lab"]


def test_the_runtime_never_imports_the_workshop():
    bad = [(a, b) for a, targets in graph().items() for b in targets
           if a.startswith("playground") and b.startswith("workshop")]
    assert not bad


def test_no_import_circles_between_modules():
    assert cycles(graph()) == []


def test_no_room_imports_upward():
    rooms = defaultdict(set)
    for a, targets in graph().items():
        for b in targets:
            if room(a) != room(b):
                rooms[room(a)].add(room(b))
    assert cycles(rooms) == []


def test_no_project_import_hides_inside_a_function():
    hidden = [f"{name}: {target}" for name, path in MODULES.items()
              for target, inside in imports(path) if inside]
    assert not hidden


def test_the_cycle_finder_finds_a_circle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_rooms_stay_small():
    """Files of about 300 lines, functions of at most 60: past that, a module holds two ideas."""
    big = []
    for name, path in MODULES.items():
        text = path.read_text(encoding="utf-8")
        if len(text.splitlines()) > 300:
            big.append(f"{name}: {len(text.splitlines())} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno >= 60:
                big.append(f"{name}.{node.name}: {node.end_lineno - node.lineno + 1} lines")
    assert not big
