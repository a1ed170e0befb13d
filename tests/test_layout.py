"""The layout rules of DESIGN.md, checked on the source: small modules, no
import cycle, no leading-underscore name imported from another module."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("kmeans_core", "segmentation", "benchmarks")
MAX_LINES = 500


def _modules() -> dict[str, Path]:
    """Dotted module name -> file, for every module of the checked packages."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> list[tuple[str, list[str], int]]:
    """(imported module, names taken from it, line) for each import statement."""
    is_package = path.name == "__init__.py"
    package = name if is_package else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(alias.name, [], node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            names = [alias.name for alias in node.names]
            # ``from pkg import submodule`` imports the submodule.
            submodules = [n for n in names if f"{target}.{n}" in MODULES]
            found += [(f"{target}.{n}", [], node.lineno) for n in submodules]
            others = [n for n in names if n not in submodules]
            if others:
                found.append((target, others, node.lineno))
    return found


def test_the_checked_packages_have_modules():
    assert len(MODULES) > 40


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_over_the_limit(name):
    n_lines = len(MODULES[name].read_text().splitlines())
    assert n_lines <= MAX_LINES, f"{name} has {n_lines} lines (> {MAX_LINES})"


def test_no_leading_underscore_name_is_imported_from_another_module():
    offences = [
        f"{name}:{line} imports {imported} from {target}"
        for name, path in MODULES.items()
        for target, names, line in _imports(name, path)
        for imported in names
        if imported.startswith("_") and not imported.startswith("__")
    ]
    assert not offences, "\n".join(offences)


def test_no_import_cycle():
    graph = {
        name: sorted({t for t, _, _ in _imports(name, path) if t in MODULES} - {name})
        for name, path in MODULES.items()
    }
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in graph[node]:
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        stack.pop()
        state[node] = 2
        return None

    for name in graph:
        if name not in state:
            cycle = visit(name)
            assert cycle is None, " -> ".join(cycle)


def test_kmeans_core_never_imports_the_layers_above_it():
    above = ("segmentation", "pandas", "matplotlib")
    offences = [
        f"{name} imports {target}"
        for name, path in MODULES.items()
        if name.startswith("kmeans_core")
        for target, _, _ in _imports(name, path)
        if target.split(".")[0] in above
    ]
    assert not offences, "\n".join(offences)
