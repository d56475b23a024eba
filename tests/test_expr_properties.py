"""Generated expressions: derivatives agree with SymPy and with central differences,
text round-trips, and the parser raises nothing but its own errors."""

from __future__ import annotations

import contextlib
import math
import random
import warnings

import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bibun
from bibun.errors import BibunError
from bibun.expr import core
from bibun.expr.evaluate import evaluate_numeric
from bibun.numeric import derivative

from .sympy_oracle import to_sympy

X, Y = core.symbol("x"), core.symbol("y")
FUNCS = ["sin", "cos", "exp", "log", "tanh", "sigmoid", "atan", "sqrt", "softplus", "cosh"]

leaves = st.one_of(
    st.sampled_from([X, Y, X, core.PI]),
    st.integers(-5, 5).map(core.number),
    st.fractions(max_denominator=5).filter(lambda f: abs(f) < 5).map(core.number),
    st.sampled_from([0.5, 0.25, 1.5, 2.0, 0.1]).map(core.number),
)


def _try(build, *args):
    """Some combinations are undefined (0^-1, log(0)): those raise and are skipped."""
    try:
        return build(*args)
    except BibunError:
        return None


def _extend(children):
    return st.one_of(
        st.tuples(children, children).map(lambda t: core.add(*t)),
        st.tuples(children, children).map(lambda t: core.mul(*t)),
        st.tuples(children, st.integers(-3, 4).map(core.number))
        .map(lambda t: _try(core.power, *t)).filter(lambda e: e is not None),
        st.tuples(st.sampled_from(FUNCS), children)
        .map(lambda t: _try(core.fn, *t)).filter(lambda e: e is not None),
    )


exprs = st.recursive(leaves, _extend, max_leaves=12)
SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def _value(e, point):
    try:
        v = e.evaluate(point)
    except BibunError:
        return None
    v = float(v)
    return v if math.isfinite(v) and abs(v) < 1e8 else None


@SETTINGS
@given(exprs)
def test_text_round_trips_to_the_same_node(e):
    assert bibun.parse(str(e)) is e


@SETTINGS
@given(exprs)
def test_latex_unicode_python_printers_never_fail(e):
    assert e.latex() and e.unicode() and e.python()


@SETTINGS
@given(exprs, st.integers(0, 2**31))
def test_derivative_agrees_with_sympy(e, seed):
    d = bibun.diff(e, "x")
    sx = sp.Symbol("x", real=True)
    sy = sp.Symbol("y", real=True)
    oracle = sp.diff(to_sympy(e), sx)
    f_oracle = sp.lambdify((sx, sy), oracle, "mpmath")
    rng = random.Random(seed)
    checked = 0
    for _ in range(6):
        point = {"x": rng.uniform(0.1, 2.5), "y": rng.uniform(0.1, 2.5)}
        ours = _value(d, point)
        if ours is None:
            continue
        try:
            theirs = complex(f_oracle(point["x"], point["y"]))
        except (ZeroDivisionError, ValueError, OverflowError, TypeError):
            continue
        if abs(theirs.imag) > 1e-9 or not math.isfinite(theirs.real):
            continue
        assert math.isclose(ours, theirs.real, rel_tol=1e-7, abs_tol=1e-7), (str(e), point)
        checked += 1


@SETTINGS
@given(exprs, st.integers(0, 2**31))
def test_derivative_agrees_with_numeric_differentiation(e, seed):
    """bibun.numeric (which never sees the formula, only values) is the oracle here."""
    d = bibun.diff(e, "x")
    rng = random.Random(seed)
    for _ in range(3):
        x0, y0 = rng.uniform(0.2, 2.0), rng.uniform(0.2, 2.0)
        exact = _value(d, {"x": x0, "y": y0})
        if exact is None or _value(e, {"x": x0, "y": y0}) is None:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                est = derivative(lambda t, y0=y0: evaluate_numeric(e, {"x": t, "y": y0}), x0)
            except BibunError:
                continue
        if not est.ok:
            continue
        bound = max(4 * float(est.error_estimate), 1e-9 * max(1.0, abs(exact)))
        assert abs(float(est.value) - exact) <= bound, (str(e), x0, y0, est, exact)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="xy12+-*/^()|.esinlogσ√²· e_=,[]{}abc\\'", max_size=30))
def test_fuzzed_text_raises_only_parse_errors(text):
    with contextlib.suppress(BibunError):
        bibun.parse(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_arbitrary_unicode_raises_only_bibun_errors(text):
    with contextlib.suppress(BibunError):
        bibun.parse(text)
