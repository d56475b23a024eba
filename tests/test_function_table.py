"""Every entry of the rule table: its derivative is right, and every face reads it.

SymPy is the oracle for the exact derivatives (each formula written independently
below from its textbook definition); central differences check the NumPy
implementation against the same derivative; reverse and forward mode must agree with
the symbolic derivative; every name and alias parses, and printing reads back.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import bibun
import bibun.autodiff as ad
from bibun import i18n
from bibun.explain import check_answer
from bibun.expr.parse import parse_any
from bibun.expr.printers import to_latex, to_python, to_text, to_unicode
from bibun.functions import RULES, rules

sp = pytest.importorskip("sympy")
X = sp.Symbol("x", real=True)
_GELU_C = sp.Rational(44715, 1_000_000)

#: each function from its textbook definition, written without bibun
SYMPY = {
    "sin": sp.sin(X), "cos": sp.cos(X), "tan": sp.tan(X), "cot": sp.cot(X),
    "sec": sp.sec(X), "csc": sp.csc(X), "asin": sp.asin(X), "acos": sp.acos(X),
    "atan": sp.atan(X), "acot": sp.pi / 2 - sp.atan(X), "asec": sp.acos(1 / X),
    "acsc": sp.asin(1 / X), "sinh": sp.sinh(X), "cosh": sp.cosh(X), "tanh": sp.tanh(X),
    "coth": sp.coth(X), "sech": sp.sech(X), "csch": sp.csch(X), "asinh": sp.asinh(X),
    "acosh": sp.acosh(X), "atanh": sp.atanh(X), "acoth": sp.atanh(1 / X),
    "asech": sp.acosh(1 / X), "acsch": sp.asinh(1 / X), "exp": sp.exp(X), "log": sp.log(X),
    "log1p": sp.log(1 + X), "expm1": sp.exp(X) - 1, "erf": sp.erf(X), "sqrt": sp.sqrt(X),
    "cbrt": sp.real_root(X, 3), "abs": sp.Abs(X), "sign": sp.sign(X), "step": sp.Heaviside(X, 1),
    "sigmoid": 1 / (1 + sp.exp(-X)), "softplus": sp.log(1 + sp.exp(X)),
    "logsigmoid": -sp.log(1 + sp.exp(-X)), "relu": sp.Max(X, 0),
    "leaky_relu": sp.Piecewise((X, X >= 0), (X / 100, True)),
    "elu": sp.Piecewise((X, X > 0), (sp.exp(X) - 1, True)), "silu": X / (1 + sp.exp(-X)),
    "gelu": X / 2 * (1 + sp.erf(X / sp.sqrt(2))),
    "gelu_tanh": X / 2 * (1 + sp.tanh(sp.sqrt(2 / sp.pi) * (X + _GELU_C * X**3))),
    "softsign": X / (1 + sp.Abs(X)),
}
NAMES = sorted(r.name for r in rules())


def _points(name: str) -> list[float]:
    lo, hi = RULES[name].typical
    pts = [lo, (lo + hi) / 2, hi]
    r = RULES[name]
    neg = [-p for p in pts if (r.domain is None or r.domain(-p)) and -p not in r.nondiff]
    return pts + neg


def test_every_entry_has_an_oracle():
    assert set(SYMPY) == set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_exact_derivative_matches_sympy(name):
    d = bibun.diff(f"{name}(x)")
    want = sp.diff(SYMPY[name], X)
    for x0 in _points(name):
        if x0 == 0:
            continue
        assert float(d.evaluate(x=x0)) == pytest.approx(
            float(want.subs(X, x0).evalf()), rel=1e-10, abs=1e-12), (name, x0)


@pytest.mark.parametrize("name", NAMES)
def test_implementation_agrees_with_the_derivative_by_central_differences(name):
    r = RULES[name]
    for x0 in _points(name):
        h = 1e-6
        num = (float(r.numpy(x0 + h)) - float(r.numpy(x0 - h))) / (2 * h)
        d = float(bibun.diff(f"{name}(x)").evaluate(x=x0))
        assert d == pytest.approx(num, rel=1e-6, abs=1e-8), (name, x0)
        assert float(r.numpy(x0)) == pytest.approx(float(SYMPY[name].subs(X, x0).evalf()),
                                                   rel=1e-12, abs=1e-14), (name, x0)


@pytest.mark.parametrize("name", NAMES)
def test_reverse_and_forward_mode_agree_with_the_symbolic_derivative(name):
    xs = np.array(_points(name))
    want = np.array([float(bibun.diff(f"{name}(x)").evaluate(x=v)) for v in xs])
    t = ad.Tensor(xs, requires_grad=True)
    getattr(ad, name)(t).sum().backward()
    np.testing.assert_allclose(t.grad, want, rtol=1e-10, atol=1e-12)
    dual = getattr(ad.Dual(xs, np.ones_like(xs)), name)()
    np.testing.assert_allclose(dual.tangent, want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", sorted(RULES))
def test_every_name_and_alias_parses_and_prints_back(name):
    if name == "σ":
        e = bibun.parse("σ(x)")
    else:
        e = bibun.parse(f"{name}(2x + 1)")
        assert name == "sqrt" or (e.op == "fn" and e.value == RULES[name].name), name
        assert bibun.parse(f"{name} x") is bibun.parse(f"{name}(x)")  # never a product
    for text, latex in ((to_text(e), False), (to_unicode(e), False), (to_latex(e), True)):
        assert parse_any(text, latex) is e, (name, text)


@pytest.mark.parametrize("name", NAMES)
def test_python_source_runs(name):
    e = bibun.parse(f"{name}(x)")
    x0 = RULES[name].typical[0]
    got = eval(to_python(e), {"np": np, "math": math, "x": x0})  # noqa: S307 - our source
    assert float(got) == pytest.approx(float(e.evaluate(x=x0)), rel=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_both_catalogs_name_every_function(name):
    for lang in ("en", "ja"):
        assert i18n.has(f"fn.{name}", lang), (name, lang)


@pytest.mark.parametrize("text, answer", [
    ("tanh(x)", "sech(x)^2"), ("coth(x)", "-csch(x)^2"), ("arcsec(x)", "1/(|x| sqrt(x^2-1))"),
    ("sech(x)", "-sech(x) tanh(x)"), ("arccot(x)", "-1/(1+x^2)"), ("logistic(x)",
                                                                    "σ(x)(1-σ(x))"),
])
def test_answers_through_the_new_names_are_correct(text, answer):
    assert check_answer(text, answer).correct


@pytest.mark.parametrize("text, reading", [
    ("sech(x)", "sech(x)"), ("coth x", "coth(x)"), ("arccot x", "acot(x)"),
    ("asec(x)", "asec(x)"), ("logistic(x)", "sigmoid(x)"), ("arsinh x", "asinh(x)"),
    (r"\operatorname{sech} x", "sech(x)"), (r"\coth x", "coth(x)"), (r"\arcsin x", "asin(x)"),
])
def test_names_are_not_read_as_products(text, reading):
    assert parse_any(text, None) is bibun.parse(reading)


def test_exact_special_values_come_from_the_table():
    from bibun.calculus.common import exact_at

    assert str(exact_at(bibun.parse("sin(x) + cos(x)"), {"x": bibun.parse("pi/6")})) \
        == str(bibun.parse("1/2 + sqrt(3)/2"))
    assert exact_at(bibun.parse("sec(x)"), {"x": bibun.parse("pi/3")}) is bibun.parse("2")
