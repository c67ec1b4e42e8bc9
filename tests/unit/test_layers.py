"""The code's layers, as the folder names promise: imports run one way.

`libs/domain` is pure (no platform, no services, no framework). Inside `libs/platform` each
folder is a floor that uses only the floors below it; `libs` never imports a service, and
nothing in `libs` or `services` imports tests or benchmarks. No module imports itself back
through others (no cycles).
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

REPO = Path(__file__).parents[2]

#: The floors of `libs/platform`, lowest first; a module may import its own floor and below.
PLATFORM_FLOORS = (
    "libs.platform.runtime",
    "libs.platform.signing",  # the deployment key, JWS
    "libs.platform.sql",
    "libs.platform.eventstore",  # reads, transcoding, group commit, the feed reader
    "libs.platform.eventstore.integrity",
    "libs.platform.eventstore.application",
    "libs.platform.follower",
    "libs.platform.http",
)


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, set[str]]:
    """Every module of libs and services, with the project modules it imports."""
    found: dict[str, set[str]] = {}
    for top in ("libs", "services"):
        for path in (REPO / top).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = module_name(path)
            imported: set[str] = set()
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Import):
                    imported |= {alias.name for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    imported.add(node.module)
                    imported |= {f"{node.module}.{alias.name}" for alias in node.names}
            found[name] = {
                i for i in imported if i.split(".")[0] in ("libs", "services", "tests", "bench")
            }
    return found


def project_module(name: str) -> str | None:
    """The module `name` refers to (an imported name is resolved to its module)."""
    known = modules()
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def floor(name: str) -> int:
    matches = [i for i, f in enumerate(PLATFORM_FLOORS) if name == f or name.startswith(f + ".")]
    return max(matches)


def test_the_domain_imports_nothing_but_itself() -> None:
    for name, imported in modules().items():
        if name.startswith("libs.domain"):
            outside = {i for i in imported if not i.startswith("libs.domain")}
            assert not outside, f"{name} imports {sorted(outside)}"


def test_libs_never_import_services_tests_or_benchmarks() -> None:
    for name, imported in modules().items():
        if name.startswith("libs"):
            upward = {i for i in imported if not i.startswith("libs")}
            assert not upward, f"{name} imports {sorted(upward)}"


def test_services_never_import_tests_or_benchmarks() -> None:
    for name, imported in modules().items():
        upward = {i for i in imported if i.startswith(("tests", "bench"))}
        assert not upward, f"{name} imports {sorted(upward)}"


@pytest.mark.parametrize("floor_name", PLATFORM_FLOORS)
def test_each_platform_floor_uses_only_the_floors_below(floor_name: str) -> None:
    level = PLATFORM_FLOORS.index(floor_name)
    for name, imported in modules().items():
        if not name.startswith("libs.platform.") or floor(name) != level:
            continue
        for target in filter(None, map(project_module, imported)):
            if target.startswith("libs.platform."):
                assert floor(target) <= level, f"{name} (floor {floor_name}) imports {target}"


def test_no_module_imports_itself_back() -> None:
    graph = {
        name: {t for t in map(project_module, imported) if t and t != name}
        for name, imported in modules().items()
    }
    # A package's __init__ re-exporting its modules is not a cycle of behaviour.
    packages = {name for name in graph if (REPO / name.replace(".", "/")).is_dir()}
    cycles = [c for c in _cycles(graph) if not set(c) & packages]
    assert not cycles, f"import cycles: {cycles}"


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found
