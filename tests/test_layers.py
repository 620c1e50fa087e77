"""The package's layers: no import cycle, and the library never imports the applications.

Every ``import`` of a ``tda_nn`` module counts, also those inside functions (lazy imports), except
under ``if TYPE_CHECKING:`` (never run). ``__main__`` modules are entry points: nothing imports
them, so they sit on top of everything and are left out of the package graph.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "tda_nn"

#: the library: algorithms and readers, usable without any job, spec or command
LIBRARY_PACKAGES = {
    "checks", "datasets", "diagrams", "errors", "execution", "extract", "features", "gtda", "homology", "io",
    "models", "names", "plotting", "registry", "training", "versions", "_atomic", "_lazy", "_sklearn",
}
#: compare's library modules (distances, CKA, divergence, matrices, nulls); the rest is its job
COMPARE_LIBRARY = {"_diagrams", "cka", "distances", "divergence", "matrices", "null"}
#: the applications, on top of the library: jobs, specs, report, CLI
APPLICATION_PACKAGES = {"analysis", "cli", "commands", "compare", "experiments", "pipeline", "report"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in ROOT.rglob("*.py")}


def _runtime_imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Import statements that run: everything but the bodies of ``if TYPE_CHECKING:``."""
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _target(name: str) -> str | None:
    """The longest ``tda_nn`` module that ``name`` (a module or a name in one) lies in."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports_of(module: str) -> set[str]:
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = set()
    for node in _runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            # ``from pkg import sub`` imports the submodule; ``from mod import name``, the module
            names = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
        for name in names:
            target = _target(name) if name.startswith("tda_nn") else None
            if target and target != module:
                out.add(target)
    return out


GRAPH = {m: _imports_of(m) for m in MODULES}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _package(module: str) -> str:
    return module.split(".")[1] if "." in module else module


def _is_library(module: str) -> bool:
    parts = module.split(".")
    if len(parts) < 2:
        return False
    if parts[1] == "compare":
        return len(parts) > 2 and parts[2] in COMPARE_LIBRARY
    return parts[1] in LIBRARY_PACKAGES


def test_every_package_is_placed_in_a_layer():
    packages = {_package(m) for m in MODULES if m != "tda_nn"}
    assert packages <= LIBRARY_PACKAGES | APPLICATION_PACKAGES, packages - LIBRARY_PACKAGES - APPLICATION_PACKAGES


def test_no_module_import_cycle():
    assert _cycles(GRAPH) == []


def test_no_package_import_cycle():
    packages: dict[str, set[str]] = defaultdict(set)
    for module, targets in GRAPH.items():
        if module.endswith(".__main__") or module == "tda_nn":
            continue
        for target in targets:
            if target != "tda_nn" and _package(target) != _package(module):
                packages[_package(module)].add(_package(target))
    assert _cycles(packages) == []


def test_library_never_imports_the_applications():
    wrong = sorted(
        (module, target)
        for module, targets in GRAPH.items()
        if _is_library(module)
        for target in targets
        if target != "tda_nn" and not _is_library(target)
    )
    assert wrong == []


@pytest.mark.parametrize(
    ("graph", "expected"),
    [({"a": {"b"}, "b": {"a"}, "c": {"a"}}, [["a", "b"]]), ({"a": {"b"}, "b": set()}, [])],
)
def test_the_cycle_finder_finds_cycles(graph, expected):
    assert _cycles(graph) == expected


def test_lazy_imports_count_and_type_checking_imports_do_not():
    tree = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    import tda_nn.pipeline\n"
        "def f():\n    import tda_nn.report\n"
    )
    assert [ast.unparse(n) for n in _runtime_imports(tree)] == [
        "from typing import TYPE_CHECKING",
        "import tda_nn.report",
    ]
