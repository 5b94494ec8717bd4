"""The plan of the house, read from the code: an ast walk over every import of both packages
(imports inside functions included).

- playground/ is what a Space runs; workshop/ builds the embedded model and tools/ starts,
  loads, attacks and times the app: both may import playground, never the other way round,
  and playground/ui/ holds only what the app imports.
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
PACKAGES = ("playground", "workshop", "tools")


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


def test_the_walk_sees_every_package():
    assert "playground.lab" in MODULES and "workshop.train" in MODULES and "tools.load" in MODULES
    assert "playground.pipelines" in graph()["playground.lab"]


def test_the_runtime_never_imports_the_workshop_or_the_tools():
    bad = [(a, b) for a, targets in graph().items() for b in targets
           if a.startswith("playground") and b.startswith(("workshop", "tools"))]
    assert not bad


def test_the_ui_package_holds_only_what_the_app_imports():
    """Every module of playground/ui/ is reached from app.py's imports (tools live in tools/)."""
    reached, todo = set(), [target for target, _ in imports(ROOT / "app.py")]
    while todo:
        name = todo.pop()
        if name not in reached:
            reached.add(name)
            todo += [t for t in graph().get(name, ()) if t.startswith("playground")]
            todo += [parent for parent in ("playground", "playground.ui") if name.startswith(parent + ".")]
    ui = {name for name in MODULES if name.startswith("playground.ui")}
    assert ui - reached == set()


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


def imported_test_modules(node: ast.AST) -> list[str]:
    """The test modules an import statement names (`from test_app import x`, `from . import test_app`)."""
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    elif isinstance(node, ast.ImportFrom):
        names = [node.module or ""] + [f"{node.module or ''}.{a.name}".lstrip(".") for a in node.names]
    else:
        return []
    return [n for n in names if any(part.startswith("test_") for part in n.split("."))]


def test_no_test_module_imports_another():
    """Shared helpers live in fixtures modules (tests/conftest.py, support.py, browser_support.py,
    hub_fixture.py, a1111_parser.py), never in a test module: importing one runs its module code
    a second time beside pytest's own import and ties a test file to another's internals."""
    found = [f"tests/{path.name}:{node.lineno} imports {names[0]}"
             for path in sorted((ROOT / "tests").glob("test_*.py"))
             for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
             if (names := imported_test_modules(node))]
    assert not found


def test_the_test_import_check_sees_every_form():
    def named(code):
        return [n for node in ast.walk(ast.parse(code)) for n in imported_test_modules(node)]

    for code in ("import test_app", "from test_app import serve_app", "from tests.test_app import x",
                 "from . import test_app", "from .test_app import x", "def f():\n    from test_app import x"):
        assert named(code), code
    for code in ("import pytest", "from support import serve_app", "from conftest import TINY_STEPS"):
        assert not named(code), code
