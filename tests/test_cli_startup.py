"""What a ``bibun diff`` run imports, and the cached parser tables (issue 15, item 1).

No clocks here: the start-up time itself is measured by ``python -m bench cli_startup``.
These tests pin the structure that makes it short — only the chosen subcommand is
imported, NumPy / matplotlib / the web stack / the explanation package are not loaded on
the symbolic path, and the LALR tables come from the cache, never from a stale file.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bibun.cli import COMMANDS, NONE, build_parser, command_of
from bibun.expr import grammar

#: loaded by none of: ``import bibun``, ``bibun diff "(x^3+1)^2"``
HEAVY = ("matplotlib", "fastapi", "uvicorn", "starlette", "plotly", "tqdm", "torch", "jax")

PROBE = """
import json, sys
from bibun.cli import main
from bibun.functions.lazy import numpy_loaded
code = main(sys.argv[1:]) if sys.argv[1:] else 0
if not sys.argv[1:]:
    import bibun
print(json.dumps({"code": code, "numpy": numpy_loaded(), "modules": sorted(sys.modules)}))
"""


def _probe(*argv: str, tmp_path) -> dict:
    env = {**os.environ, "BIBUN_CACHE_DIR": str(tmp_path / "cache")}
    out = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True,
                         env=env, check=True).stdout
    import json

    return json.loads(out.splitlines()[-1])


@pytest.mark.parametrize("argv", [(), ("diff", "(x^3+1)^2"), ("diff", "sigmoid(a x)"),
                                  ("grad", "x^2 + y^2")])
def test_the_symbolic_path_loads_no_numpy_plotting_web_or_explanations(argv, tmp_path):
    got = _probe(*argv, tmp_path=tmp_path)
    assert got["code"] == 0
    assert not got["numpy"], "NumPy was loaded"
    mods = set(got["modules"])
    assert not [m for m in mods if m.split(".")[0] in HEAVY]
    assert not [m for m in mods if m.startswith(("bibun.explain", "bibun.plot", "bibun.web",
                                                 "bibun.codegen", "bibun.autodiff",
                                                 "bibun.numeric", "bibun.nn", "bibun.tour"))]
    others = {f"bibun.cli.{m}" for m in COMMANDS.values()} - {"bibun.cli.diff"}
    assert not mods & others, "only the chosen subcommand's module is imported"


def test_numbers_still_load_numpy_when_they_need_it(tmp_path):
    got = _probe("diff", "sin(x)", "--at", "x=0.5", tmp_path=tmp_path)
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


def _grammar() -> str:
    return grammar.files("bibun").joinpath("grammar/expr.lark").read_text(encoding="utf-8")


def test_lalr_tables_are_cached_and_read_back(tmp_path, monkeypatch):
    monkeypatch.setenv("BIBUN_CACHE_DIR", str(tmp_path))
    path = grammar._table_file(_grammar())
    assert path.parent == tmp_path and not path.exists()
    built = grammar._parser.__wrapped__()
    assert path.exists()

    def no_build(*args, **kwargs):
        raise AssertionError("the tables were compiled again")

    monkeypatch.setattr(grammar, "Lark", type("L", (grammar.Lark,), {"__init__": no_build}))
    loaded = grammar._parser.__wrapped__()
    assert type(loaded).__name__ == "L"
    assert [str(r) for r in loaded.rules] == [str(r) for r in built.rules]


def test_a_changed_grammar_never_reads_the_old_tables(tmp_path, monkeypatch):
    monkeypatch.setenv("BIBUN_CACHE_DIR", str(tmp_path))
    text = _grammar()
    assert grammar._table_file(text) != grammar._table_file(text + "\n// changed\n")


def test_a_damaged_or_read_only_cache_is_not_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv("BIBUN_CACHE_DIR", str(tmp_path / "c"))
    path = grammar._table_file(_grammar())
    path.parent.mkdir()
    path.write_bytes(b"not a pickle")
    assert grammar._parser.__wrapped__() is not None  # rebuilt, and the file replaced
    assert path.read_bytes() != b"not a pickle"
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    monkeypatch.setenv("BIBUN_CACHE_DIR", str(ro / "bibun"))
    try:
        assert grammar._parser.__wrapped__() is not None
    finally:
        ro.chmod(0o755)


def test_import_bibun_keeps_the_public_names():
    import bibun

    assert str(bibun.diff("(x^3+1)^2")) == "6x^2(x^3 + 1)"
    assert set(bibun.__all__) <= set(dir(bibun))
    with pytest.raises(AttributeError):
        bibun.no_such_name  # noqa: B018
