"""Imports flow one way: no module of songcraft/ takes part in an import cycle.

Every import counts, including those inside functions (a cycle hidden in a function is still a
cycle). `from package import name` counts as an import of `package.name` when that is a module.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(source: str, package: str, modules: set[str]) -> set[str]:
    """The modules of `modules` that `source` (a module of `package`) imports, at any depth of the code."""
    targets = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            targets |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            targets |= {f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names}
    return targets & modules


def import_graph() -> dict[str, set[str]]:
    paths = {module_name(path): path for path in (ROOT / "songcraft").rglob("*.py")}
    graph = {}
    for name, path in paths.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        graph[name] = imported_modules(path.read_text(), package, set(paths)) - {name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while not component or component[-1] != node:
                component.append(stack.pop())
                on_stack.discard(component[-1])
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_of_songcraft_takes_part_in_an_import_cycle():
    assert cycles(import_graph()) == []


def test_the_checker_sees_imports_hidden_in_functions_and_the_cycles_they_make():
    modules = {"songcraft.songs.tasks", "songcraft.songs.steps", "songcraft.songs"}
    source = "import logging\n\ndef dispatch():\n    from songcraft.songs import tasks\n    from .steps import run\n"
    assert imported_modules(source, "songcraft.songs", modules) == {"songcraft.songs.tasks", "songcraft.songs.steps"}
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_request_side_never_imports_the_tasks():
    graph = import_graph()
    request_side = [name for name in graph if name.endswith((".routes", ".service", ".schemas", ".pipeline"))]
    assert [name for name in request_side if any(target.endswith(".tasks") for target in graph[name])] == []
