"""bibun.numeric: the book's functions bit for bit, honest error bars, no silent failures."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bibun.errors import BibunError, DomainError
from bibun.functions import rule
from bibun.numeric import (
    NumericWarning,
    derivative,
    difference_table,
    fornberg_weights,
    gradcheck,
    gradient,
    hessian,
    jacobian,
    numerical_diff,
    numerical_gradient,
)

# -- the seeds, to the last digit ---------------------------------------------------------


def function_1(x):
    """f(x)=0.01x^2+0.1x (seed 004)"""
    return 0.01 * x**2 + 0.1 * x


def test_numerical_diff_reproduces_the_seed_output_exactly():
    assert numerical_diff(function_1, 5) == 0.1999999999990898
    assert numerical_diff(function_1, 10) == 0.2999999999986347
    assert str(numerical_diff(function_1, 5)) == "0.1999999999990898"


def test_partial_derivatives_via_function_tmp_reproduce_the_seed_exactly():
    # the seed fixes the other variable inside a one-variable function
    def function_tmp1(x0):
        return x0**2 + 4.0**2

    def function_tmp2(x1):
        return 3.0**2.0 + x1**2

    assert numerical_diff(function_tmp1, 3.0) == 6.00000000000378
    assert numerical_diff(function_tmp2, 4.0) == 7.999999999999119


def test_numerical_gradient_of_the_seed_function_2_matches_function_tmp_partials():
    def function_2(x):
        return x[0] ** 2 + x[1] ** 2

    g = numerical_gradient(function_2, np.array([3.0, 4.0]))
    assert g.tolist() == [6.00000000000378, 7.999999999999119]


# -- numerical_gradient: in place, restored, any shape ------------------------------------


def test_numerical_gradient_restores_every_element_of_a_3d_array_when_f_ignores_its_argument():
    rng = np.random.default_rng(0)
    W = rng.normal(size=(2, 3, 4))
    original = W.copy()
    seen = []

    def loss(_ignored):  # reads the captured weights, as the book's net.loss does
        seen.append(W.copy())
        return float(np.sum(W**3))

    g = numerical_gradient(loss, W)
    assert np.array_equal(W, original)  # every element restored bit for bit
    assert g.shape == W.shape
    np.testing.assert_allclose(g, 3 * original**2, rtol=1e-6, atol=1e-8)
    # exactly one element differs from the original during each call
    assert len(seen) == 2 * W.size
    assert all(np.count_nonzero(s != original) == 1 for s in seen)


def test_numerical_gradient_restores_the_array_even_when_f_raises():
    x = np.array([1.0, 2.0])

    def bad(v):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        numerical_gradient(bad, x)
    assert x.tolist() == [1.0, 2.0]


def test_numerical_gradient_refuses_integer_arrays_with_an_explanation():
    with pytest.raises(BibunError, match="truncated"):
        numerical_gradient(lambda v: np.sum(v**2), np.array([3, 4]))


def test_gradient_converts_integer_arrays_and_says_so():
    est = gradient(lambda v: np.sum(v**2), np.array([3, 4]))
    assert est.value.tolist() == [6.0, 8.0]
    assert any("integer" in f for f in est.all_flags)


# -- error estimates are honest -----------------------------------------------------------

# (f, exact f', points): smooth, NumPy-written, exact derivative in closed form
SUITE = [
    (function_1, lambda x: 0.02 * x + 0.1, [5.0, 10.0]),
    (np.sin, np.cos, [0.3, 1.0, 2.5]),
    (np.exp, np.exp, [-3.0, 0.0, 2.0]),
    (np.log, lambda x: 1 / x, [1e-3, 0.5, 7.0]),
    (np.sqrt, lambda x: 0.5 / np.sqrt(x), [1e-3, 2.0]),
    (np.tanh, lambda x: 1 - np.tanh(x) ** 2, [0.2, 3.0]),
    (np.arctan, lambda x: 1 / (1 + x**2), [0.5, 4.0]),
    (lambda x: (x**3 + 1) ** 2, lambda x: 6 * x**2 * (x**3 + 1), [1.3, -0.4]),
    (lambda x: 1 / (x**3 + 1), lambda x: -3 * x**2 / (x**3 + 1) ** 2, [0.9]),
    (lambda x: np.log(np.sin(x**3 - 2)),
     lambda x: 3 * x**2 * np.cos(x**3 - 2) / np.sin(x**3 - 2), [1.5]),
    (rule("sigmoid").numpy, lambda x: rule("sigmoid").numpy(x) * (1 - rule("sigmoid").numpy(x)),
     [0.5, -4.0]),
    (lambda x: x**x, lambda x: x**x * (np.log(x) + 1), [1.5]),
    (lambda x: np.exp(-(x**2)), lambda x: -2 * x * np.exp(-(x**2)), [0.7]),
    (np.cbrt, lambda x: 1 / (3 * np.cbrt(x) ** 2), [1e-3, 8.0]),  # no complex support
]


def _cases():
    for f, df, xs in SUITE:
        for x in xs:
            yield f, x, float(df(np.float64(x)))


@pytest.mark.parametrize("method", ["auto", "richardson"])
def test_error_estimates_bound_the_true_error_on_a_smooth_suite(method):
    results = [(derivative(f, x, method=method), exact) for f, x, exact in _cases()]
    # exact derivatives here are computed in floats: allow their own rounding (a few ulp)
    bounded = [abs(e.value - ex) <= e.error_estimate + 4e-16 * abs(ex) for e, ex in results]
    assert sum(bounded) >= 0.95 * len(results)
    rel = [abs(e.value - ex) / abs(ex) for e, ex in results]
    assert np.median(rel) <= 1e-13
    assert max(rel) <= 1e-9
    assert all(e.ok for e, _ in results)


def test_second_derivative_estimates_bound_the_true_error():
    cases = [(np.sin, 1.0, -math.sin(1.0)), (np.exp, 0.5, math.exp(0.5)),
             (np.log, 2.0, -0.25), (lambda x: x**4, 1.5, 12 * 1.5**2)]
    for f, x, exact in cases:
        est = derivative(f, x, n=2)
        assert abs(est.value - exact) <= est.error_estimate, (f, x)
        assert abs(est.value - exact) <= 1e-9 * abs(exact)


@pytest.mark.parametrize("n, tol", [(1, 1e-14), (2, 1e-10), (3, 1e-8), (4, 1e-7)])
def test_higher_derivatives_up_to_four(n, tol):
    est = derivative(np.exp, 1.0, n=n)
    assert abs(est.value - math.e) <= tol * math.e
    assert abs(est.value - math.e) <= est.error_estimate


def test_auto_uses_the_complex_step_for_analytic_numpy_functions():
    est = derivative(np.sin, 1.0)
    assert est.method == "complex step"
    assert est.value == math.cos(1.0)
    assert est.evaluations <= 3


@pytest.mark.parametrize("f, x, exact", [
    (lambda x: x * np.sign(x), 2.0, 1.0),  # numpy's complex sign is z/|z|: not analytic
    (lambda x: x * np.conj(x), 2.0, 4.0),
    (lambda x: abs(x), 1.0, 1.0),  # drops the imaginary part
    (lambda x: math.sin(x), 1.0, math.cos(1.0)),  # refuses complex input
])
def test_non_analytic_or_real_only_functions_fall_back_to_richardson(f, x, exact):
    est = derivative(f, x)
    assert est.method.startswith("richardson")
    assert abs(est.value - exact) <= max(est.error_estimate, 1e-12)


# -- large |x|, domain edges, near-singular points ----------------------------------------


@pytest.mark.parametrize("method", ["auto", "richardson"])
@pytest.mark.parametrize("f, exact", [
    (np.sin, math.cos(1e8)), (np.log, 1e-8), (np.sqrt, 0.5e-4),
    (lambda x: x * np.log(x), math.log(1e8) + 1),
])
def test_large_x_steps_scale_with_x(method, f, exact):
    est = derivative(f, 1e8, method=method)
    assert np.isfinite(est.value)
    assert abs(est.value - exact) <= est.error_estimate
    assert abs(est.value - exact) <= 1e-9 * abs(exact)


def test_near_a_domain_edge_the_first_step_shrinks_and_says_so():
    # scipy.differentiate's first step leaves the domain here and returns NaN
    f = lambda x: np.log(np.sin(x**3 - 2))  # noqa: E731
    exact = 3 * 1.5**2 * math.cos(1.5**3 - 2) / math.sin(1.5**3 - 2)
    est = derivative(f, 1.5, method="richardson")
    assert abs(est.value - exact) <= est.error_estimate <= 1e-12
    edge = derivative(np.sqrt, 1e-3, method="richardson")
    assert abs(edge.value - 0.5 / math.sqrt(1e-3)) <= edge.error_estimate
    assert any("shrunk" in f for f in edge.flags)


def test_at_a_boundary_the_difference_goes_one_sided_and_says_so():
    f = lambda x: np.sqrt(x) ** 4 + np.sin(x)  # noqa: E731  (= x² + sin x, NaN for x < 0)
    est = derivative(f, 0.0)
    assert est.method == "richardson (forward)"
    assert any("one-sided" in fl for fl in est.flags)
    assert abs(est.value - 1.0) <= est.error_estimate <= 1e-8


def test_near_singular_cbrt_is_accurate_where_numdifftools_is_off_by_100_percent():
    est = derivative(np.cbrt, 1e-3)
    exact = 1 / (3 * 1e-3 ** (2 / 3))
    assert abs(est.value - exact) <= est.error_estimate <= 1e-9 * exact
    assert est.ok


@pytest.mark.parametrize("f, left, right", [(np.abs, -1.0, 1.0),
                                            (lambda x: np.maximum(x, 0), 0.0, 1.0)])
def test_a_corner_is_flagged_not_silently_averaged(f, left, right):
    with pytest.warns(NumericWarning):
        est = derivative(f, 0.0)
    assert not est.ok
    assert any("corner" in fl for fl in est.flags)
    assert est.error_estimate >= (right - left) / 2


def test_a_singularity_gives_a_warning_not_a_confident_number():
    with pytest.warns(NumericWarning):
        est = derivative(np.cbrt, 0.0)  # the derivative is infinite
    assert not est.ok


# -- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize("f", [np.log, lambda x: 1 / 0, lambda x: float("nan")])
def test_f_never_finite_near_x_raises_an_error_naming_x(f):
    with pytest.raises(DomainError, match=r"x = -1:"):
        derivative(f, -1.0)


def test_an_exception_inside_f_is_quoted_in_the_error():
    def buggy(x):
        return undefined_name  # noqa: F821

    with pytest.raises(DomainError, match="NameError"):
        derivative(buggy, 2.0)


@pytest.mark.parametrize("kwargs, match", [
    ({"n": 11}, "order"), ({"n": 0}, "order"), ({"method": "magic"}, "unknown method"),
    ({"h": -1.0}, "step"),
])
def test_bad_arguments_are_refused_with_a_message(kwargs, match):
    with pytest.raises(BibunError, match=match):
        derivative(np.sin, 1.0, **kwargs)


@pytest.mark.parametrize("x", ["one", 1 + 2j, float("inf")])
def test_bad_points_are_refused(x):
    with pytest.raises(BibunError):
        derivative(np.sin, x)


def test_complex_method_refuses_functions_without_complex_support():
    with pytest.raises(BibunError, match="complex"):
        derivative(math.sin, 1.0, method="complex")


def test_plain_central_outside_the_domain_suggests_auto():
    with pytest.raises(DomainError, match="auto"):
        derivative(np.log, 1e-6, method="central")


# -- vectorized, plain methods, multivariate ----------------------------------------------


def test_array_x_gives_arrays_of_the_same_shape():
    x = np.array([[0.5, 1.0], [2.0, 1e-3]])
    est = derivative(np.log, x)
    assert est.value.shape == est.error_estimate.shape == est.evaluations.shape == (2, 2)
    np.testing.assert_allclose(est.value, 1 / x, rtol=1e-14)


def test_scalar_only_functions_are_called_point_by_point():
    est = derivative(math.exp, np.array([0.0, 1.0]))
    np.testing.assert_allclose(est.value, [1.0, math.e], rtol=1e-12)


@pytest.mark.parametrize("method, tol", [("forward", 1e-7), ("backward", 1e-7),
                                         ("central", 1e-9)])
def test_textbook_quotients_with_honest_error_bars(method, tol):
    est = derivative(np.exp, 1.0, method=method)
    assert est.method == method
    assert abs(est.value - math.e) <= min(est.error_estimate, tol)
    fixed = derivative(function_1, 5.0, method="central", h=1e-4)
    assert fixed.value == 0.1999999999990898 and fixed.h == 1e-4


def test_gradient_jacobian_and_hessian():
    f = lambda v: v[0] ** 2 * v[1] + np.sin(v[1])  # noqa: E731
    x = np.array([3.0, 4.0])
    g = gradient(f, x)
    np.testing.assert_allclose(g.value, [24.0, 9 + math.cos(4.0)], rtol=1e-14)
    H = hessian(f, x)
    expected = np.array([[8.0, 6.0], [6.0, -math.sin(4.0)]])
    assert np.all(np.abs(H.value - expected) <= H.error_estimate)
    assert np.allclose(H.value, H.value.T)
    J = jacobian(lambda v: np.array([v[0] * v[1], np.exp(v[0])]), [1.0, 2.0])
    np.testing.assert_allclose(J.value, [[2.0, 1.0], [math.e, 0.0]], rtol=1e-14, atol=1e-300)


# -- Fornberg weights ---------------------------------------------------------------------


@pytest.mark.parametrize("nodes, order, expected", [
    ([-1, 0, 1], 1, [-0.5, 0, 0.5]),
    ([-1, 0, 1], 2, [1, -2, 1]),
    ([0, 1, 2], 1, [-1.5, 2, -0.5]),
    ([-2, -1, 0, 1, 2], 4, [1, -4, 6, -4, 1]),
    ([-2, -1, 1, 2], 3, [-0.5, 1, -1, 0.5]),
])
def test_fornberg_weights_reproduce_the_classical_stencils(nodes, order, expected):
    np.testing.assert_allclose(fornberg_weights(nodes, order), expected, atol=1e-14)


# -- gradcheck and the difference table ---------------------------------------------------


def test_gradcheck_passes_a_right_gradient_and_pinpoints_a_wrong_one():
    f = lambda v: np.sum(v**3)  # noqa: E731
    x = np.array([1.0, 2.0, 3.0])
    ok = gradcheck(f, lambda v: 3 * v**2, x)
    assert ok.passed and bool(ok) and "PASS" in str(ok)
    bad = gradcheck(f, lambda v: 3 * v**2 + np.array([0, 0, 1e-3]), x)
    assert not bad.passed
    assert bad.worst == (2,)
    text = str(bad)
    assert "FAIL" in text and "(2,)" in text and "fails" in text


def test_difference_table_shows_truncation_then_rounding():
    t = difference_table(np.exp, 1.0, ["forward", "central"], exact=math.e)
    assert list(t.h) == [10.0**-k for k in range(1, 17)]
    fe = t.errors["forward"]
    best = int(np.argmin(fe))
    assert 5 <= best <= 9  # h* ~ 1e-8 = sqrt(eps)
    assert np.all(np.diff(np.log(fe[:best + 1])) < 0)  # truncation falls ...
    assert fe[-1] > 1e3 * fe[best]  # ... then rounding wins
    assert 1e-9 <= t.optimal_h["forward"] <= 1e-7
    assert t.optimal_h["central"] > t.optimal_h["forward"]
    assert "best h for forward" in str(t)


def test_difference_table_central_row_at_h_1e_4_is_the_books_number():
    t = difference_table(function_1, 5.0, "central", exact=0.2)
    assert t.quotients["central"][3] == 0.1999999999990898


# -- extreme |x|: steps that scale, honest errors ------------------------------------------


def test_complex_step_is_used_at_huge_x_where_float_spacing_defeats_differences():
    # floats near 1e20 are 16384 apart, so no difference quotient resolves sin there
    for analytic in (True, None):
        est = derivative(np.sin, 1e20, analytic=analytic)
        assert est.method == "complex step"
        assert abs(est.value - math.cos(1e20)) <= 1e-12
        assert abs(est.value - math.cos(1e20)) <= est.error_estimate


def test_complex_step_at_huge_x_still_rejects_non_analytic_functions():
    est = derivative(lambda x: x * np.sign(x), 1e20)  # |x|: numpy's sign is z/|z|
    assert est.method.startswith("richardson")
    assert abs(est.value - 1.0) <= 1e-9


def test_a_difference_that_cannot_resolve_f_is_flagged_with_an_infinite_error():
    with pytest.warns(NumericWarning):
        est = derivative(np.sin, 1e20, method="richardson")
    assert not est.ok
    assert est.error_estimate == math.inf
    assert any("too coarse" in f for f in est.flags)


@pytest.mark.parametrize("x", [1e-20, 1e-300])
def test_complex_step_steps_scale_with_tiny_x(x):
    est = derivative(np.log, x, analytic=True)
    assert est.method == "complex step"
    assert abs(est.value - 1 / x) <= 1e-12 / x


@pytest.mark.parametrize("f, exact", [(np.log, lambda x: 1 / x),
                                      (np.sqrt, lambda x: 0.5 / math.sqrt(x))])
@pytest.mark.parametrize("x", [1e-20, 1e-300])
def test_richardson_steps_scale_with_tiny_x_near_a_domain_edge(f, exact, x):
    est = derivative(f, x, method="richardson")
    assert est.method == "richardson (central)"
    assert est.h < x
    assert abs(est.value - exact(x)) <= est.error_estimate <= 1e-6 * exact(x)


def test_complex_step_error_message_shows_plain_numbers_and_no_python_internals():
    with pytest.raises(BibunError) as info:
        derivative(np.abs, np.float64(1.0), method="complex")
    msg = str(info.value)
    assert "x = 1:" in msg and "np.float64" not in msg
    assert "math.sin" not in msg and "np.cbrt" not in msg


def test_a_formula_is_parsed_once_and_its_analyticity_comes_with_it():
    from bibun import parse
    from bibun.numeric.calling import _as_callable, formula_analytic

    fn, analytic = _as_callable("sin(x)^2", "derivative", None)
    assert analytic is True and abs(float(fn(0.5)) - math.sin(0.5) ** 2) < 1e-15
    assert _as_callable("abs(x)", "derivative", None)[1] is False
    assert _as_callable("abs(x)", "derivative", None, True)[1] is True  # the caller's word
    assert _as_callable(np.sin, "derivative", None) == (np.sin, None)
    assert formula_analytic(parse("exp(x) cos(x)")) and not formula_analytic(parse("relu(x)"))
    assert derivative("sin(x)", 0.5).method.startswith("complex")
