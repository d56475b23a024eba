"""Layers import downward only, and no module imports itself back through others.

The layers (docs/architecture.md) from the bottom:

    base       errors, i18n, numtext (the number formatter's rules), text
    functions  the rule table
    expr       nodes, parse, print, evaluate, simplify, polynomial, signs
    engines    symbolic diff, numeric, codegen, autodiff, optim, datasets
    teach      explain, nn
    uses       calculus, descend, fit, verify
    faces      cli, web, plot, tour, and the package itself (``import bibun``)

Every ``import`` of a bibun module is read from the source (function-level ones too), so
a lazy import cannot hide an upward edge; only ``if TYPE_CHECKING:`` imports, which never
run, are left out.  Function-level imports of bibun modules are
allowed only in the faces, where they keep the command line's start-up short; anywhere
else a function-level import is only for an optional heavy library.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"

LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("base", ("bibun.errors", "bibun.i18n", "bibun.numtext", "bibun.record", "bibun.text")),
    ("functions", ("bibun.functions",)),
    ("expr", ("bibun.expr",)),
    ("engines", ("bibun.symbolic", "bibun.smoothness", "bibun.numeric", "bibun.codegen",
                 "bibun.autodiff", "bibun.optim", "bibun.datasets")),
    ("teach", ("bibun.explain", "bibun.nn")),
    ("uses", ("bibun.calculus", "bibun.descend", "bibun.fit", "bibun.verify",
              "bibun.practice")),
    ("faces", ("bibun.cli", "bibun.web", "bibun.plot", "bibun.tour", "bibun")),
]
FACES = "faces"
#: optional heavy libraries that may be imported inside a function anywhere (lark: only
#: to compile the grammar's tables when they are not cached, see bibun.expr.lalr)
HEAVY = ("matplotlib", "matplotlib_fontja", "fastapi", "uvicorn", "starlette", "torch", "jax",
         "jaxlib", "plotly", "tqdm", "sympy", "lark")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted((SRC / "bibun").rglob("*.py"))}


def layer_of(module: str) -> int:
    """Index of the layer a module belongs to (longest matching prefix wins)."""
    best, best_len = None, -1
    for i, (_, prefixes) in enumerate(LAYERS):
        for pre in prefixes:
            if (module == pre or module.startswith(pre + ".")) and len(pre) > best_len:
                best, best_len = i, len(pre)
    assert best is not None, f"{module} is in no layer: add it to LAYERS and the docs"
    return best


def _resolve(module: str, name: str | None) -> str:
    """The bibun module an import names: ``from bibun.expr import core`` is the module
    bibun.expr.core, ``from bibun.expr import parse`` the package bibun.expr."""
    if name and f"{module}.{name}" in MODULES:
        return f"{module}.{name}"
    return module


def imports(path: Path) -> list[tuple[str, int, bool]]:
    """(imported bibun module, line, inside a function) for every import in a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[str, int, bool]] = []

    def visit(node: ast.AST, nested: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue  # annotations only: never executed, so no edge
            inner = nested or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.Import):
                for a in child.names:
                    found.append((a.name, child.lineno, nested))
            elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                for a in child.names:
                    found.append((_resolve(child.module, a.name), child.lineno, nested))
            visit(child, inner)

    visit(tree, False)
    return found


def graph() -> dict[str, set[str]]:
    g: dict[str, set[str]] = {m: set() for m in MODULES}
    for m, path in MODULES.items():
        for target, _, _ in imports(path):
            if target in MODULES and target != m:
                g[m].add(target)
    return g


def test_every_module_belongs_to_a_layer():
    for m in MODULES:
        layer_of(m)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_go_downward_only(module):
    mine = layer_of(module)
    up = [f"line {line}: {target} ({LAYERS[layer_of(target)][0]})"
          for target, line, _ in imports(MODULES[module])
          if target in MODULES and layer_of(target) > mine]
    assert not up, f"{module} ({LAYERS[mine][0]}) imports upward: {up}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_function_level_imports_only_for_heavy_libraries_or_in_faces(module):
    if LAYERS[layer_of(module)][0] == FACES:
        return
    lazy = [f"line {line}: {target}" for target, line, nested in imports(MODULES[module])
            if nested and target.split(".")[0] not in HEAVY]
    assert not lazy, f"{module} imports inside a function: {lazy}"


def test_no_import_cycles():
    g = graph()
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    for root in sorted(g):
        if state.get(root):
            continue
        stack: list[tuple[str, list[str]]] = [(root, sorted(g[root]))]
        state[root] = 1
        while stack:
            node, todo = stack[-1]
            if not todo:
                state[node] = 2
                stack.pop()
                continue
            nxt = todo.pop()
            if state.get(nxt) == 1:
                path = [n for n, _ in stack]
                cycle = path[path.index(nxt):] + [nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if not state.get(nxt):
                state[nxt] = 1
                stack.append((nxt, sorted(g[nxt])))


def test_the_checker_sees_an_upward_lazy_import(tmp_path):
    """The walk finds imports inside functions (the place an upward edge would hide)."""
    f = tmp_path / "m.py"
    f.write_text("def f():\n    from bibun.cli import main\n    return main\n")
    assert imports(f) == [("bibun.cli", 2, True)]


MAX_LINES = 650


@pytest.mark.parametrize("module", sorted(MODULES))
def test_modules_stay_small_enough_to_read(module):
    n = len(MODULES[module].read_text(encoding="utf-8").splitlines())
    assert n <= MAX_LINES, f"{module} has {n} lines: split it along its seams"
