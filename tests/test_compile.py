"""bibun.compile: generated code agrees with Expr.evaluate, computes shared pieces once."""

from __future__ import annotations

import importlib
import math
import re
import sys
import types

import numpy as np
import pytest

import bibun
from bibun.codegen import compile, compile_gradient
from bibun.errors import BibunError
from bibun.functions import RULES

# (expression, variables, sampling interval inside the domain)
CASES = [
    ("2x sin(xy) + y(x^2+y^2)cos(xy)", "x y", (-2, 2)),
    ("(x^3+1)^2", "x", (-2, 2)),
    ("1/(x^3+1)", "x", (0, 3)),
    ("(x^2+3x+1)^4 - 0.01x^2 + 0.1x", "x", (-1, 1)),
    ("x^(1/3) + sqrt(x) - x^(-3/2) + 2^x - e^x + pi x", "x", (0.1, 4)),
    ("log(sin(x^3 - 2))", "x", (1.3, 1.7)),
    ("sigmoid(a x + b) tanh(x) + softplus(-x)", "a b x", (-3, 3)),
    ("x^y + y^x", "x y", (0.2, 3)),
    ("atan(x/y) + asinh(x y) - cosh(x)/y^2", "x y", (0.5, 2)),
    ("exp(-(x^2 + y^2 + z^2)/2) / sqrt(2 pi)", "x y z", (-2, 2)),
    ("relu(x) + abs(y) + step(x - y) + sign(y)", "x y", (-2, 2)),
]


def _points(vs: list[str], lo: float, hi: float, n: int = 50) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(abs(hash(tuple(vs))) % 2**32)
    return {v: rng.uniform(lo, hi, n) for v in vs}


@pytest.mark.parametrize("text, variables, interval", CASES)
def test_compiled_agrees_with_evaluate_at_random_points(text, variables, interval):
    e = bibun.parse(text)
    vs = variables.split()
    f = compile(e, vs)
    pts = _points(vs, *interval)
    got = f(*(pts[v] for v in vs))
    want = e.evaluate(pts)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    # and point by point with exact inputs turned into floats
    for i in range(5):
        scalar = {v: float(pts[v][i]) for v in vs}
        assert math.isclose(float(f(**scalar)), float(e.evaluate(scalar)), rel_tol=1e-12,
                            abs_tol=1e-12)


@pytest.mark.parametrize("text, variables, interval", CASES)
def test_compiled_gradient_agrees_with_the_symbolic_gradient(text, variables, interval):
    e = bibun.parse(text)
    vs = variables.split()
    g = compile_gradient(e, vs)
    pts = _points(vs, *interval)
    got = g(*(pts[v] for v in vs))
    for gi, d in zip(got, bibun.gradient(e, vs)):
        want = np.broadcast_to(d.evaluate(pts) if d.free else float(d.evaluate()),
                               gi.shape)
        np.testing.assert_allclose(gi, want, rtol=1e-11, atol=1e-11)


@pytest.mark.parametrize("name", sorted({r.name for r in RULES.values()}))
def test_every_rule_table_function_compiles_to_its_own_implementation(name):
    rule = RULES[name]
    x = np.linspace(*rule.typical, 7)
    f = compile(bibun.parse(f"{name}(x)"), ["x"])
    e = bibun.parse(f"{name}(x)")
    np.testing.assert_allclose(f(x), e.evaluate({"x": x}), rtol=1e-14)
    np.testing.assert_allclose(f(x), rule.numpy(x), rtol=1e-14)


def test_shared_subexpressions_are_computed_once():
    g = compile_gradient("2x sin(xy) + y(x^2+y^2)cos(xy)", "x y")
    assert "t0 = x*y" in g.source  # sin(xy) and cos(xy) share the product
    assert g.source.count("np.cos(") == 1 and g.source.count("np.sin(") == 1
    # x^2 (a piece of both components) is one temporary, not written out twice
    assert len(re.findall(r"(?<![\w*])x\*x(?![\w*])", g.source)) == 1


def test_source_is_readable_python():
    f = compile("(x^3+1)^2 + sigmoid(x)", "x")
    assert f.source.startswith("def f(x):")
    assert "_sigmoid(x)" in f.source  # the rule table's stable sigmoid
    assert "(x*x*x + 1)" in f.source


def test_stable_sigmoid_from_the_rule_table_does_not_overflow():
    f = compile("sigmoid(x)", "x")
    with np.errstate(all="raise"):
        out = f(np.array([-1000.0, 0.0, 1000.0]))
    assert out.tolist() == [0.0, 0.5, 1.0]


def test_constant_outputs_are_broadcast_to_the_input_shape():
    g = compile_gradient("3x + y^2", "x y")
    gx, gy = g(np.zeros(4), np.arange(4.0))
    assert gx.shape == gy.shape == (4,)
    assert gx.tolist() == [3.0] * 4


def test_a_10000_deep_nest_compiles_without_recursion_error():
    e = bibun.parse("x")
    for _ in range(10_000):
        e = _sin(e)
    f = compile(e, ["x"])
    v = 0.5
    for _ in range(10_000):
        v = math.sin(v)
    assert math.isclose(float(f(0.5)), v, rel_tol=1e-12)


def _sin(e):
    from bibun.expr.core import fn

    return fn("sin", e)


def test_math_backend_gives_floats_and_raises_outside_the_domain():
    f = compile("log(x) + sigmoid(x) + x^(1/3)", "x", backend="math")
    assert isinstance(f(2.0), float)
    assert math.isclose(f(2.0), math.log(2) + 1 / (1 + math.exp(-2)) + 2 ** (1 / 3))
    with pytest.raises(ValueError):
        f(-1.0)


def test_numpy_backend_gives_nan_outside_the_domain():
    f = compile("log(x)", "x")
    out = f(np.array([-1.0, 1.0]))
    assert np.isnan(out[0]) and out[1] == 0.0


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_optional_backends_say_clearly_when_missing(backend, monkeypatch):
    """Whether or not the library is installed here: its import is made to fail."""
    module = sys.modules["bibun.codegen.compile"]

    def missing(name, *args):
        if name.split(".")[0] == backend:
            raise ImportError(f"No module named {name!r}")
        return importlib.import_module(name, *args)

    monkeypatch.setattr(module, "importlib", types.SimpleNamespace(import_module=missing))
    with pytest.raises(BibunError, match=f"pip install {backend}"):
        compile("sin(x)", "x", backend=backend)


def test_bad_requests_are_refused():
    with pytest.raises(BibunError, match="backend"):
        compile("x", "x", backend="fortran")
    with pytest.raises(BibunError, match="y"):
        compile("x + y", "x")
    with pytest.raises(BibunError, match="argument"):
        compile("x + y", "x y")(1.0)


def test_odd_variable_names_become_safe_parameters():
    e = bibun.symbol("class") + bibun.symbol("np") * 2
    f = compile(e, ["class", "np"])
    assert "def f(v0_, v1_)" in f.source
    assert f(1.0, 2.0) == 5.0


# -- clear errors from the math and torch backends -------------------------------------------


def test_math_backend_outside_the_domain_is_a_domain_error_naming_formula_and_input():
    from bibun.errors import DomainError

    with pytest.raises(DomainError, match=r"ln\(x\).*x = -1"):
        compile("log(x)", "x", backend="math")(-1.0)
    with pytest.raises(DomainError, match="x = 0"):
        compile("cot(x)", "x", backend="math")(0.0)


def test_math_backend_overflow_is_a_limit_error():
    from bibun.errors import LimitError

    with pytest.raises(LimitError, match="x = 1000"):
        compile("exp(x)", "x", backend="math")(1000.0)


def test_math_backend_refuses_arrays_and_accepts_numpy_scalars():
    f = compile("sin(x)", "x", backend="math")
    with pytest.raises(BibunError, match="numpy"):
        f(np.arange(3.0))
    assert f(np.float64(1.0)) == math.sin(1.0) and isinstance(f(np.int64(1)), float)


def test_numpy_backend_refuses_non_numbers_clearly():
    f = compile("x^2 + y", "x y")
    with pytest.raises(BibunError, match="number"):
        f("a", 1.0)
    with pytest.raises(BibunError, match="broadcast"):
        f(np.ones(2), np.ones(3))


def test_torch_backend_accepts_python_floats_and_every_rule_function():
    torch = pytest.importorskip("torch")
    f = compile("sin(x)^2", "x", backend="torch")
    assert float(f(1.0)) == pytest.approx(math.sin(1.0) ** 2)
    for name in ("step", "relu", "sigmoid", "softplus", "cbrt", "sec", "abs", "sign"):
        g = compile(f"{name}(x)", "x", backend="torch")
        ref = compile(f"{name}(x)", "x")(np.array([0.5, 2.0]))
        np.testing.assert_allclose(g(torch.tensor([0.5, 2.0], dtype=torch.float64)).numpy(),
                                   ref, rtol=1e-12)
