"""``derivative(f, n)`` in Taylor mode (``bibun.autodiff.jet``): the same numbers as n
nested reverse passes, for every function of the rule table and for arithmetic, and the
nested passes wherever Taylor mode cannot be sure (arrays, float32, corners, inside
another transformation, code it does not know)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import bibun.autodiff as ad
from bibun.autodiff import AutodiffError, jet
from bibun.functions import RULES

RULE_NAMES = sorted({r.name for r in RULES.values()})


def _nested(f, n):
    for _ in range(n):
        f = ad.grad(f)
    return f


@pytest.fixture
def taylor_calls(monkeypatch):
    """How many times Taylor mode answered (not fell back)."""
    calls = []
    real = jet.taylor_derivative

    def spy(*a):
        out = real(*a)
        calls.append(out)
        return out

    monkeypatch.setattr(jet, "taylor_derivative", spy)
    return calls


@pytest.mark.parametrize("name", RULE_NAMES)
def test_every_rule_function_matches_nested_reverse_mode(name, taylor_calls):
    r = RULES[name]
    f = getattr(ad, name)
    for x0 in r.typical:
        for n in (2, 3, 5):
            got = ad.derivative(f, n)(x0)
            want = _nested(f, n)(x0)
            assert got.dtype == np.float64 and got.op == "leaf" and not got.requires_grad
            np.testing.assert_allclose(float(got), float(want), rtol=1e-9, atol=1e-12,
                                       err_msg=f"{name}^({n})({x0})")
    assert taylor_calls, f"Taylor mode should have run for {name}"


COMPOSITIONS = {
    "tanh chain": lambda x: ad.tanh(ad.tanh(x) * 2.0 + 0.5),
    "quotient and powers": lambda x: (1.0 + x * x) ** 1.5 / (2.0 + ad.sin(x)) - 3.0 / x,
    "exp of log and a Python power": lambda x: 2.0 ** x + ad.exp(ad.log(x) * x) + x ** x,
    "integer and negative powers": lambda x: x ** 7 - 4 * x ** -3 + np.float64(0.5) * x,
    "methods and comparisons": lambda x: (x.sigmoid() * x.cos() if x > 0 else -x),
}


@pytest.mark.parametrize("name", COMPOSITIONS)
@pytest.mark.parametrize("n", [2, 4, 6])
def test_compositions_match_nested_reverse_mode(name, n, taylor_calls):
    f = COMPOSITIONS[name]
    got, want = ad.derivative(f, n)(0.7), _nested(f, n)(0.7)
    np.testing.assert_allclose(float(got), float(want), rtol=1e-9)
    assert len(taylor_calls) == 1


def test_known_values_tanh_fourth_derivative_and_polynomials_at_zero():
    t = math.tanh(0.3)
    assert float(ad.derivative(ad.tanh, 4)(0.3)) == pytest.approx(
        8 * t * (1 - t * t) * (2 - 3 * t * t), rel=1e-13)  # tanh⁗ = 8t(1−t²)(2−3t²)
    assert float(ad.derivative(lambda x: x ** 3, 3)(0.0)) == 6.0  # exact at 0, no NaN
    assert float(ad.derivative(lambda x: x ** 3, 4)(0.0)) == 0.0
    assert float(ad.derivative(lambda x: x ** 0.0, 2)(0.0)) == 0.0


@pytest.mark.parametrize("case", [
    "float32", "array", "corner", "fractional power at 0", "constant Tensor", "inside grad"])
def test_what_taylor_mode_cannot_be_sure_of_goes_the_nested_way(case, taylor_calls):
    if case == "float32":
        got = ad.derivative(ad.tanh, 2)(np.float32(0.3))
        assert got.dtype == np.float32
    elif case == "array":
        got = ad.derivative(lambda v: ad.sum(ad.tanh(v)), 2)(np.array([0.3]))
    elif case == "corner":
        got = ad.derivative(lambda x: ad.relu(x) * x, 2)(0.0)
        assert float(got) == float(_nested(lambda x: ad.relu(x) * x, 2)(0.0))
    elif case == "fractional power at 0":
        ad.derivative(lambda x: x ** 2.5, 2)(0.0)
    elif case == "constant Tensor":
        c = ad.Tensor(2.0)
        got = ad.derivative(lambda x: c * x ** 3, 2)(1.0)
        assert float(got) == 12.0
    else:
        got = ad.grad(lambda y: ad.derivative(lambda x: ad.sin(x * y), 2)(0.5))(2.0)
        # d/dy [-y² sin(xy)] at x = .5, y = 2
        want = -2 * 2 * math.sin(1.0) - 4 * 0.5 * math.cos(1.0)
        assert float(got) == pytest.approx(want, rel=1e-12)
    assert not taylor_calls


def test_a_function_that_leaves_the_graph_still_gets_the_nested_error():
    with pytest.raises(AutodiffError, match="left the graph"):
        ad.derivative(lambda x: 3.0, 2)(1.0)
    with pytest.raises(AutodiffError):
        ad.derivative(lambda x: math.sin(x), 2)(1.0)


def test_first_derivatives_stay_reverse_mode(taylor_calls):
    assert float(ad.derivative(ad.sin, 1)(0.0)) == 1.0
    assert not taylor_calls
