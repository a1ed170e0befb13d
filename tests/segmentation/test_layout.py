"""The package's shape (DESIGN.md): small modules, no private imports, no cycles."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "segmentation"
MAX_LINES = 500


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _imports(name: str, path: Path, modules: dict[str, Path]):
    """(imported module, imported names) of every import in the file, lazy too."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, ()
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                # "from pkg import module" imports the module itself.
                yield (sub, ()) if sub in modules else (base, (alias.name,))


def test_no_module_over_500_lines():
    long = {
        name: n
        for name, path in _modules().items()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def test_no_module_imports_a_private_name_from_another():
    modules = _modules()
    bad = [
        f"{name} imports {n} from {target}"
        for name, path in modules.items()
        for target, names in _imports(name, path, modules)
        if target in modules and target != name
        for n in names
        if n.startswith("_")
    ]
    assert not bad, "; ".join(bad)


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {
        name: {
            target
            for target, _ in _imports(name, path, modules)
            # A module inside a package imports the package's __init__ first;
            # that edge is Python's, not a design choice.
            if target in modules
            and target != name
            and not name.startswith(target + ".")
        }
        for name, path in modules.items()
    }


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_cycle():
    # Every import counts, including those inside functions: a lazy import
    # hides a cycle from the interpreter, not from the reader.
    cycle = _cycle(_graph())
    assert cycle is None, " -> ".join(cycle or [])


@pytest.mark.parametrize(
    ("graph", "cyclic"),
    [
        ({"a": {"b"}, "b": {"c"}, "c": set()}, False),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, True),
        ({"a": {"a2"}, "a2": set(), "b": {"b"}}, True),
    ],
)
def test_cycle_finder(graph, cyclic):
    assert (_cycle(graph) is not None) == cyclic
