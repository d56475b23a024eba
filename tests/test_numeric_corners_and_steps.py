"""Fixed-step methods at corners, difference_table's best step, clear errors for odd f,
hessian keeping x's shape."""

from __future__ import annotations

import math

import numpy as np
import pytest

import bibun
from bibun.errors import BibunError
from bibun.numeric import (
    EPS,
    NumericWarning,
    derivative,
    difference_table,
    gradient,
    hessian,
    numerical_diff,
)


@pytest.mark.parametrize("method", ["central", "forward", "backward"])
@pytest.mark.parametrize("f, left, right", [(np.abs, -1.0, 1.0),
                                            (lambda x: np.maximum(x, 0), 0.0, 1.0)])
def test_fixed_step_quotients_flag_a_corner_instead_of_false_precision(method, f, left, right):
    with pytest.warns(NumericWarning):
        est = derivative(f, 0.0, method=method)
    assert not est.ok
    assert any("corner" in fl for fl in est.flags)
    assert est.error_estimate >= (right - left) / 2


@pytest.mark.parametrize("method", ["central", "forward", "backward"])
def test_fixed_step_higher_orders_flag_a_corner_of_a_lower_derivative(method):
    # relu's symmetric 3rd difference at 0 is exactly 0; its 1st differences show the corner
    with pytest.warns(NumericWarning):
        est = derivative(lambda x: np.maximum(x, 0), 0.0, n=3, method=method)
    assert not est.ok and est.error_estimate == math.inf


@pytest.mark.parametrize("method", ["central", "forward", "backward"])
@pytest.mark.parametrize("n", [1, 2, 3])
@pytest.mark.parametrize("f, df, x", [
    (np.sin, lambda x, n: math.sin(x + n * math.pi / 2), 1.0),
    (np.exp, lambda x, n: math.exp(x), -0.7),
    (np.log, lambda x, n: (-1) ** (n - 1) * math.factorial(n - 1) / x**n, 2.5),
])
def test_fixed_step_quotients_of_smooth_functions_stay_unflagged_and_bounded(method, n, f, df, x):
    est = derivative(f, x, n=n, method=method)
    assert est.ok and not any("corner" in fl for fl in est.flags)
    assert abs(est.value - df(x, n)) <= est.error_estimate


def test_the_books_central_difference_keeps_its_value_and_tight_error():
    est = derivative(lambda x: 0.01 * x**2 + 0.1 * x, 5.0, method="central", h=1e-4)
    assert est.value == 0.1999999999990898 and est.ok
    assert abs(est.value - 0.2) <= est.error_estimate < 1e-10
    assert numerical_diff(lambda x: 0.01 * x**2 + 0.1 * x, 5) == 0.1999999999990898


@pytest.mark.parametrize("f, df, x", [
    (np.exp, np.exp, 1.0), (np.exp, np.exp, -3.0), (np.exp, np.exp, 10.0),
    (np.sin, np.cos, 1.0), (np.sin, np.cos, 0.3), (np.sin, np.cos, 100.0),
    (np.log, lambda x: 1 / x, 1.0), (np.log, lambda x: 1 / x, 0.5), (np.log, lambda x: 1 / x, 50.0),
])
def test_difference_table_best_step_without_exact_is_near_the_true_best(f, df, x):
    table = difference_table(f, x)
    truth = difference_table(f, x, exact=float(df(x)))
    for m in table.methods:
        i = list(table.h).index(table.optimal_h[m])
        best = np.nanmin(truth.errors[m])
        assert truth.errors[m][i] <= 10 * best + 8 * EPS * abs(float(df(x))), m


def test_difference_table_of_exp_no_longer_picks_rounding_dominated_steps():
    best = difference_table(np.exp, 1.0).optimal_h
    assert best["central"] == 1e-5 and best["backward"] == 1e-8 and best["forward"] == 1e-8


def test_f_returning_a_tuple_is_a_clear_error():
    with pytest.raises(BibunError, match="one number per x"):
        derivative(lambda x: (x * x, x), 3.0)


def test_a_formula_can_be_differentiated_numerically():
    assert derivative("x^2", 3.0).value == pytest.approx(6.0, rel=1e-14)
    assert derivative(bibun.parse("sin(x)"), 1.0).value == pytest.approx(math.cos(1.0), rel=1e-14)
    np.testing.assert_allclose(gradient("x^2 + y^2", [3.0, 4.0]).value, [6.0, 8.0], rtol=1e-13)
    assert numerical_diff("x^2", 3.0) == pytest.approx(6.0, rel=1e-8)
    with pytest.warns(NumericWarning):
        assert not derivative("abs(x)", 0.0).ok


@pytest.mark.parametrize("f, match", [(3, "function"), (None, "function"),
                                      ("x*y", "one variable")])
def test_something_that_is_not_a_function_is_a_clear_error(f, match):
    with pytest.raises(BibunError, match=match):
        derivative(f, 3.0)


def test_hessian_calls_f_with_x_in_its_own_shape():
    def f(w):
        return w[0, 1] * w[1, 0] + (w**2).sum()

    est = hessian(f, np.ones((2, 2)))
    assert est.value.shape == (2, 2, 2, 2)
    assert est.value[0, 1, 1, 0] == pytest.approx(1.0, abs=1e-8)
    assert est.value[0, 1, 0, 1] == pytest.approx(2.0, abs=1e-8)
    assert est.value[0, 0, 1, 1] == pytest.approx(0.0, abs=1e-8)
    assert hessian(lambda x: x**3, 2.0).value == pytest.approx(12.0, rel=1e-9)
    np.testing.assert_allclose(hessian("x^2 y", [3.0, 4.0]).value, [[8, 6], [6, 0]], atol=1e-8)


def test_hessian_of_a_vector_valued_f_has_one_hessian_per_component():
    est = hessian(lambda x: x**3, np.array([1.0, 2.0]))
    assert est.value.shape == (2, 2, 2)
    expected = np.zeros((2, 2, 2))
    expected[0, 0, 0], expected[1, 1, 1] = 6.0, 12.0  # ∂²(x_k³)/∂x_k² = 6 x_k
    np.testing.assert_allclose(est.value, expected, atol=1e-8)
