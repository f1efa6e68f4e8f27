"""The package graph of app/, read from the source: every import, at module level or inside a
function, except those under ``if TYPE_CHECKING:`` (annotations only, never executed). It must have
no cycle, every edge must point down README's layer order (the import-linter contract in
pyproject.toml, which `make lint` checks too), and an import inside a function that crosses
packages must say why on its line.

``.venv/bin/python tests/test_architecture.py`` prints the graph; ``pytest -s`` shows it too.
"""

from __future__ import annotations

import ast
import functools
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app"
# May import anything: they put the application together (demo_data is the demo builder's plain data).
COMPOSITION_ROOTS = {"__init__", "celery_app", "cli", "demo", "demo_data", "models"}


def _package(path: Path) -> str:
    parts = path.relative_to(APP).parts
    return parts[0][:-3] if len(parts) == 1 else parts[0]


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    guarded: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            guarded |= {id(child) for stmt in node.body for child in ast.walk(stmt)}
    return guarded


def _imported_packages(node: ast.AST) -> list[str]:
    if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        names = [node.module] if node.module != "app" else [f"app.{alias.name}" for alias in node.names]
    elif isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        return []
    return [name.split(".")[1] for name in names if name.startswith("app.")]


@functools.cache  # three tests read the same tree (parsing app/ is 1.7 s)
def read_imports():
    """(package graph {package: {imported packages}}, [(file:line, text) of function-level imports
    across packages])."""
    graph: dict[str, set[str]] = {}
    inner: list[tuple[str, str]] = []
    for path in sorted(APP.rglob("*.py")):
        package = _package(path)
        if package in COMPOSITION_ROOTS:
            continue
        graph.setdefault(package, set())
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
        guarded = _type_checking_nodes(tree)
        functions = [node for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]
        in_function = {id(child) for func in functions for child in ast.walk(func)}
        lines = source.splitlines()
        for node in ast.walk(tree):
            if id(node) in guarded:
                continue
            for target in _imported_packages(node):
                if target == package or target in COMPOSITION_ROOTS:
                    continue
                graph[package].add(target)
                if id(node) in in_function:
                    inner.append((f"{path.relative_to(ROOT)}:{node.lineno}", lines[node.lineno - 1].strip()))
    return graph, inner


def layers() -> list[set[str]]:
    """The layer order of the import-linter contract, top first (siblings share a layer)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    [contract] = [c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers"]
    return [{name.strip() for name in layer.replace(":", "|").split("|")} for layer in contract["layers"]]


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one package (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def describe(graph: dict[str, set[str]]) -> str:
    level = {name: i for i, layer in enumerate(layers()) for name in layer}
    order = sorted(graph, key=lambda name: (level.get(name, -1), name))
    width = max(map(len, order))
    def below(name: str) -> str:
        return ", ".join(sorted(graph[name], key=lambda target: (level.get(target, -1), target))) or "-"

    return "\n".join(f"{name:>{width}} -> {below(name)}" for name in order)


def test_the_package_graph_has_no_cycle():
    graph, _inner = read_imports()
    edges = sum(map(len, graph.values()))
    print(f"\npackage graph of app/ ({len(graph)} packages, {edges} edges), top layer first:")
    print(describe(graph))
    assert cycles(graph) == []


def test_every_import_points_down_the_layers():
    graph, _inner = read_imports()
    level = {name: i for i, layer in enumerate(layers()) for name in layer}
    assert sorted(set(graph) - set(level)) == [], "every package of app/ has a layer in pyproject.toml"
    upward = sorted(f"{source} -> {target}" for source, targets in graph.items() for target in targets
                    if level[target] <= level[source])
    assert upward == [], "imports of a higher (or sibling) layer"


def test_imports_inside_functions_across_packages_say_why():
    _graph, inner = read_imports()
    silent = [f"{where}: {text}" for where, text in inner if "#" not in text]
    assert silent == [], "import at module level, or say on the line why it cannot be"


def test_a_cycle_is_found():
    example = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(example) == [["a", "b", "c"]]


if __name__ == "__main__":
    found_graph, found_inner = read_imports()
    print(describe(found_graph))
    for where, text in found_inner:
        print(f"function-level: {where}: {text}")
    problems = cycles(found_graph)
    for component in problems:
        print("cycle:", " <-> ".join(component))
    sys.exit(1 if problems else 0)
