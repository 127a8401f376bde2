"""The layering of the README holds in the code: every import (module level or inside a function)
points to the module's own package or a layer below it, the front ends (``cli``, ``ui``) reach
the library only through the public API (``surveyqa``) and the base layer (``core``), and no
two modules import each other, directly or around a circle."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("core", "ingest", "index", "answer", "agent", "evaluation", "surveyqa", "ui", "cli")  # bottom to top
FRONT_ENDS = {"ui": {"core", "surveyqa"}, "cli": {"core", "surveyqa", "ui"}}  # what each may import besides itself


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Project modules ``path`` imports anywhere in its body (relative imports resolved)."""
    here = module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            parent = package[: len(package) - node.level + 1] if node.level else []
            base = ".".join(parent + ([node.module] if node.module else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)  # ``from pkg import module``
    return {name for name in found if name.split(".")[0] in LAYERS}


def import_graph() -> dict[str, set[str]]:
    """Module -> the project modules it imports, over every package of :data:`LAYERS`."""
    files = [p for layer in LAYERS for p in sorted((ROOT / layer).rglob("*.py"))]
    modules = {module_name(p) for p in files}
    graph = {}
    for path in files:
        targets = set()
        for name in imports_of(path):
            while name and name not in modules:  # ``from pkg.mod import name`` -> pkg.mod
                name = name.rpartition(".")[0]
            if name and name != module_name(path):
                targets.add(name)
        graph[module_name(path)] = targets
    return graph


def layering_problems(graph: dict[str, set[str]]) -> list[str]:
    """Imports that break the layering: upward, or from a front end past the public API."""
    rank = {layer: i for i, layer in enumerate(LAYERS)}
    problems = []
    for source, targets in graph.items():
        own = source.split(".")[0]
        for target in sorted(targets):
            other = target.split(".")[0]
            if other == own:
                continue
            if rank[other] > rank[own]:
                problems.append(f"{source} imports {target}, a layer above it")
            elif own in FRONT_ENDS and other not in FRONT_ENDS[own]:
                problems.append(f"{source} imports {target}: a front end uses only {sorted(FRONT_ENDS[own])}")
    return problems


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Groups of modules that import one another around a circle (Tarjan's strongly connected components)."""
    index, low, stack, on_stack, found, counter = {}, {}, [], set(), [], [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
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

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_from_a_layer_above_it_and_front_ends_use_the_public_api():
    assert layering_problems(import_graph()) == []


def test_no_import_circles():
    assert circles(import_graph()) == []


def test_the_checks_catch_an_upward_import_a_front_end_shortcut_and_a_circle():
    graph = {"index.build": {"surveyqa.service"}, "ui.chat": {"index.retrieval"}, "cli.main": {"ui.app"},
             "answer.a": {"answer.b"}, "answer.b": {"answer.c"}, "answer.c": {"answer.a"}}
    assert layering_problems(graph) == ["index.build imports surveyqa.service, a layer above it",
                                        "ui.chat imports index.retrieval: a front end uses only ['core', 'surveyqa']"]
    assert circles(graph) == [["answer.a", "answer.b", "answer.c"]]


def test_every_public_name_resolves_and_lives_below_the_front_ends():
    import surveyqa

    for name in surveyqa.__all__:
        assert getattr(surveyqa, name) is not None
        assert surveyqa._EXPORTS[name].split(".")[0] not in FRONT_ENDS
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        surveyqa.nothing
