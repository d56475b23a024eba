"""What a ``bibun diff`` run imports, and the cached parser tables (issue 15, item 1).

No clocks here: the start-up time itself is measured by ``python -m bench cli_startup``.
These tests pin the structure that makes it short — only the chosen subcommand is
imported, NumPy / matplotlib / the web stack / the explanation package are not loaded on
the symbolic path.  The parser tables' cache is tested in ``tests/test_lalr.py``.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys

import pytest

from bibun.cli import COMMANDS, NONE, build_parser, command_of
from bibun.expr import grammar, lalr
from bibun.expr.provided import PROVIDERS, provided

#: loaded by none of: ``import bibun``, ``bibun diff "(x^3+1)^2"``
HEAVY = ("matplotlib", "fastapi", "uvicorn", "starlette", "plotly", "tqdm", "torch", "jax")
#: bibun's packages that the symbolic path never needs
UNUSED = ("bibun.explain", "bibun.plot", "bibun.web", "bibun.codegen", "bibun.autodiff",
          "bibun.numeric", "bibun.nn", "bibun.tour", "bibun.calculus", "bibun.verify",
          "bibun.practice", "bibun.fit", "bibun.descend", "bibun.optim", "bibun.datasets")
#: loaded on demand only (bibun.expr.provided.PROVIDERS): the LaTeX reader, MathML, the
#: notebook display, the evaluator (numbers), the SymPy bridge
ON_DEMAND = ("bibun.expr.latex_input", "bibun.expr.latex_operator", "bibun.expr.mathml",
             "bibun.expr.display", "bibun.expr.evaluate", "bibun.expr.sympy_bridge")
#: the standard library a plain ``bibun diff`` does without: Lark (only to compile the
#: grammar's tables when they are not cached), importlib.resources and pathlib (plain
#: os.path), shutil (argparse's terminal width), pickle, tempfile, html, and dataclasses
#: with inspect (bibun.record)
STDLIB_UNUSED = ("lark", "importlib.resources", "pathlib", "shutil", "pickle", "tempfile",
                 "html", "logging", "zipfile", "dataclasses", "inspect")

PROBE = """
import json, sys
from bibun.cli import main
from bibun.functions.lazy import numpy_loaded
code = main(sys.argv[1:]) if sys.argv[1:] else 0
if not sys.argv[1:]:
    import bibun
print(json.dumps({"code": code, "numpy": numpy_loaded(), "modules": sorted(sys.modules)}))
"""


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> str:
    """A parser-table cache already filled (as after a user's first run)."""
    where = str(tmp_path_factory.mktemp("cache"))
    old = os.environ.get("BIBUN_CACHE_DIR")
    os.environ["BIBUN_CACHE_DIR"] = where
    try:
        lalr.tables_for(grammar.grammar_text())
    finally:
        if old is None:
            del os.environ["BIBUN_CACHE_DIR"]
        else:
            os.environ["BIBUN_CACHE_DIR"] = old
    return where


def _probe(*argv: str, cache: str) -> dict:
    env = {**os.environ, "BIBUN_CACHE_DIR": cache}
    out = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True,
                         env=env, check=True).stdout
    return json.loads(out.splitlines()[-1])


@pytest.mark.parametrize("argv", [(), ("diff", "(x^3+1)^2"), ("diff", "sigmoid(a x)"),
                                  ("grad", "x^2 + y^2")])
def test_the_symbolic_path_loads_no_numpy_plotting_web_or_explanations(argv, cache):
    got = _probe(*argv, cache=cache)
    assert got["code"] == 0
    assert not got["numpy"], "NumPy was loaded"
    mods = set(got["modules"])
    assert not [m for m in mods if m.split(".")[0] in HEAVY]
    assert not [m for m in mods if m.startswith(UNUSED)]
    others = {f"bibun.cli.{m}" for m in COMMANDS.values()} - {"bibun.cli.diff"}
    assert not mods & others, "only the chosen subcommand's module is imported"


def test_a_plain_diff_loads_only_what_it_uses(cache):
    mods = set(_probe("diff", "(x^3+1)^2", cache=cache)["modules"])
    assert not [m for m in mods if m in ON_DEMAND], "a module loaded on demand was imported"
    assert not [m for m in mods if m.split(".")[0] in STDLIB_UNUSED or m in STDLIB_UNUSED]
    ours = sorted(m for m in mods if m.startswith("bibun."))
    assert [m for m in ours if m.startswith("bibun.cli.")] == [
        "bibun.cli._args", "bibun.cli._help", "bibun.cli.diff"]
    layers = {m.split(".")[1] for m in ours}
    assert layers == {"cli", "errors", "expr", "functions", "i18n", "native", "numtext",
                      "record", "smoothness", "symbolic", "text"}


@pytest.mark.parametrize(("argv", "loaded"), [
    (("diff", "\\frac{1}{1+e^{-x}}"), "bibun.expr.latex_input"),
    (("diff", "x^3", "--format", "mathml"), "bibun.expr.mathml"),
    (("diff", "x^3", "--at", "x=2"), "bibun.expr.evaluate"),
])
def test_what_a_formula_or_output_needs_is_loaded_on_demand(argv, loaded, cache):
    got = _probe(*argv, cache=cache)
    assert got["code"] == 0 and loaded in got["modules"]


def test_every_module_loaded_on_demand_registers_its_names():
    from tests.test_layers import LAYERS, layer_of

    for name, module in PROVIDERS.items():
        assert LAYERS[layer_of(module)][0] in ("base", "functions", "expr"), module
        importlib.import_module(module)
        assert provided(name).__module__ == module, (name, module)


def test_numbers_still_load_numpy_when_they_need_it(cache):
    got = _probe("diff", "sin(x)", "--at", "x=0.5", cache=cache)
    assert got["code"] == 0 and got["numpy"]


def test_help_lists_every_command_with_its_catalog_description():
    full = build_parser().format_help()
    assert build_parser(only=NONE).format_help() == full
    for name in COMMANDS:
        assert build_parser(only=name).format_help() == full
    sub = next(a for a in build_parser(only=NONE)._actions if a.dest == "command")
    assert list(sub.choices) == list(COMMANDS)
    assert all(a.help for a in sub._choices_actions), "a command without its help.<name> line"


def test_the_command_is_the_first_word_that_is_not_an_option():
    assert command_of(["diff", "-x^2"]) == "diff"
    assert command_of(["--help"]) == NONE and command_of(["dif", "x"]) == NONE
    assert command_of([]) == NONE


def test_import_bibun_keeps_the_public_names():
    import bibun

    assert str(bibun.diff("(x^3+1)^2")) == "6x^2(x^3 + 1)"
    assert set(bibun.__all__) <= set(dir(bibun))
    with pytest.raises(AttributeError):
        bibun.no_such_name  # noqa: B018
