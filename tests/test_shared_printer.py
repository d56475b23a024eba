"""Large results printed with shared subexpressions named once (bibun.expr.shared): the
text form reads back to the same node, the Python form compiles and computes the same
values, and ``bibun diff --order 10`` on the sine nest prints it instead of refusing."""

from __future__ import annotations

import math
import random
import re

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import bibun
from bibun.errors import ParseError
from bibun.expr import core, shared
from bibun.symbolic import diff

from .test_expr_properties import exprs

NEST = "sin(sin(sin(sin(sin(sin(x))))))"


@pytest.fixture(scope="module")
def tenth():
    return diff(bibun.parse(NEST), "x", 10, tidy=False)


def test_the_tenth_derivative_of_the_nest_is_short_and_reads_back(tenth):
    s = shared.share(tenth)
    text = s.text()
    assert tenth.size > 1_000_000 and len(text) < 20_000  # a million operations as a tree
    assert text.splitlines()[1].startswith("where t1 = ")
    assert shared.read(text) is tenth
    # every name stands for a piece used more than once: defined once, used twice or more
    for name, _ in s.names:
        assert len(re.findall(rf"\b{name}\b", text)) >= 3, name


def test_the_python_form_compiles_and_evaluates_equal(tenth):
    src = shared.share(tenth).python("d10")
    namespace: dict = {}
    exec(compile(src, "<shared>", "exec"), namespace)  # generated code, not user text
    rng = random.Random(3)
    for _ in range(4):
        x = rng.uniform(-1.5, 1.5)
        assert namespace["d10"](x) == pytest.approx(float(tenth.evaluate(x=x)), rel=1e-9)


def test_the_latex_form_defines_each_name_once_in_an_aligned_block(tenth):
    s = shared.share(tenth)
    tex = s.latex()
    assert r"\text{where}" in tex and tex.endswith(r"\end{aligned}")
    for name, _ in s.names:
        sub = core.symbol(name).latex()
        assert tex.count(f"{sub} &=") == 1


def test_japanese_says_tadashi():
    e = diff(bibun.parse("sin(sin(sin(x)))"), "x", 6, tidy=False)
    s = shared.share(e)
    text = s.text(lang="ja")
    assert text.splitlines()[1].startswith("ただし t1 = ")
    assert shared.read(text) is e


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(exprs, st.integers(1, 3))
def test_any_derivative_round_trips_through_the_shared_text(e, n):
    assume("x" in e.free and e.size < 30)
    try:
        d = diff(e, "x", n, tidy=False)
    except bibun.BibunError:
        assume(False)
    s = shared.share(d)
    assert s.expand() is d
    assert shared.read(s.text()) is d


def test_names_avoid_the_formulas_own_variables():
    e = diff(bibun.parse("sin(sin(sin(t1 x)))"), "x", 5, tidy=False)
    s = shared.share(e)
    assert s.names and all(n.startswith("u") for n, _ in s.names)
    assert shared.read(s.text()) is e


def test_small_results_print_as_trees():
    d = bibun.diff("x^2 sin(x)")
    assert shared.render(d, "text") is None
    assert shared.read(str(d)) is d


def test_a_bad_definition_line_is_a_parse_error():
    with pytest.raises(ParseError, match="name = formula"):
        shared.read("t1 + 1\nwhere sin(x)")


def test_cli_prints_the_tenth_derivative_with_names(capsys, tenth):
    from bibun.cli import main

    code = main(["diff", NEST, "--order", "10"])
    out = capsys.readouterr().out
    assert code == 0
    first, _, rest = out.partition("] = ")
    assert first.startswith("d^10/dx^10 [")
    body = rest.split("\n  = ")[0]  # before any "= known functions" line
    assert shared.read(body.strip()) is tenth
    assert math.isfinite(float(tenth.evaluate(x=0.5)))


def test_the_mathml_form_is_one_math_element_with_a_table_of_definitions(tenth):
    import xml.etree.ElementTree as ET

    s = shared.share(tenth)
    root = ET.fromstring(s.mathml())
    ns = "{http://www.w3.org/1998/Math/MathML}"
    assert root.tag == f"{ns}math" and root.get("display") == "block"
    assert len(root.findall(f".//{ns}mtr")) == len(s.names)


def test_cli_json_answers_an_eighth_derivative_with_names(capsys):
    import json

    from bibun.cli import main

    code = main(["diff", NEST, "--order", "8", "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    d8 = diff(bibun.parse(NEST), "x", 8, tidy=False)
    assert shared.read(out["derivative"]) is d8
    assert out["python"].startswith("import numpy as np")
